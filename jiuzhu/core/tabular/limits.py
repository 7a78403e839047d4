"""Limits checked before any parsing, each refused with a Chinese message (settings, config/settings.py):

- TABULAR_MAX_UPLOAD_BYTES: the file's size.
- TABULAR_MAX_EXPANDED_BYTES and TABULAR_MAX_EXPANSION_RATIO: an xlsx is a zip; the sum of its parts'
  unzipped sizes, and that sum against the file's size (a 0.7 MB file expanding to 240 MB of XML).
  Every part is read through Python's zipfile, which stops at the declared size and checks the CRC, so a
  part that lies about its size is refused too.
- Cell positions: calamine allocates a sheet's whole area (first to last cell) at once and aborts the
  process when it cannot, so a reference such as ZZZZZ99 (beyond Excel's 16,384 columns) or one far cell
  (XFD1048576) would kill the worker. Every cell and row reference is checked first, and the area of each
  sheet is held under TABULAR_MAX_SHEET_CELLS.
- TABULAR_MAX_FIELD_CHARS: one CSV field (reader.py turns a longer one into a row error).

The reference scan is a handful of regular expressions over the sheet XML in chunks (about 0.5 s for a
100,000-row roster, against calamine's 2 s to read it and openpyxl's 12 s)."""

from __future__ import annotations

import re
import zipfile

from django.conf import settings

from jiuzhu.core.errors import DomainError

MAX_COLUMN = 16_384  # XFD
MAX_ROW = 1_048_576
RATIO_FLOOR = 10 * 1024 * 1024  # below this unzipped size the ratio is not judged
_CHUNK = 16 * 1024 * 1024


class FileRejected(DomainError):
    """The file as a whole cannot be read (format, encoding, size, damaged or crafted)."""

    def __init__(self, message: str):
        super().__init__(message, code="invalid_file")


