"""Field encryption and keyed hashes (jiuzhu.core.crypto). Needs settings, not the database."""

import base64
import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from jiuzhu.core.crypto import decrypt_many, decrypt_text, encrypt_many, encrypt_text, keyed_hash, keyed_hash_many

NUMBER = "11010519491231002X"
KEY_A = base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"B" * 32).decode()


@pytest.fixture
def keys(settings):
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    settings.FIELD_HASH_KEY = "test-hash-key"
    return settings


def test_round_trip(keys):
    for plain in [NUMBER, "", "张三", "x" * 1000]:
        assert decrypt_text(encrypt_text(plain)) == plain


def test_token_format_and_random_nonce(keys):
    first, second = encrypt_text(NUMBER), encrypt_text(NUMBER)
    assert first != second
    for token in (first, second):
        assert token.startswith("v1:")
        assert NUMBER not in token
        assert NUMBER.encode() not in base64.urlsafe_b64decode(token[3:])
        # 12-byte nonce + 18 bytes of text + 16-byte tag
        assert len(base64.urlsafe_b64decode(token[3:])) == 12 + 18 + 16


def test_other_key_cannot_decrypt(keys):
    token = encrypt_text(NUMBER)
    keys.FIELD_ENCRYPTION_KEY = KEY_B
    with pytest.raises(ValueError):
        decrypt_text(token)
    keys.FIELD_ENCRYPTION_KEY = KEY_A
    assert decrypt_text(token) == NUMBER


@pytest.mark.parametrize(
    "token", ["", "v2:abc", "v1:!!!", "v1:" + base64.urlsafe_b64encode(b"short").decode()]
)
def test_damaged_token_is_refused(keys, token):
    with pytest.raises(ValueError):
        decrypt_text(token)


def test_tampered_token_is_refused(keys):
    blob = bytearray(base64.urlsafe_b64decode(encrypt_text(NUMBER)[3:]))
    blob[-1] ^= 1
    with pytest.raises(ValueError):
        decrypt_text("v1:" + base64.urlsafe_b64encode(bytes(blob)).decode())


@pytest.mark.parametrize(
    "bad_key",
    [
        base64.urlsafe_b64encode(b"k" * 16).decode(),
        base64.urlsafe_b64encode(b"k" * 33).decode(),
        "not base64 !",
        "",
    ],
)
def test_wrong_key_length_is_improperly_configured(settings, bad_key):
    settings.FIELD_ENCRYPTION_KEY = bad_key
    with pytest.raises(ImproperlyConfigured):
        encrypt_text(NUMBER)


def test_keyed_hash_is_deterministic_hex_and_keyed(keys):
    digest = keyed_hash(NUMBER)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert keyed_hash(NUMBER) == digest
    assert keyed_hash("11010519491231003X") != digest
    keys.FIELD_HASH_KEY = "another-hash-key"
    assert keyed_hash(NUMBER) != digest


def test_bulk_paths_match_single_calls(keys):
    values = [NUMBER, "430524198007154577", ""]
    assert keyed_hash_many(values) == [keyed_hash(v) for v in values]
    for key in ("救助" * 40, "k" * 64, "k" * 65):  # the bulk path's own HMAC: keys longer than SHA-256's block
        keys.FIELD_HASH_KEY = key
        assert keyed_hash_many(values) == [keyed_hash(v) for v in values]
    tokens = encrypt_many(values)
    assert len({t[3:19] for t in tokens}) == len(tokens)  # a nonce of its own for every value
    assert [decrypt_text(t) for t in tokens] == values
    assert len(set(tokens)) == len(tokens)
    assert encrypt_many([]) == []


def test_decrypt_many_is_decrypt_text_in_bulk(keys):
    plains = [NUMBER, "张三", "6217000000000001"]
    tokens = encrypt_many(plains)
    assert decrypt_many([tokens[0], "", *tokens[1:]]) == [NUMBER, "", *plains[1:]]  # "" (no account) stays ""
    blob = bytearray(base64.urlsafe_b64decode(tokens[0][3:]))
    blob[-1] ^= 1
    for damaged in ("v2:abc", "v1:!!!", "v1:" + base64.urlsafe_b64encode(bytes(blob)).decode()):
        with pytest.raises(ValueError):
            decrypt_many([tokens[1], damaged])
