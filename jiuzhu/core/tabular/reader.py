"""Reading a file into sheets of rows: xlsx (python-calamine: every sheet, merged cells filled), csv (UTF-8
with or without BOM, else GB18030, which covers GBK) and parquet (pyarrow).

Each sheet's header row is found below any title rows (headers.locate_header); below the data, summary rows
(合计, 小计), signature and note rows (制表人：, 审核人：, 注：) and repeated header rows are left out.
A workbook whose several sheets each hold a roster (one per township) is read as one table: every sheet with
a header row is data, rows are numbered as each sheet numbers them, and a message names the sheet when
there is more than one."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path

from jiuzhu.core.tabular import limits
from jiuzhu.core.tabular.cells import text
from jiuzhu.core.tabular.headers import HEADER_SCAN_ROWS, Columns, locate_header, normalize_header
from jiuzhu.core.tabular.limits import FileRejected

# The csv module's own limit (131,072) raises in the middle of a file; fields are measured here instead,
# so an over-long field is a row error (limits.max_field_chars) and the rest of the file is still read.
csv.field_size_limit(2**31 - 1)
CHUNK_ROWS = 8_192  # rows a chunk of Sheet.field_chunks holds as Python cells (65,536 held ~125 MB more at peak)


class RowRef(int):
    """A row number as the sheet numbers it, knowing its sheet (for messages when there are several)."""

    sheet: str = ""
    sheet_index: int = 0

    def __new__(cls, number: int, sheet: str = "", sheet_index: int = 0):
        ref = super().__new__(cls, number)
        # The class gives the single sheet's "" and 0: a row of a one-sheet file (every row of a csv, a million
        # of them in a large roster) then carries no attribute dictionary.
        if sheet:
            ref.sheet = sheet
        if sheet_index:
            ref.sheet_index = sheet_index
        return ref


class _LongRow(list):
    """A CSV row holding at least one TooLong field (the reader marks it, so records() looks at no other row's
    cells)."""

    __slots__ = ()


class TooLong:
    """Stands in for a CSV field longer than the limit; the row gets an error, the value is dropped."""

    __slots__ = ("length",)

    def __init__(self, length: int):
        self.length = length

    def __str__(self):
        return f"（{self.length} 个字符，内容过长）"


def read_bytes(source) -> bytes:
    """File content from bytes, a path or an open (uploaded) file; the size limit is checked first."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        limits.check_upload_size(len(data))
        return data
    if isinstance(source, str | Path):
        path = Path(source)
        limits.check_upload_size(path.stat().st_size)
        return path.read_bytes()
    size = getattr(source, "size", None)
    if size is not None:
        limits.check_upload_size(size)
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(limits.max_upload_bytes() + 1)
    limits.check_upload_size(len(data))
    return data


def file_kind(data: bytes, filename: str) -> str:
    """xlsx, csv or parquet, by content first: offices rename files, and the content does not lie."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise FileRejected("这是旧版Excel（.xls）文件，请在Excel中“另存为”Excel工作簿（.xlsx）后再导入")
    if Path(filename).suffix.lower() in {".xlsx", ".xlsm", ".parquet"}:
        raise FileRejected("文件已损坏或不是有效的Excel文件，请重新导出")
    return "csv"


# ---- xlsx ----------------------------------------------------------------------------------------

_RESAVE = "文件已损坏或被改动过。请用Excel打开并另存为后再导入"
_NUMBER_CELL = re.compile(rb'<c r="([A-Z]+\d+)"(?:(?! t=")[^>])*(?: t="n"(?:[^>])*)?><v>([^<]*)</v>')


def _calamine_failure(data: bytes, exc: BaseException) -> FileRejected:
    """A Chinese message for calamine's error; for a number cell holding text, the cell itself."""
    if "float" in str(exc).lower() or "int" in str(exc).lower():
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(data))
        for name in archive.namelist():
            if not name.endswith(".xml") or "worksheets" not in name:
                continue
            for ref, value in _NUMBER_CELL.findall(archive.read(name)):
                try:
                    float(value)
                except ValueError:
                    shown = value.decode("utf-8", "replace")[:20]
                    return FileRejected(f"单元格 {ref.decode()} 标为数字，内容却是“{shown}”，{_RESAVE}")
        return FileRejected(f"Excel文件中有标为数字却不是数字的单元格，{_RESAVE}")
    return FileRejected("无法读取该Excel文件（文件损坏或加密），请重新导出后再导入")