def max_upload_bytes() -> int:
    return int(getattr(settings, "TABULAR_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def max_expanded_bytes() -> int:
    return int(getattr(settings, "TABULAR_MAX_EXPANDED_BYTES", 200 * 1024 * 1024))


def max_expansion_ratio() -> float:
    return float(getattr(settings, "TABULAR_MAX_EXPANSION_RATIO", 100))


def max_sheet_cells() -> int:
    return int(getattr(settings, "TABULAR_MAX_SHEET_CELLS", 10_000_000))


def max_field_chars() -> int:
    return int(getattr(settings, "TABULAR_MAX_FIELD_CHARS", 131_072))


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def check_upload_size(size: int) -> None:
    limit = max_upload_bytes()
    if size > limit:
        raise FileRejected(f"文件大小为 {_mb(size)} MB，超过了 {_mb(limit)} MB 的上限，请分成几个文件分别上传")


def column_number(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


# ---- xlsx ----------------------------------------------------------------------------------------

_REF_ANY = re.compile(rb"""[\t\n\r ]r[\t\n\r ]*=[\t\n\r ]*["']([^"']*)["']""")
# References other than A1 … Z99999: two- or three-letter columns, rows from 100,000, anything malformed.
# An ordinary roster has none, so one pass finds nothing; each one found is checked exactly.
_UNUSUAL = re.compile(rb' r="(?![A-Z]?[1-9]\d{0,4}")([^"]{0,24})')
# A <c> or <row> element whose first attribute is not r="…" exactly (calamine places a cell without a
# reference after the one before it, so each widens the sheet; an attribute written with single quotes or
# white space around "=" escapes the fast pattern below).
_NO_REF = re.compile(rb'<(?:c|row)(?! r=")[\t\n\r >/]')
_VALID_REFS = re.compile(rb"(?:[A-Z]{0,3}[1-9]\d{0,6}\n)*")
_LETTERS = re.compile(rb"([A-Z]{2,3})[1-9]")
_DIGITS = re.compile(rb"(\d+)\n")


class _SheetScan:
    """The largest row and column a sheet's cell and row references name, and how many cells have none
    (calamine places those one after another, so each widens the sheet)."""

    def __init__(self, prefixed: bool = False):
        self.max_row = 0
        self.max_col = 0
        self.refs = 0
        self.elements = 0
        self.exact_rows = False  # max_row is exact (else: exact only when 100,000 or more)
        self.prefixed = prefixed  # elements written <x:c>, <x:row>

    def feed(self, part: bytes) -> None:
        if self.prefixed or b":c" in part or b":row" in part or _NO_REF.search(part):
            # Some cell or row element does not start with r="…" (no reference, another attribute first,
            # single quotes, white space around "=", a namespace prefix): every reference is read with the
            # general pattern, and cells without one are counted.
            self.exact_rows = True
            values = _REF_ANY.findall(part)
            self.refs += len(values)
            self.elements += part.count(b"<c") + part.count(b"<row") + part.count(b":c") + part.count(b":row")
        else:
            # Every cell and row starts with r="…": only the unusual references need a look.
            values = _UNUSUAL.findall(part)
        if values:
            self._unusual(values)

    def _unusual(self, values: list[bytes]) -> None:
        joined = b"\n".join(values) + b"\n"
        valid = _VALID_REFS.match(joined)
        if valid.end() != len(joined):
            _bad_reference(joined[valid.end():].split(b"\n", 1)[0].decode("ascii", "replace"))
        for letters in set(_LETTERS.findall(joined)):
            self.max_col = max(self.max_col, column_number(letters))
        if len(values) < 1000:
            for value in values:
                self.max_row = max(self.max_row, int(value.lstrip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")))
        else:
            self.max_row = max(self.max_row, max(map(int, _DIGITS.findall(joined))))

    def feed_rows(self, part: bytes) -> None:
        """Second pass, only for a wide sheet: the exact last row."""
        rows = _ANY_ROW.findall(part)
        if rows:
            self.max_row = max(self.max_row, max(map(int, rows)))

    def area(self) -> tuple[int, int]:
        """(height, width) at most; the height is exact once exact_rows is set."""
        if self.max_col > MAX_COLUMN or self.max_row > MAX_ROW:
            _bad_reference(f"第{self.max_row}行第{self.max_col}列")
        unreferenced = max(0, self.elements - self.refs)
        width = max(self.max_col, 26) + unreferenced  # no two-letter column: at most Z
        rows = self.max_row if self.exact_rows or self.max_row >= 100_000 else 99_999
        return rows + unreferenced, width

    def too_large(self) -> bool:
        height, width = self.area()
        return height * width > max_sheet_cells()

    def refuse(self) -> None:
        height, width = self.area()
        raise FileRejected(f"工作表的数据区域过大（约 {height} 行 × {width} 列），"
                           f"超过了 {max_sheet_cells()} 个单元格的上限。"
                           "请删除表格右侧和下方多余的行列（或只把数据区域复制到新工作簿）后再导入")


_ANY_ROW = re.compile(rb' r="[A-Z]{0,3}([1-9]\d{0,6})"')


def _bad_reference(ref: str) -> None:
    raise FileRejected(f"Excel文件中有无效的单元格位置“{ref[:20]}”（Excel最多 {MAX_COLUMN} 列、{MAX_ROW} 行），"
                       "文件已损坏或被改动过。请用Excel打开并另存为后再导入")


def check_xlsx(data: bytes) -> None:
    """Size, expansion and cell positions of an xlsx, before calamine sees it."""
    try:
        archive = zipfile.ZipFile(_bytes_io(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileRejected("文件已损坏或不是有效的Excel文件，请重新导出") from None
    expanded = sum(m.file_size for m in members)
    if expanded > max_expanded_bytes():
        raise FileRejected(f"该Excel文件解压后有 {_mb(expanded)} MB，超过了 {_mb(max_expanded_bytes())} MB 的上限。"
                           "常见原因是整列或整行设置了格式，请只保留数据区域另存后再导入")
    if expanded > RATIO_FLOOR and expanded > max_expansion_ratio() * max(len(data), 1):
        raise FileRejected(f"该Excel文件的压缩比异常（解压后是原文件的 {expanded // max(len(data), 1)} 倍），"
                           "疑似被构造的文件，已拒绝。请用Excel打开并另存为后再导入")
    try:
        for member in members:
            if member.is_dir():
                continue
            if not _is_sheet_part(member.filename):
                _read_through(archive, member)  # the CRC and the declared size are checked at the end
                continue
            with archive.open(member) as head:
                start = head.read(4096)
            scan = _SheetScan(prefixed=b"<worksheet" not in start and b":worksheet" in start)
            _read_through(archive, member, scan.feed)
            if scan.too_large() and not scan.exact_rows:
                scan.exact_rows = True
                scan.max_row = 0
                _read_through(archive, member, scan.feed_rows)
            if scan.too_large():
                scan.refuse()
    except FileRejected:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        # A CRC mismatch (a part longer than it says), an unsupported compression or an encrypted part.
        raise FileRejected("Excel文件已损坏或已加密，无法读取，请重新导出（不要设置密码）后再导入") from None


def _is_sheet_part(name: str) -> bool:
    # Worksheets normally live in xl/worksheets/, but the workbook's relations may point anywhere: every
    # XML part except those that hold no cells is scanned.
    lowered = name.lower()
    return lowered.endswith(".xml") and not any(
        word in lowered for word in ("sharedstrings", "styles", "theme", "[content_types]", "docprops", ".rels"))


def _read_through(archive: zipfile.ZipFile, member: zipfile.ZipInfo, feed=None) -> None:
    with archive.open(member) as part:
        tail = b""
        while chunk := part.read(_CHUNK):
            if feed is None:
                continue
            buffer = tail + chunk
            cut = buffer.rfind(b">") + 1  # an attribute never straddles a cut made after ">"
            feed(buffer[:cut])
            tail = buffer[cut:]
        if feed is not None and tail:
            feed(tail)


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)
