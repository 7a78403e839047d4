"""Field encryption for personal data (ID numbers and the like).

A protected value is stored twice:

- ``encrypt_text``: AES-256-GCM with a fresh random 12-byte nonce per value, stored as
  ``"v1:" + urlsafe-base64(nonce + ciphertext)``. The ``v1`` prefix names the format so a later
  key or algorithm change can be told apart from old rows.
- ``keyed_hash``: HMAC-SHA256 (hex) for exact lookup. Encryption is randomised, so the same
  number encrypts differently every time and cannot be searched; the keyed hash can, and
  without the key it cannot be reversed by hashing all possible ID numbers.

Keys come from settings: ``FIELD_ENCRYPTION_KEY`` (32 bytes, urlsafe base64) and
``FIELD_HASH_KEY`` (text). Key objects are built once per key and cached, because imports call
these functions for every row. ``encrypt_many`` / ``keyed_hash_many`` are the bulk path: they
read the settings once and loop.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["decrypt_text", "encrypt_many", "encrypt_text", "keyed_hash", "keyed_hash_many"]

PREFIX = "v1:"
NONCE_BYTES = 12


@functools.lru_cache(maxsize=8)
def _cipher(key: str) -> AESGCM:
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        # Never echo the key itself into logs.
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY 必须是32字节密钥的urlsafe base64编码（AES-256），请检查配置"
        )
    return AESGCM(raw)


@functools.lru_cache(maxsize=8)
def _hmac_base(key: str) -> hmac.HMAC:
    if not key:
        raise ImproperlyConfigured("FIELD_HASH_KEY 不能为空，请检查配置")
    # Copying a keyed HMAC object is cheaper than keying a new one for every value.
    return hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)


def _current_cipher() -> AESGCM:
    return _cipher(settings.FIELD_ENCRYPTION_KEY)


def _current_hmac() -> hmac.HMAC:
    return _hmac_base(settings.FIELD_HASH_KEY)


def _encrypt(cipher: AESGCM, plain: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = cipher.encrypt(nonce, plain.encode("utf-8"), None)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def _hash(base: hmac.HMAC, value: str) -> str:
    h = base.copy()
    h.update(value.encode("utf-8"))
    return h.hexdigest()


def encrypt_text(plain: str) -> str:
    """Encrypt one value; a different token every call."""
    return _encrypt(_current_cipher(), plain)


def decrypt_text(token: str) -> str:
    """Decrypt a token from ``encrypt_text``. Raises ValueError if it is damaged or was made
    with another key."""
    if not token.startswith(PREFIX):
        raise ValueError("密文格式无法识别（缺少版本前缀v1:）")
    try:
        blob = base64.urlsafe_b64decode(token[len(PREFIX) :].encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ValueError("密文不是有效的base64编码") from exc
    if len(blob) <= NONCE_BYTES:
        raise ValueError("密文长度不足，数据已损坏")
    try:
        plain = _current_cipher().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None)
    except InvalidTag as exc:
        raise ValueError("密文无法解密：数据已损坏或加密密钥不一致") from exc
    return plain.decode("utf-8")


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of the value with FIELD_HASH_KEY, 64 lowercase hex characters."""
    return _hash(_current_hmac(), value)


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def encrypt_many(values: list[str]) -> list[str]:
    """Bulk path of ``encrypt_text``: settings are read and the key prepared once, the nonces (each its own
    12 random bytes, as encrypt_text's) drawn from the system in one call, the base64 done by binascii."""
    seal = _current_cipher().encrypt
    noise = os.urandom(NONCE_BYTES * len(values))
    encode = binascii.b2a_base64
    out = []
    append = out.append
    at = 0
    for v in values:
        nonce = noise[at:at + NONCE_BYTES]
        at += NONCE_BYTES
        append(PREFIX + encode(nonce + seal(nonce, v.encode("utf-8"), None), newline=False)
               .translate(_URLSAFE).decode("ascii"))
    return out


def decrypt_many(tokens) -> list[str]:
    """Bulk path of ``decrypt_text`` (a bank file's million account numbers): the key prepared once and the
    per-token work kept to the base64 decoding and the AES-GCM call; "" stays "". A damaged token raises
    decrypt_text's ValueError."""
    open_sealed = _current_cipher().decrypt
    decode = binascii.a2b_base64
    plain = []
    append = plain.append
    try:
        for token in tokens:
            if not token:
                append("")
                continue
            if not token.startswith(PREFIX):
                raise ValueError
            blob = decode(token[3:].replace("-", "+").replace("_", "/"))
            append(open_sealed(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None).decode("utf-8"))
    except (ValueError, binascii.Error, InvalidTag):
        decrypt_text(token)  # raises with the reason in Chinese
        raise
    return plain


@functools.lru_cache(maxsize=8)
def _hmac_pads(key: str) -> tuple:
    """HMAC-SHA256's inner and outer hashes, keyed (RFC 2104: the key padded to the block, XOR 0x36 / 0x5c)."""
    raw = _hmac_base(key) and key.encode("utf-8")  # _hmac_base: the same refusal of an empty key
    if len(raw) > 64:
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(64, b"\0")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in raw)).copy,
            hashlib.sha256(bytes(b ^ 0x5C for b in raw)).copy)


def keyed_hash_many(values: list[str]) -> list[str]:
    """Bulk path of ``keyed_hash`` (the same HMAC-SHA256, pinned by a test): the key prepared once and the
    inner and outer hashes copied directly, without an hmac.HMAC object per value (a million-person roster)."""
    inner_of, outer_of = _hmac_pads(settings.FIELD_HASH_KEY)
    out = []
    append = out.append
    for v in values:
        inner = inner_of()
        inner.update(v.encode("utf-8"))
        outer = outer_of()
        outer.update(inner.digest())
        append(outer.hexdigest())
    return out


def encrypt_bytes(plain: bytes) -> bytes:
    """A whole file (an uploaded roster waiting for review) sealed with the field key: nonce + ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _current_cipher().encrypt(nonce, plain, None)


def decrypt_bytes(blob: bytes) -> bytes:
    try:
        return _current_cipher().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None)
    except (InvalidTag, ValueError) as exc:
        raise ValueError("文件无法解密：数据已损坏或加密密钥不一致") from exc