def _guarded(data: bytes, call):
    try:
        return call()
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:  # calamine raises its own errors and, from Rust, PanicException
        raise _calamine_failure(data, exc) from None


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, Iterator[tuple[int, list]], object]]:
    """(sheet name, rows, reopen) of each worksheet, merged cells filled, rows numbered as Excel shows them.
    `reopen()` reads the sheet again: read_table keeps only one sheet in memory at a time."""
    import python_calamine

    limits.check_xlsx(data)
    workbook = _guarded(data, lambda: python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)))
    names = [m.name for m in workbook.sheets_metadata if str(m.typ).endswith("WorkSheet")]
    for name in names:
        yield name, _CalamineSheet(data, workbook, name), (lambda n=name: _CalamineSheet(data, workbook, n))


class _CalamineSheet:
    """One worksheet read by calamine in one call: iterated, its rows numbered as Excel shows them with merged
    cells filled (row by row, as fill_merged does); `columns()` gives the same cells column-wise, merged cells
    filled with numpy over each column at once (Sheet.field_chunks reads a large sheet that way)."""

    def __init__(self, data: bytes, workbook, name: str):
        import numpy as np

        sheet = _guarded(data, lambda: workbook.get_sheet_by_name(name))
        # Merged ranges, 1-based (min_col, min_row, max_col, max_row), cut to the sheet's data area; a roster
        # with merged household columns has hundreds of thousands of them, so they are a numpy array.
        self.ranges = np.zeros((0, 4), dtype=np.int64)
        self.rows: list[list] = []
        self._iter = None
        if sheet.start is None:  # an empty sheet
            self._iter = iter(())
            return
        end = sheet.end
        merged = sheet.merged_cell_ranges or ()
        if merged:
            flat = np.fromiter(chain.from_iterable(chain.from_iterable(merged)), dtype=np.int64,
                               count=4 * len(merged)).reshape(-1, 4)  # r0, c0, r1, c1 (0-based)
            flat = flat[(flat[:, 0] <= end[0]) & (flat[:, 1] <= end[1])]
            self.ranges = np.column_stack((flat[:, 1], flat[:, 0], np.minimum(flat[:, 3], end[1]),
                                           np.minimum(flat[:, 2], end[0]))) + 1
        # The whole sheet to Python rows in one call (calamine's bulk API, from cell A1), not cell by cell.
        self.rows = _guarded(data, lambda: sheet.to_python(skip_empty_area=False))

    def __iter__(self):
        return self

    def __next__(self) -> tuple[int, list]:
        if self._iter is None:
            numbered = enumerate(self.rows, start=1)
            self._iter = fill_merged(numbered, _RangeStarts(self.ranges)) if len(self.ranges) else numbered
        return next(self._iter)

    def close(self) -> None:
        self._iter, self.rows = iter(()), []

    def columns(self) -> list[list] | None:
        """Every column of the sheet as a list (row i of the sheet at index i - 1), merged cells filled; None
        when the rows are not one width, a merged range spans both rows and columns, or two ranges overlap
        (then the rows are read one by one, as fill_merged fills them)."""
        import numpy as np

        rows = self.rows
        if not rows:
            return []
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            return None
        n = len(rows)
        # The rows into one numpy grid of references and out column-wise (4x faster than zip(*rows) at 100,000
        # rows); merged cells are filled in the grid.
        grid = np.empty((n, width), dtype=object)
        grid[:] = rows
        ranges = self.ranges[(self.ranges[:, 1] <= n) & (self.ranges[:, 0] <= width)]
        wide = ranges[:, 2] != ranges[:, 0]
        if (wide & (ranges[:, 3] != ranges[:, 1])).any():
            return None
        for min_col, min_row, max_col, _ in ranges[wide].tolist():
            # One row across columns (a title, a group heading): filled directly.
            value = grid[min_row - 1, min_col - 1]
            for c in range(min_col, min(max_col, width)):
                grid[min_row - 1, c] = value
        tall = ranges[~wide]
        for c in np.unique(tall[:, 0]).tolist():
            spans = tall[tall[:, 0] == c]
            tops, lasts = spans[:, 1] - 1, np.minimum(spans[:, 3], n) - 1
            step = np.zeros(n + 1, dtype=np.int64)
            np.add.at(step, tops + 1, 1)
            np.add.at(step, lasts + 1, -1)
            depth = np.cumsum(step[:n])
            if depth.max() > 1 or depth[tops].any():
                return None  # overlapping ranges (not from Excel): the row-wise filling decides
            covered = depth > 0
            if not covered.any() or n < 2:
                continue
            source = np.maximum.accumulate(np.where(covered, -1, np.arange(n)))  # each row's top row
            grid[:, c - 1] = grid[source, c - 1]
        columns = grid.T.tolist()
        del grid
        return columns


