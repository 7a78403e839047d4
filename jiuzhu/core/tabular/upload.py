"""The one upload step of a page that imports a file (the registry's rosters, funds' bank accounts, departments'
feeds, the region table): the posted file is there, has a suffix the import reads (an old .xls named apart), is
no larger than the limit before a byte of it is read, and is then read once and handed to the page's own step
(store it for the check page, or write its batch) whose answer, a redirect, the page returns. A refusal is one
Chinese message on the page; the page is shown again."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.http import HttpResponse

from jiuzhu.core.errors import DomainError
from jiuzhu.core.tabular.limits import FileRejected, check_upload_size

XLS_REFUSED = "这是旧版Excel（.xls）文件，请在Excel中“另存为”Excel工作簿（.xlsx）后再导入"


@dataclass(frozen=True)
class PostedFile:
    filename: str
    data: bytes


def _formats(suffixes: Collection[str]) -> str:
    names = ["Excel（.xlsx）"] + (["CSV"] if ".csv" in suffixes else []) + (
        ["Parquet"] if ".parquet" in suffixes else [])
    if len(names) == 1:
        return names[0]
    return "、".join(names[:-1]) + ("或 " if names[-2].endswith("）") else " 或 ") + names[-1]


def posted_file(request, *, suffixes: Collection[str], verb: str = "导入", field: str = "file",
                check_size: Callable[[int], None] = check_upload_size) -> PostedFile:
    """The file posted under `field`, checked before it is parsed; FileRejected (Chinese) when it is missing, of
    a kind the import does not read, or over `check_size`'s limit (checked on the declared size, before reading)."""
    file = request.FILES.get(field)
    if file is None:
        raise FileRejected(f"请选择要{verb}的文件")
    suffix = Path(file.name).suffix.lower()
    if suffix == ".xls" and ".xls" not in suffixes:
        raise FileRejected(XLS_REFUSED)
    if suffix not in suffixes:
        raise FileRejected(f"只能{verb} {_formats(suffixes)} 文件")
    check_size(file.size)
    return PostedFile(filename=file.name, data=b"".join(file.chunks()))


def upload_step(request, then: Callable[[PostedFile], HttpResponse], *, suffixes: Collection[str],
                verb: str = "导入", check_size: Callable[[int], None] = check_upload_size) -> HttpResponse | None:
    """A page's POST of a file: checked (posted_file), then `then(file)` stores it or writes its batch and
    returns where to go (the check page). None, with the refusal as an error message, when the file or `then`
    refused it (a DomainError); the page then shows its form again."""
    try:
        return then(posted_file(request, suffixes=suffixes, verb=verb, check_size=check_size))
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
