"""core/tabular/upload.py: the one upload step of the import pages (registry, funds' accounts, department feeds)
refuses a missing file, an old .xls, an unread suffix and an oversized file (before reading it) in Chinese."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from jiuzhu.core.tabular import FileRejected, posted_file

SUFFIXES = {".xlsx", ".csv"}


def _request(file=None):
    return RequestFactory().post("/", {"file": file} if file else {})


def test_reads_the_posted_file_once_checked():
    got = posted_file(_request(SimpleUploadedFile("名单.CSV", b"a,b\n1,2\n")), suffixes=SUFFIXES)
    assert (got.filename, got.data) == ("名单.CSV", b"a,b\n1,2\n")


@pytest.mark.parametrize(("file", "verb", "message"), [
    (None, "上传", "请选择要上传的文件"),
    (SimpleUploadedFile("旧.xls", b"x"), "导入",
     "这是旧版Excel（.xls）文件，请在Excel中“另存为”Excel工作簿（.xlsx）后再导入"),
    (SimpleUploadedFile("照片.jpg", b"x"), "导入", "只能导入 Excel（.xlsx）或 CSV 文件"),
])
def test_refuses_in_chinese(file, verb, message):
    with pytest.raises(FileRejected) as refused:
        posted_file(_request(file), suffixes=SUFFIXES, verb=verb)
    assert refused.value.message == message


def test_names_parquet_when_the_import_reads_it():
    with pytest.raises(FileRejected) as refused:
        posted_file(_request(SimpleUploadedFile("a.pdf", b"x")), suffixes={".xlsx", ".csv", ".parquet"})
    assert refused.value.message == "只能导入 Excel（.xlsx）、CSV 或 Parquet 文件"


def test_an_oversized_file_is_refused(settings):
    settings.TABULAR_MAX_UPLOAD_BYTES = 4
    with pytest.raises(FileRejected, match="超过了"):
        posted_file(_request(SimpleUploadedFile("大.csv", b"a,b\n1,2\n")), suffixes=SUFFIXES)
