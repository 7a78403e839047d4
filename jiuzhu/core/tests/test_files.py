"""Stored files (jiuzhu.core.files): checked by their bytes, sealed at rest, read back only by key."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.core import files
from jiuzhu.core.files import FileRejected

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64  # a Windows program, whatever its name says


@pytest.fixture
def store(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORED_FILE_MAX_BYTES = 1024
    return tmp_path


@pytest.mark.parametrize(("data", "content_type"), [(PDF, "application/pdf"), (JPEG, "image/jpeg"),
                                                    (PNG, "image/png")])
def test_round_trip_and_facts(store, data, content_type):
    key = files.stored_file_save(data=data)
    assert files.stored_file_read(key) == data
    facts = files.file_facts(data)
    assert (facts.content_type, facts.size, facts.sha256) == (content_type, len(data),
                                                               hashlib.sha256(data).hexdigest())


def test_a_stored_photo_is_answered_inline_uncached_and_unsniffed(store):
    response = files.stored_file_response(files.stored_file_save(data=PNG))
    assert response.content == PNG and response["Content-Type"] == "image/png"  # read from its first bytes
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    given = files.stored_file_response(files.stored_file_save(data=JPEG), content_type="image/jpeg")
    assert given["Content-Type"] == "image/jpeg"


def test_encrypted_at_rest_under_media_root(store):
    key = files.stored_file_save(data=PDF)
    (path,) = (store / "files").rglob("*.bin")
    assert path == store / "files" / key[:2] / f"{key}.bin"
    sealed = path.read_bytes()
    assert b"%PDF" not in sealed and b"Catalog" not in sealed
    assert len(sealed) == len(PDF) + 12 + 16  # nonce + ciphertext + GCM tag
    assert list((store / "files").rglob("*.part")) == []


def test_each_save_gets_a_new_random_key(store):
    assert files.stored_file_save(data=PDF) != files.stored_file_save(data=PDF)


def test_altered_file_is_refused(store):
    key = files.stored_file_save(data=PDF)
    (path,) = (store / "files").rglob("*.bin")
    sealed = bytearray(path.read_bytes())
    sealed[-1] ^= 1
    path.write_bytes(bytes(sealed))
    with pytest.raises(ValueError, match="文件无法解密"):
        files.stored_file_read(key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "", "a" * 31, "a/" + "b" * 30])
def test_malformed_keys_never_reach_the_disk(store, key):
    with pytest.raises(FileNotFoundError):
        files.stored_file_read(key)


def test_type_is_sniffed_from_the_bytes_not_the_name(store):
    with pytest.raises(FileRejected) as refused:
        files.stored_file_save(data=EXE)
    assert refused.value.message == "文件不是 PDF、JPEG 或 PNG 格式（按文件内容判断，与扩展名无关），请上传扫描件或照片"
    assert (refused.value.code, refused.value.field) == ("invalid_file", "file")
    assert not (store / "files").exists()


def test_size_limit_and_empty(store):
    with pytest.raises(FileRejected) as big:
        files.stored_file_save(data=PDF + b"0" * 2048)
    assert big.value.message == "文件大小为 2 KB，超过了 1 KB 的上限，请压缩或分页扫描后再上传"
    with pytest.raises(FileRejected) as empty:
        files.stored_file_save(data=b"")
    assert empty.value.message == "文件是空的（0 字节），请重新选择文件"
    assert not (store / "files").exists()
    files.stored_file_save(data=PDF + b"0" * (1024 - len(PDF)))  # exactly the limit is allowed


def test_size_message_in_megabytes(settings):
    settings.STORED_FILE_MAX_BYTES = 10 * 1024 * 1024
    with pytest.raises(FileRejected) as big:
        files.check_size(12 * 1024 * 1024 + 1)
    assert big.value.message == "文件大小为 12 MB，超过了 10 MB 的上限，请压缩或分页扫描后再上传"
    assert [files.size_label(n) for n in (80, 1536, 10 * 1024 * 1024)] == ["80 字节", "1.5 KB", "10 MB"]


def test_upload_size_checked_before_reading(store):
    class Unreadable(SimpleUploadedFile):
        def chunks(self, chunk_size=None):
            raise AssertionError("read before its size was checked")

    with pytest.raises(FileRejected, match="超过了"):
        files.upload_bytes(Unreadable("scan.pdf", PDF + b"0" * 2048))
    with pytest.raises(FileRejected, match="请选择文件"):
        files.upload_bytes(None)
    assert files.upload_bytes(SimpleUploadedFile("scan.pdf", PDF)) == PDF


def test_delete_removes_only_that_file(store):
    first, second = files.stored_file_save(data=PDF), files.stored_file_save(data=PNG)
    files.stored_file_delete(first)
    with pytest.raises(FileNotFoundError):
        files.stored_file_read(first)
    assert files.stored_file_read(second) == PNG


def test_size_limit_handler_keeps_no_more_than_the_limit_of_a_streamed_file(settings):
    from django.core.files.uploadhandler import MemoryFileUploadHandler
    from django.test import RequestFactory

    settings.STORED_FILE_MAX_BYTES = 100 * 1024
    received = []

    class Spy(MemoryFileUploadHandler):
        def receive_data_chunk(self, raw_data, start):
            received.append(len(raw_data))
            return super().receive_data_chunk(raw_data, start)

    big = PDF + b"0" * (1024 * 1024)
    request = RequestFactory().post("/", {"scan": SimpleUploadedFile("big.pdf", big),
                                          "small": SimpleUploadedFile("small.pdf", PDF)})
    files.limit_uploads(request)
    request.upload_handlers.append(Spy(request))  # stands for Django's memory / temporary-file handlers
    request.upload_handlers = [h for h in request.upload_handlers
                               if isinstance(h, (files.SizeLimitHandler, Spy))]
    scan, small = request.FILES["scan"], request.FILES["small"]
    assert (scan.name, scan.size, scan.read()) == ("big.pdf", len(big), b"")
    assert sum(received) <= 100 * 1024 + len(PDF)  # the big file: one 64 KB chunk kept, the rest dropped
    assert small.read() == PDF
    with pytest.raises(FileRejected) as refused:
        files.upload_bytes(scan)
    assert refused.value.message == "文件大小为 1 MB，超过了 100 KB 的上限，请压缩或分页扫描后再上传"