class _RangeStarts:
    """fill_merged's {first row: [(min_col, max_col, max_row)]} of a numpy array of ranges, built only when
    more rows are read than the header search reads: read_table looks at a sheet's first rows row by row
    before field_chunks reads the sheet column-wise, and a roster has hundreds of thousands of ranges."""

    LOOKUPS = 64

    def __init__(self, ranges):
        import numpy as np

        self.ranges = ranges[np.argsort(ranges[:, 1], kind="stable")]
        self.found: dict[int, list] | None = None
        self.lookups = 0

    def pop(self, number: int, default=None):
        if self.found is None and self.lookups < self.LOOKUPS:
            self.lookups += 1
            column = self.ranges[:, 1]
            lo, hi = column.searchsorted(number, "left"), column.searchsorted(number, "right")
            return [(c0, c1, r1) for c0, _, c1, r1 in self.ranges[lo:hi].tolist()] or default
        if self.found is None:
            self.found = {}
            for min_col, min_row, max_col, max_row in self.ranges[self.ranges[:, 1] >= number].tolist():
                self.found.setdefault(min_row, []).append((min_col, max_col, max_row))
        return self.found.pop(number, default)


def fill_merged(rows: Iterator[tuple[int, list]], ranges) -> Iterator[tuple[int, list]]:
    """Copies each merged range's top-left value into all its cells, row by row as they stream past.
    `ranges`: (min_col, min_row, max_col, max_row), 1-based, or _RangeStarts (rows in increasing order)."""
    if isinstance(ranges, _RangeStarts):
        starts = ranges
    else:
        starts: dict[int, list] = {}
        for min_col, min_row, max_col, max_row in ranges:
            starts.setdefault(min_row, []).append((min_col, max_col, max_row))
    active: list[tuple[int, int, int, object]] = []
    width, next_end = 0, 0  # the widest active range's last column; the last row of the first to end
    for number, row in rows:
        new = starts.pop(number, None)
        if new or (active and number > next_end):
            # A range can end on a row the file leaves out; it must not spill onto the next row present.
            active = [a for a in active if a[2] >= number]
            for min_col, max_col, max_row in new or ():
                active.append((min_col, max_col, max_row, row[min_col - 1] if len(row) >= min_col else None))
            if active:
                width, next_end = max(a[1] for a in active), min(a[2] for a in active)
        if active:
            if len(row) < width:
                row.extend([None] * (width - len(row)))
            for min_col, max_col, _, value in active:
                if max_col == min_col:
                    row[min_col - 1] = value
                else:
                    row[min_col - 1:max_col] = [value] * (max_col - min_col + 1)
        yield number, row


# ---- csv and parquet -----------------------------------------------------------------------------

