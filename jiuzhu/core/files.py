"""Stored files: scanned documents and other attachments any app keeps (ID cards, hukou books, income proofs).

- `stored_file_save(data=…)` checks the bytes (size under STORED_FILE_MAX_BYTES, not empty, a PDF, JPEG or
  PNG by its first bytes: the file name's extension is not trusted), seals them with the field key
  (core.crypto, AES-256-GCM) and writes them under MEDIA_ROOT/files/<2 chars>/<key>.bin. It returns the key;
  the caller keeps it on its own model with `file_facts()` (content type, size, SHA-256 of the plain bytes).
- `stored_file_read(key)` gives the plain bytes back, `stored_file_response(key)` the same as an inline HTTP
  answer; `stored_file_delete(key)` removes a file whose record was never committed (a failed registration),
  nothing else.
- `upload_bytes(upload)` reads a Django upload, its size checked against the limit before a byte of it is
  read. `limit_uploads(request)`, called by a view before it touches request.POST, puts SizeLimitHandler
  first among the request's upload handlers: a file is counted as it streams in and never more than the
  limit of it is kept, in memory or in a temporary file; an oversized file arrives as an empty upload that
  knows its real size, which upload_bytes refuses with the figures. (A view that calls it is csrf_exempt and
  checks CSRF itself with csrf_protect, after the handler is in place: Django's documented pattern.)

MEDIA_ROOT is never served by the web server (whitenoise serves STATIC_ROOT only): a file leaves the store
only through an app's view that checks capability and jurisdiction and writes the audit row."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from jiuzhu.core.crypto import decrypt_bytes, encrypt_bytes
from jiuzhu.core.errors import DomainError

__all__ = ["FileRejected", "SizeLimitHandler", "file_facts", "limit_uploads", "max_file_bytes", "size_label",
           "sniff_content_type", "stored_file_delete", "stored_file_read", "stored_file_save", "upload_bytes"]

# Magic numbers of the formats a scanned document may come in. Nothing else is stored.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
FORMAT_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


class FileRejected(DomainError):
    """The file cannot be kept: empty, too big, or not a PDF, JPEG or PNG."""

    def __init__(self, message: str, *, field: str | None = "file"):
        super().__init__(message, code="invalid_file", field=field)


@dataclass(frozen=True)
class FileFacts:
    content_type: str
    size: int
    sha256: str


def max_file_bytes() -> int:
    return int(getattr(settings, "STORED_FILE_MAX_BYTES", 10 * 1024 * 1024))


def size_label(size: int) -> str:
    """12 MB, 1.5 MB, 300 KB, 80 字节: how a file's size is shown."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} 字节"


def check_size(size: int) -> None:
    if size <= 0:
        raise FileRejected("文件是空的（0 字节），请重新选择文件")
    limit = max_file_bytes()
    if size > limit:
        raise FileRejected(f"文件大小为 {size_label(size)}，超过了 {size_label(limit)} 的上限，"
                           "请压缩或分页扫描后再上传")


def sniff_content_type(head: bytes) -> str | None:
    """The type the bytes themselves say (PDF, JPEG, PNG), or None."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def file_facts(data: bytes) -> FileFacts:
    """Checks the bytes and says what they are. Raises FileRejected with a Chinese message."""
    check_size(len(data))
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise FileRejected("文件不是 PDF、JPEG 或 PNG 格式（按文件内容判断，与扩展名无关），请上传扫描件或照片")
    return FileFacts(content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def upload_bytes(upload) -> bytes:
    """The bytes of an uploaded file (django UploadedFile), its size checked before it is read."""
    if upload is None:
        raise FileRejected("请选择文件")
    check_size(upload.size or 0)
    data = b"".join(upload.chunks())
    check_size(len(data))  # a file that grew while being read is refused all the same
    return data


def files_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "files"


def _path(key: str) -> Path:
    if not _KEY.fullmatch(key or ""):
        raise FileNotFoundError("存储文件编号无效")
    return files_root() / key[:2] / f"{key}.bin"


def stored_file_save(*, data: bytes) -> str:
    """Checks, seals and writes the bytes; returns the key to read them back with."""
    file_facts(data)
    key = secrets.token_urlsafe(24)  # 32 characters, never derived from the content or the name
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(encrypt_bytes(data))
    partial.replace(path)  # a reader never sees half a file
    return key


def stored_file_read(key: str) -> bytes:
    """The plain bytes of a stored file. FileNotFoundError if the key is unknown; ValueError if the file was
    altered or sealed with another key."""
    return decrypt_bytes(_path(key).read_bytes())


def stored_file_response(key: str, *, content_type: str | None = None):
    """A stored file shown inline (a photo): its type as given or read from its first bytes, never cached, never
    sniffed by the browser. The calling view has checked capability and scope and written the audit row."""
    from django.http import HttpResponse

    data = stored_file_read(key)
    response = HttpResponse(data, content_type=content_type or sniff_content_type(data[:16])
                            or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stored_file_delete(key: str) -> None:
    """Removes a file whose record was rolled back. Committed files are voided by their app, never deleted."""
    _path(key).unlink(missing_ok=True)


class OversizedUpload(UploadedFile):
    """What arrives for a file over the limit: no content, its real size (for the message)."""

    def __init__(self, name: str, size: int):
        super().__init__(file=io.BytesIO(b""), name=name, content_type="application/octet-stream", size=size)


class SizeLimitHandler(FileUploadHandler):
    """First upload handler of a request: passes each file's chunks on to the usual handlers until the file
    passes the limit, then drops the rest (the body is still read to its end, nothing more is kept)."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_file_bytes()
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return raw_data if self.received <= self.limit else None

    def file_complete(self, file_size):
        if self.received > self.limit:
            return OversizedUpload(self.file_name or "", self.received)
        return None  # the next handler (memory or temporary file) gives the file


def limit_uploads(request) -> None:
    """Before request.POST or request.FILES is read: no uploaded file is kept beyond the limit."""
    request.upload_handlers.insert(0, SizeLimitHandler(request))