def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, which is what Excel in China saves CSV as.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected("无法识别CSV文件的编码，请另存为UTF-8或GBK编码的CSV后再导入") from None


_DECODE_CHUNK = 4 * 1024 * 1024


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether the whole of `data` decodes, checked a piece at a time (nothing kept)."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _DECODE_CHUNK):
            decoder.decode(view[start:start + _DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def text_stream(data: bytes) -> io.TextIOBase:
    """The file as text read as it goes (decode_text's encodings, in its order), never the whole file as one
    string: a 200 MB roster would be 800 MB of text."""
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(data, encoding):
            return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    raise FileRejected("无法识别CSV文件的编码，请另存为UTF-8或GBK编码的CSV后再导入")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    stream = text_stream(data)
    sample = stream.read(8192)
    stream.seek(0)
    delimiter = max(",\t;", key=sample.count)
    limit = limits.max_field_chars()
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        # Rows are numbered as Excel shows them when it opens the file (a quoted line break stays in one row).
        for number, row in enumerate(reader, start=1):
            if row and max(map(len, row)) > limit:
                row = _LongRow(TooLong(len(v)) if len(v) > limit else v for v in row)
            yield number, row
    except csv.Error as exc:
        reason = _csv_reason(exc)
        raise FileRejected(f"CSV文件第 {reader.line_num} 行格式有误（{reason}），请检查引号是否成对") from None


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "NUL" in message or "null" in message:
        return "含有空字符，可能不是文本文件"
    if "new-line" in message or "newline" in message:
        return "引号内的换行不完整"
    return "无法解析"


def _parquet_rows(data: bytes) -> Iterator[tuple[int, list]]:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(io.BytesIO(data))
        metadata = table.metadata
        expanded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    except Exception as exc:
        raise FileRejected("无法读取该Parquet文件") from exc
    if expanded > limits.max_expanded_bytes():
        raise FileRejected(f"该Parquet文件解压后超过了 {limits.max_expanded_bytes() // 1024 // 1024} MB 的上限，"
                           "请分成几个文件分别上传")
    yield 1, list(table.schema_arrow.names)
    number = 1
    try:
        for batch in table.iter_batches(batch_size=10_000):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*columns, strict=True):
                number += 1
                yield number, list(values)
    except Exception as exc:
        raise FileRejected(f"Parquet文件第 {number + 1} 行起无法读取，文件可能已损坏") from exc


# ---- Sheets and tables ---------------------------------------------------------------------------

_SUMMARY = re.compile(r"^(合\s*计|总\s*计|小\s*计|共\s*计|总\s*数|累\s*计)")
_SIGNATURE = re.compile(r"^(制表|填表|填报|审核|审批|复核|经办|负责|单位负责|分管领导|统计|核对|签字|签名|盖章|打印)"
                        r"(人|单位|日期|时间|领导)?\s*[:：]|^(注|说明|备注|填表说明)\s*[:：]|^（?(盖章|签字|公章)）?$")


# The first characters _SUMMARY and _SIGNATURE can match at all.
_FOOTER_STARTS = frozenset("合总小共累制填审复经负单分统核签盖打注说备（公")


def is_footer(values: list) -> bool:
    """A summary (合计…), signature (制表人：…) or note (注：…) row: its first filled cell says so."""
    for v in values:
        if v is None or v == "":
            continue
        if not isinstance(v, str):
            return False
        first = v.strip()
        if not first or first[0] not in _FOOTER_STARTS:  # a name, a number: no pattern can match
            return False
        return bool(_SUMMARY.match(first) or _SIGNATURE.match(first))
    return False


@dataclass
class Sheet:
    """One sheet's data: its header row's number, its headers, and the rows below as records."""

    name: str
    index: int
    header_row: int
    headers: list[str]
    rows: Iterator[tuple[int, list]] = field(repr=False)
    label: str = ""  # the name used in messages; empty when the file has a single data sheet
    footer_rows: int = 0  # summary, signature, note and repeated header rows left out
    titles: list[str] = field(default_factory=list)  # the text of rows above the header (title, 填报单位)
    cell_errors: list[dict] = field(default_factory=list, repr=False)
    csv_source: tuple | None = field(default=None, repr=False)  # (data, filename, columns) of a csv
    # The xlsx sheet as calamine read it (_CalamineSheet), or a call that reads it again: field_chunks reads
    # it column-wise.
    xlsx_source: object = field(default=None, repr=False)

    def records(self) -> Iterator[tuple[RowRef, dict]]:
        """(row, {header: value}); rows with nothing in them and footer rows are left out. A CSV field over
        the length limit is dropped from its record and noted in `cell_errors` with its row and column."""
        headers = self.headers
        first_header = headers[0] if headers else None
        label, index = self.label, self.index
        for number, values in self.rows:
            if not any(v is not None and v != "" for v in values):
                continue
            if is_footer(values) or (values and values[0] == first_header and _repeats_header(values, headers)):
                self.footer_rows += 1
                continue
            ref = RowRef(number, label, index)
            record = dict(zip(headers, values, strict=False))
            if values.__class__ is not _LongRow:
                yield ref, record
                continue
            for header, value in record.items():
                if isinstance(value, TooLong):
                    record[header] = None
                    self.cell_errors.append({"row": ref, "column": header, "message":
                                             f"内容过长（{value.length} 个字符，最多 {limits.max_field_chars()} 个）"})
            yield ref, record


    def field_records(self, mapping: dict[str, str]) -> Iterator[tuple[RowRef, dict]]:
        """As records(), but keyed by field ({field: value} for every field of `mapping`, {header: field},
        None where this sheet lacks the column), built without an intermediate {header: value} per row."""
        fields = list(dict.fromkeys(mapping.values()))
        where = {h: i for i, h in enumerate(self.headers)}  # the last of two equal headers, as records()
        blank = len(self.headers)  # the index of the None appended to every row
        index = {f: blank for f in fields}
        for header, f in mapping.items():
            if header in where:
                index[f] = where[header]

        pick = itemgetter(*(index[f] for f in fields)) if len(fields) > 1 else None
        width = blank + 1
        for ref, record in self._rows_for_fields():
            if record.__class__ is dict:  # a row with an over-long field: records() made it a dict already
                yield ref, {f: record.get(h) for h, f in mapping.items()}
                continue
            if len(record) < width:
                record.extend([None] * (width - len(record)))
            else:
                record[blank] = None  # a cell beyond the headers is not data (records() drops it too)
            if pick is None:
                yield ref, {f: record[index[f]] for f in fields}
            else:
                yield ref, dict(zip(fields, pick(record), strict=True))

    def field_chunks(self, fields: list[str], mapping: dict[str, str], size: int = CHUNK_ROWS) \
            -> Iterator[tuple[list[RowRef], list[list]]]:
        """The data rows `size` at a time, column-wise: (rows, one list of cells per field of `fields`, in
        that order; None cells where this sheet lacks the field's column). A csv whose body Arrow can read
        (one width, no line break in a field, no over-long field) is read by Arrow, the rest row by row as
        field_records reads them, so the cells are the same either way."""
        if self.csv_source is not None:
            from jiuzhu.core.tabular.columnar import read_csv_columns

            data, filename, columns = self.csv_source
            block = read_csv_columns(data, filename, columns, chunked=True)
            if block is not None and block.headers == self.headers and block.header_row == self.header_row:
                self.rows = iter(())  # not read row by row
                self.csv_source = None  # nor read again: the file's bytes may go if the caller let them go
                del data
                self.footer_rows += block.footer_rows
                yield from _block_chunks(block, fields, mapping, size)
                return
        if self.xlsx_source is not None:
            source = self.xlsx_source
            source = source() if callable(source) else source
            columns = source.columns()
            if columns is not None:
                self.rows = iter(())  # not read row by row
                self.xlsx_source = None
                source.close()  # calamine's rows: the columns hold the cells now
                del source
                yield from self._column_chunks(columns, fields, mapping, size)
                return
        where = {h: i for i, h in enumerate(self.headers)}  # the last of two equal headers, as records()
        blank = len(self.headers)
        index = [blank] * len(fields)
        position = {f: i for i, f in enumerate(fields)}
        for header, f in mapping.items():
            if header in where and f in position:
                index[position[f]] = where[header]
        pick = itemgetter(*index) if len(index) > 1 else (lambda r: (r[index[0]],))
        width = blank + 1
        refs: list[RowRef] = []
        picked: list[tuple] = []
        for ref, record in self._rows_for_fields():
            if record.__class__ is dict:  # a row with an over-long field: records() made it a dict already
                by_field = {f: record.get(h) for h, f in mapping.items()}
                picked.append(tuple(by_field.get(f) for f in fields))
            else:
                if len(record) < width:
                    record.extend([None] * (width - len(record)))
                else:
                    record[blank] = None  # a cell beyond the headers is not data (records() drops it too)
                picked.append(pick(record))
            refs.append(ref)
            if len(refs) >= size:
                yield refs, [list(c) for c in zip(*picked, strict=True)]
                refs, picked = [], []
        if refs:
            yield refs, [list(c) for c in zip(*picked, strict=True)]

    def _column_chunks(self, columns: list[list], fields: list[str], mapping: dict[str, str], size: int):
        """field_chunks of a sheet given column-wise (_CalamineSheet.columns): blank, summary, signature, note
        and repeated header rows left out as _rows_for_fields does, judged once per distinct value of the first
        column; only rows whose first cell is empty or repeats the header are looked at cell by cell."""
        headers = self.headers
        start = self.header_row  # the data: from the row after the header (index = row number - 1)
        data = [c[start:] for c in columns]
        columns.clear()  # the caller's list too: only the data rows stay
        n = len(data[0]) if data else 0
        numbers = range(start + 1, start + 1 + n)
        keep = [True] * n
        if n:
            first_header = headers[0] if headers else None
            first = data[0]
            verdict: dict = {}  # a filled first cell -> is the row a footer (the first filled cell decides)
            try:
                distinct = set(first)
            except TypeError:  # an unhashable cell: never from calamine
                distinct = None
            if distinct is not None:
                for v in distinct:
                    verdict[v] = None if (v is None or v == "" or v == first_header) else is_footer([v])
            for i, v in enumerate(first if distinct is None or any(f is not False for f in verdict.values())
                                  else ()):
                found = verdict.get(v, False) if distinct is not None else None
                if found is False:
                    continue
                if found is None:  # empty first cell, the first header again: the whole row decides
                    values = [c[i] for c in data]
                    if (v is None or v == "") and not any(x is not None and x != "" for x in values):
                        keep[i] = False
                        continue
                    found = is_footer(values) or (v == first_header and _repeats_header(values, headers))
                if found:
                    keep[i] = False
                    self.footer_rows += 1
        if not all(keep):
            chosen = [i for i, k in enumerate(keep) if k]
            numbers = [numbers[i] for i in chosen]
            pick_rows = itemgetter(*chosen) if len(chosen) > 1 else (lambda c: tuple(c[i] for i in chosen))
            data = [list(pick_rows(c)) for c in data]
            n = len(chosen)
        where = {h: i for i, h in enumerate(headers)}  # the last of two equal headers, as records()
        position = {f: i for i, f in enumerate(fields)}
        index: list[int | None] = [None] * len(fields)
        for header, f in mapping.items():
            if header in where and f in position and where[header] < len(data):
                index[position[f]] = where[header]
        label, sheet_index = self.label, self.index
        for begin in range(0, n, size):
            stop = min(begin + size, n)
            refs = [RowRef(number, label, sheet_index) for number in numbers[begin:stop]] if label or sheet_index \
                else list(map(RowRef, numbers[begin:stop]))
            yield refs, [data[i][begin:stop] if i is not None else [None] * (stop - begin) for i in index]

    def _rows_for_fields(self) -> Iterator[tuple[RowRef, list | dict]]:
        """records() without the {header: value} dict, except for rows holding an over-long field."""
        headers = self.headers
        first_header = headers[0] if headers else None
        label, index = self.label, self.index
        for number, values in self.rows:
            first = values[0] if values else None
            if (first is None or first == "") and not any(v is not None and v != "" for v in values):
                continue
            if is_footer(values) or (first == first_header and _repeats_header(values, headers)):
                self.footer_rows += 1
                continue
            ref = RowRef(number, label, index)
            if values.__class__ is not _LongRow:
                yield ref, values  # field_records reads only the headers' cells (and one None it appends)
                continue
            record = dict(zip(headers, values, strict=False))
            for header, value in record.items():
                if isinstance(value, TooLong):
                    record[header] = None
                    self.cell_errors.append({"row": ref, "column": header, "message":
                                             f"内容过长（{value.length} 个字符，最多 {limits.max_field_chars()} 个）"})
            yield ref, record


def _block_chunks(block, fields: list[str], mapping: dict[str, str], size: int):
    """A ColumnBlock (columnar.read_csv_columns) as field_chunks gives rows: Python lists a chunk at a time,
    so a million rows are never all Python strings at once. The block's columns are cut into compact copies
    a chunk long and each is let go once given out: the file's Arrow text (~300 MB at a million rows) shrinks
    while the caller's own objects grow (issue 15: peak under 2 GiB)."""

    header_of: dict[str, str] = {}
    for header, f in mapping.items():
        if header in block.columns:
            header_of[f] = header  # the last of two headers for one field, as field_records
    numbers = block.row_numbers
    starts = range(0, len(numbers), size)
    pieces: dict[str, list] = {}
    for header in dict.fromkeys(header_of.values()):
        array = block.columns.pop(header)
        pieces[header] = [_compact(array.slice(start, size)) for start in starts]
        del array
    block.columns.clear()  # columns no field reads
    # A column of few distinct values (relation, sex, township, class, amount …: most of a roster's columns)
    # becomes Python text once per distinct value, each cell a reference to it (one "户主" object for the
    # whole file instead of one per row): far fewer objects made than to_pylist's one per cell.
    shared = {header: {} for header, chunks in pieces.items() if chunks and _few_values(chunks[0])}
    for k, start in enumerate(starts):
        stop = min(start + size, len(numbers))
        refs = list(map(RowRef, numbers[start:stop].tolist()))
        columns = []
        for f in fields:
            header = header_of.get(f)
            if not header:
                columns.append([None] * (stop - start))
            elif header in shared:
                columns.append(_shared_pylist(pieces[header][k], shared[header]))
            else:
                columns.append(pieces[header][k].to_pylist())
        for chunks in pieces.values():
            chunks[k] = None
        yield refs, columns


def _few_values(piece) -> bool:
    """Whether a chunk of a column holds few distinct values (at most one in eight cells)."""
    import pyarrow.compute as pc

    return piece.null_count == 0 and len(pc.unique(piece)) * 8 <= len(piece)


def _shared_pylist(piece, interned: dict) -> list:
    """piece.to_pylist(), each distinct text one Python object (kept in `interned` from chunk to chunk)."""
    import numpy as np
    import pyarrow.compute as pc

    if piece.null_count:
        return piece.to_pylist()
    encoded = pc.dictionary_encode(piece)
    texts = encoded.dictionary.to_pylist()
    values = np.empty(len(texts), dtype=object)
    # A chunk of many distinct values (the column's first chunk misled): its texts are not kept for later chunks.
    values[:] = texts if len(texts) * 8 > len(piece) else [interned.setdefault(t, t) for t in texts]
    return values[encoded.indices.to_numpy()].tolist()


def _compact(piece):
    """A slice of an Arrow column (an Array, or a ChunkedArray as read_csv_columns(chunked=True) gives) as one
    array of its own: copied, so the file's text it was cut from can go."""
    import pyarrow as pa

    if isinstance(piece, pa.ChunkedArray):
        return pa.concat_arrays(piece.chunks) if piece.num_chunks else pa.array([], piece.type)
    return pa.concat_arrays([piece])


def _repeats_header(values: list, headers: list[str]) -> bool:
    # Print-ready exports repeat the header on every page.
    same = sum(1 for v, h in zip(values, headers, strict=False) if isinstance(v, str) and v.strip() == h)
    return same >= min(3, len(headers))


@dataclass
class Table:
    """A file's data sheets. `headers` is every sheet's headers in order of first appearance."""

    kind: str
    sheets: list[Sheet]
    skipped_sheets: list[str] = field(default_factory=list)  # sheets without a header row (instructions)

    @property
    def header_row(self) -> int:
        return self.sheets[0].header_row

    @property
    def headers(self) -> list[str]:
        return list(dict.fromkeys(h for s in self.sheets for h in s.headers))

    @property
    def footer_rows(self) -> int:
        return sum(s.footer_rows for s in self.sheets)

    @property
    def cell_errors(self) -> list[dict]:
        return [e for s in self.sheets for e in s.cell_errors]

    def records(self) -> Iterator[tuple[RowRef, dict]]:
        for sheet in self.sheets:
            yield from sheet.records()

    def field_chunks(self, fields: list[str], mapping: dict[str, str], size: int = CHUNK_ROWS):
        """Sheet.field_chunks, sheet after sheet: (sheet, rows, columns)."""
        for sheet in self.sheets:
            for refs, columns in sheet.field_chunks(fields, mapping, size):
                yield sheet, refs, columns

    def field_records(self, mapping: dict[str, str]) -> Iterator[tuple[RowRef, dict]]:
        """(row, {field: value}) for every field of `mapping` ({header: field}), sheet after sheet."""
        for sheet in self.sheets:
            yield from sheet.field_records(mapping)


def read_table(data: bytes, filename: str, columns: Columns) -> Table:
    """Every sheet with a header row (at least `columns.min_known` recognised names within the first
    rows); sheets without one (instructions, notes) are listed in `skipped_sheets`."""
    kind = file_kind(data, filename)
    if kind == "xlsx":
        sources = _xlsx_sheets(data)
    else:
        sources = iter([("", _csv_rows(data) if kind == "csv" else _parquet_rows(data), None)])
    sheets: list[Sheet] = []
    skipped: list[str] = []
    for name, rows, reopen in sources:
        titles: list[str] = []
        found = locate_header(rows, columns, titles)
        if found is None:
            if name:
                skipped.append(name)
            continue
        number, headers, rest = found
        source = rows if isinstance(rows, _CalamineSheet) else None
        if sheets and reopen is not None:
            # Only the first data sheet stays loaded; the others are read again when their turn comes.
            close = getattr(rest, "close", None)
            if close is not None:
                close()
            rows.close()
            rest = _after(reopen, number)
            source = reopen if source is not None else None
        sheets.append(Sheet(name=name, index=len(sheets), header_row=number, headers=headers, rows=rest,
                            titles=titles, csv_source=(data, filename, columns) if kind == "csv" else None,
                            xlsx_source=source))
    if not sheets:
        raise FileRejected(f"未找到表头：前 {HEADER_SCAN_ROWS} 行中没有一行包含至少 {columns.min_known} 个可识别的列名"
                           f"（如 {'、'.join(list(columns.labels.values())[:3])}），请使用导入模板或检查表头")
    if len(sheets) > 1:
        for sheet in sheets:
            sheet.label = sheet.name
    return Table(kind=kind, sheets=sheets, skipped_sheets=skipped)


def _after(reopen, header_row: int) -> Iterator[tuple[int, list]]:
    for number, values in reopen():
        if number > header_row:
            yield number, values


__all__ = ["RowRef", "Sheet", "Table", "TooLong", "decode_text", "file_kind", "fill_merged", "is_footer",
           "normalize_header", "read_bytes", "read_table", "text"]
