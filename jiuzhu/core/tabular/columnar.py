"""Column-wise cell parsing for large flat files (a department's feed of a million rows).

Each parser takes one column's raw cells (a list, as the reader gave them) and returns a typed Arrow array
plus the cells it refused, as (index, Chinese message). Values in the common shapes (2024-01-31, 20240131,
1234.50, an 18-character ID number) are checked with Arrow compute and numpy over the whole column at once;
only the residue (other spellings such as 2024年1月31日 or "1,200元", 15-digit ID numbers, and every refused
cell) goes through the kit's per-cell parsers in cells.py, which give the value or the exact message. A file
in the common shapes therefore costs no Python call per cell; a messy file costs one per messy cell.

A column holding other than text (xlsx or parquet cells typed as numbers or dates) has no fast path: every
cell goes through cells.py, as the row-wise import does (those files are bounded by the xlsx limits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.core.tabular.cells import CellError, parse_date, parse_decimal, parse_integer, parse_text
from jiuzhu.core.tabular.cells import parse_id_number as parse_id_cell

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


@dataclass
class ColumnResult:
    values: pa.Array
    errors: list[tuple[int, str]] = field(default_factory=list)  # (index in the column, message)


def cell(raw, index: int):
    """One raw cell of a column given as a list or an Arrow array."""
    if isinstance(raw, pa.Array | pa.ChunkedArray):
        return raw[index].as_py()
    return raw[index]


def strings(values) -> pa.Array | None:
    """The column as trimmed text with empty cells null, or None when it holds other than text."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        array = values if values.type == pa.string() else None
        if array is None:
            return None
    else:
        try:
            array = pa.array(values, type=pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            return None
    trimmed = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _per_cell(raw: list, parse, arrow_type) -> ColumnResult:
    """The slow path: every cell through its cells.py parser."""
    out, errors = [], []
    for i, value in enumerate(raw):
        try:
            out.append(parse(value))
        except CellError as exc:
            out.append(None)
            errors.append((i, exc.message))
    return ColumnResult(pa.array(out, type=arrow_type), errors)


def _residue(raw: list, fast: pa.Array, text_array: pa.Array, parse, arrow_type) -> ColumnResult:
    """Cells present but not parsed by the fast path go through `parse`; their values are put in place."""
    missing = pc.and_(pc.is_null(fast), pc.is_valid(text_array))
    indices = np.flatnonzero(missing.to_numpy(zero_copy_only=False))
    if len(indices) == 0:
        return ColumnResult(fast)
    replaced, errors = [], []
    for i in indices.tolist():
        try:
            replaced.append(parse(cell(raw, i)))
        except CellError as exc:
            replaced.append(None)
            errors.append((i, exc.message))
    mask = pa.array(np.isin(np.arange(len(fast)), indices))
    return ColumnResult(pc.replace_with_mask(fast, mask, pa.array(replaced, type=arrow_type)), errors)


def text_column(raw: list, *, max_length: int = 200) -> ColumnResult:
    array = strings(raw)
    if array is None:
        return _per_cell(raw, lambda v: parse_text(v, max_length=max_length) or None, pa.string())
    too_long = pc.greater(pc.utf8_length(array), max_length).fill_null(False).to_numpy(zero_copy_only=False)
    errors = []
    if too_long.any():
        lengths = pc.utf8_length(array).to_numpy(zero_copy_only=False)
        errors = [(int(i), f"内容过长（{int(lengths[i])} 个字，最多 {max_length} 字）")
                  for i in np.flatnonzero(too_long)]
        array = pc.if_else(pa.array(too_long), pa.scalar(None, pa.string()), array)
    return ColumnResult(array, errors)


def _fixed_width(array: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions, bytes matrix n x width) of the cells exactly `width` bytes long."""
    lengths = pc.binary_length(array).fill_null(-1).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(lengths == width)
    if not len(positions):
        return positions, np.zeros((0, width), dtype=np.uint8)
    chosen = array.take(pa.array(positions))
    offsets = np.frombuffer(chosen.buffers()[1], dtype=np.int32)[chosen.offset:chosen.offset + len(chosen) + 1]
    data = np.frombuffer(chosen.buffers()[2], dtype=np.uint8)
    return positions, data[offsets[0]:offsets[0] + width * len(positions)].reshape(-1, width)


_DIM = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _days(matrix: np.ndarray, year: slice, month: slice, day: slice) -> tuple[np.ndarray, np.ndarray]:
    """(valid, days since 1970-01-01) of dates whose digits sit at the given positions of each row."""
    digits = matrix.astype(np.int32) - 48

    def number(part: slice) -> tuple[np.ndarray, np.ndarray]:
        d = digits[:, part]
        ok = ((d >= 0) & (d <= 9)).all(axis=1)
        weights = 10 ** np.arange(d.shape[1] - 1, -1, -1)
        return ok, d @ weights

    ok_y, y = number(year)
    ok_m, m = number(month)
    ok_d, d = number(day)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = _DIM[np.clip(m, 1, 12) - 1] + ((m == 2) & leap)
    valid = ok_y & ok_m & ok_d & (m >= 1) & (m <= 12) & (d >= 1) & (d <= month_days) & (y >= 1)
    months = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    days = (months.astype("datetime64[D]") + (d - 1)).astype(np.int64)
    return valid, days


def _dates(array: pa.Array) -> pa.Array:
    """2024-01-31 and 20240131 read with numpy from the bytes; other spellings stay null (for the residue)."""
    n = len(array)
    found = np.zeros(n, dtype=bool)
    days = np.zeros(n, dtype=np.int32)
    positions, matrix = _fixed_width(array, 10)
    if len(positions):
        shaped = (matrix[:, 4] == 45) & (matrix[:, 7] == 45)  # "-"
        valid, values = _days(matrix, slice(0, 4), slice(5, 7), slice(8, 10))
        valid &= shaped
        found[positions[valid]] = True
        days[positions[valid]] = values[valid]
    positions, matrix = _fixed_width(array, 8)
    if len(positions):
        valid, values = _days(matrix, slice(0, 4), slice(4, 6), slice(6, 8))
        found[positions[valid]] = True
        days[positions[valid]] = values[valid]
    return pa.array(days, mask=~found, type=pa.int32()).cast(pa.date32()) if n else \
        pa.array([], pa.date32())


def date_column(raw: list) -> ColumnResult:
    array = strings(raw)
    if array is None:
        return _per_cell(raw, parse_date, pa.date32())
    fast = _dates(array)
    return _residue(raw, fast, array, parse_date, pa.date32())


def decimal_column(raw: list, *, places: int = 2, minimum=None) -> ColumnResult:
    arrow_type = pa.decimal128(14, places)

    def parse(value):
        number = parse_decimal(value, places=places, minimum=minimum)
        if number is not None and abs(number) >= 10 ** (14 - places):
            raise CellError(f"“{value}”超出金额范围")
        return number

    array = strings(raw)
    if array is None:
        return _per_cell(raw, parse, arrow_type)
    sign = "" if minimum is not None and minimum >= 0 else "-?"
    plain = pc.match_substring_regex(array, rf"^{sign}\d{{1,{14 - places}}}(\.\d{{1,{places}}})?$")
    fast = pc.cast(pc.if_else(plain, array, pa.scalar(None, pa.string())), arrow_type)
    return _residue(raw, fast, array, parse, arrow_type)


def integer_column(raw: list, *, minimum: int | None = None, maximum: int | None = None) -> ColumnResult:
    def parse(value):
        return parse_integer(value, minimum=minimum, maximum=maximum)

    array = strings(raw)
    if array is None:
        return _per_cell(raw, parse, pa.int64())
    plain = pc.match_substring_regex(array, r"^-?\d{1,15}$")
    fast = pc.cast(pc.if_else(plain, array, pa.scalar(None, pa.string())), pa.int64())
    bad = np.zeros(len(fast), dtype=bool)
    numbers = fast.to_numpy(zero_copy_only=False)
    if minimum is not None:
        bad |= np.nan_to_num(numbers.astype(float), nan=minimum) < minimum
    if maximum is not None:
        bad |= np.nan_to_num(numbers.astype(float), nan=maximum) > maximum
    if bad.any():  # out of range: the residue gives the message
        fast = pc.if_else(pa.array(bad), pa.scalar(None, pa.int64()), fast)
    return _residue(raw, fast, array, parse, pa.int64())


@dataclass
class IdColumn:
    numbers: pa.Array  # canonical 18-character numbers, null where missing or refused
    birth_dates: pa.Array  # date32 read from the number
    errors: list[tuple[int, str]] = field(default_factory=list)


def id_column(raw: list, *, region_known) -> IdColumn:
    """ID numbers: the check character over the whole column with numpy, the birth date with Arrow, the
    region code once per distinct code (`region_known(code6) -> bool`). The residue (lower-case x, full-width
    digits, 15-digit numbers, every refused number) goes through core.identity for its value or message."""
    array = strings(raw)
    if array is None:
        fast = pa.nulls(len(raw), pa.string())
        array = pa.array([None if v is None else "?" for v in raw], type=pa.string())  # all to the residue
    else:
        fast = _fast_ids(array, region_known)
    result = _residue(raw, fast, array, parse_id_cell, pa.string())
    births = _dates(pc.utf8_slice_codeunits(result.values, 6, 14))
    return IdColumn(result.values, births, result.errors)


def _fast_ids(array: pa.Array, region_known) -> pa.Array:
    n = len(array)
    positions, matrix = _fixed_width(array, 18)
    if not len(positions):
        return pa.nulls(n, pa.string())
    digits = matrix[:, :17].astype(np.int64) - 48
    last = matrix[:, 17]
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1) & (((last >= 48) & (last <= 57)) | (last == 88))  # 0-9, X
    ok &= ID_CHECK[np.clip(digits, 0, 9) @ ID_WEIGHTS % 11] == last
    valid, days = _days(matrix, slice(6, 10), slice(10, 12), slice(12, 14))
    lowest = (dt.date(1890, 1, 1) - dt.date(1970, 1, 1)).days
    highest = (dt.date.today() - dt.date(1970, 1, 1)).days
    ok &= valid & (days >= lowest) & (days <= highest)
    prefixes = digits[:, :6] @ (10 ** np.arange(5, -1, -1))
    distinct = np.unique(prefixes[ok])
    known = {int(code) for code in distinct if region_known(f"{int(code):06d}")}
    ok &= np.isin(prefixes, np.array(sorted(known), dtype=np.int64))
    placed = np.zeros(n, dtype=bool)
    placed[positions[ok]] = True
    return pc.if_else(pa.array(placed), array, pa.scalar(None, pa.string()))


# ---- A csv read column-wise ------------------------------------------------------------------------------

@dataclass
class ColumnBlock:
    """A csv's data rows as Arrow text columns (every header of the file), numbered as Excel shows them;
    blank, summary, signature and repeated header rows left out, as the row-wise reader does."""

    header_row: int
    headers: list[str]
    row_numbers: np.ndarray  # int32, one per data row
    columns: dict[str, pa.Array]
    footer_rows: int = 0

    def __len__(self) -> int:
        return len(self.row_numbers)

    def record(self, index: int) -> dict:
        return {h: self.columns[h][index].as_py() for h in self.headers}


HEAD_BYTES = 256 * 1024


def _valid_utf8(data) -> bool:
    """Whether the bytes are valid UTF-8: Arrow's own check over one binary value, without copying them."""
    buffer = pa.py_buffer(data)
    offsets = pa.py_buffer(np.array([0, len(buffer)], dtype=np.int64).tobytes())
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buffer]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def read_csv_columns(data: bytes, filename: str, columns, *, chunked: bool = False) -> ColumnBlock | None:
    """The csv's header found by the kit's reader (title rows above it left out), its body parsed by Arrow.
    None when the file needs the row-wise reader: not a csv, a line break inside a quoted field, a data row
    of another width than the header, a field over the length limit. Raises FileRejected as read_table does.
    `chunked`: the columns as Arrow read them (ChunkedArray, one chunk a block), not copied into one array each
    (the roster import cuts them into its own chunks anyway: one copy of the file's text fewer)."""

    import pyarrow.csv as pacsv

    from jiuzhu.core.tabular import limits
    from jiuzhu.core.tabular.reader import _SIGNATURE, _SUMMARY, file_kind, is_footer, read_table

    if file_kind(data, filename) != "csv":
        return None
    head = data[:HEAD_BYTES]
    if len(data) > HEAD_BYTES:
        head = head[:head.rfind(b"\n") + 1]
    found = read_table(head, filename, columns)  # FileRejected when no header row
    sheet = found.sheets[0]
    header_row, headers = sheet.header_row, sheet.headers
    lines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    if len(lines) < header_row:
        return None
    start = int(lines[header_row - 1]) + 1  # the body: after the header_row-th line
    body = memoryview(data)[start:]  # not copied (a million-person csv: 180 MB)
    # Arrow hands a row of another width to other_width as text decoded from the bytes it read: a GBK file
    # read as UTF-8 would fail there (an error Python can only print, not catch), so UTF-8 is tried only when
    # the body is valid UTF-8 (checked by Arrow without a copy).
    encodings = ["utf8"] if data.startswith(b"\xef\xbb\xbf") or _valid_utf8(body) else ["gb18030"]
    sample = head.decode("utf-8", "replace")[:8192]
    delimiter = max(",\t;", key=sample.count)
    names = [f"c{i}" for i in range(len(headers))]
    table = None
    ragged: list[int] = []  # rows of another width: a signature or note line (制表人：…) is left out

    def other_width(row) -> str:
        if row.number is not None and is_footer(row.text.split(delimiter)):
            ragged.append(row.number - 1)  # counted among the lines that are not empty, from 1
            return "skip"
        return "error"

    # One thread: it numbers the rows it hands to other_width (Arrow's threads do not), and Arrow's threads
    # kept ~45 MB more at their peak for a 200,000-row file (issue 15: peak under 2 GiB).
    for encoding in encodings:
        ragged.clear()
        try:
            table = pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(body)),
                read_options=pacsv.ReadOptions(column_names=names, encoding=encoding, block_size=8 << 20,
                                               use_threads=False),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False,
                                                 invalid_row_handler=other_width),
                convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
            break
        except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
            continue
    if table is None:
        return None
    # Arrow leaves out empty lines; the others are numbered by their line (no field holds a line break, else
    # the counts differ below and the row-wise reader takes over).
    ends = lines[lines >= start] - start
    if len(body) and (not len(ends) or ends[-1] != len(body) - 1):  # a last line without a line break
        ends = np.concatenate((ends, [len(body)]))
    starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(body, dtype=np.uint8)
    lengths = ends - starts
    carriage = np.zeros(len(lengths), dtype=bool)
    if len(raw):
        carriage = (lengths == 1) & (raw[np.minimum(starts, len(raw) - 1)] == 13)
    numbers = (np.flatnonzero((lengths > 0) & ~carriage) + header_row + 1).astype(np.int32)
    if ragged:
        numbers = np.delete(numbers, ragged)
    if len(numbers) != table.num_rows:
        return None
    cells = {h: table.column(i) if chunked else table.column(i).combine_chunks() for i, h in enumerate(headers)}
    del table
    limit = limits.max_field_chars()
    for array in cells.values():
        if len(array) and (pc.max(pc.binary_length(array)).as_py() or 0) > limit:
            return None  # bytes >= characters; the row-wise reader names the cell
    # A row with nothing in it (",,,,") is left out: the first column decides for most rows, the others are
    # looked at only where it is empty.
    keep = np.ones(len(numbers), dtype=bool)
    if headers:
        empty = np.flatnonzero(pc.equal(pc.binary_length(cells[headers[0]]), 0).to_numpy(zero_copy_only=False))
        if len(empty):
            filled = np.zeros(len(empty), dtype=bool)
            where = pa.array(empty)
            for array in cells.values():
                filled |= pc.greater(pc.binary_length(array.take(where)), 0).to_numpy(zero_copy_only=False)
            keep[empty[~filled]] = False
    footer = np.zeros(len(numbers), dtype=bool)
    if headers and len(numbers):
        first = pc.utf8_trim_whitespace(cells[headers[0]])
        footer |= pc.match_substring_regex(first, _SUMMARY.pattern).to_numpy(zero_copy_only=False)
        footer |= pc.match_substring_regex(first, _SIGNATURE.pattern).to_numpy(zero_copy_only=False)
        # A row whose first cell is empty is judged by its first filled cell; a repeated header row by its cells.
        odd = np.flatnonzero(keep & (pc.equal(first, "").to_numpy(zero_copy_only=False)
                                     | pc.equal(first, headers[0]).to_numpy(zero_copy_only=False)))
        for i in odd.tolist():
            values = [cells[h][i].as_py() for h in headers]
            repeated = sum(1 for v, h in zip(values, headers, strict=True) if v.strip() == h) >= min(3, len(headers))
            footer[i] = is_footer(values) or repeated
    footer &= keep
    keep &= ~footer
    if not keep.all():
        mask = pa.array(keep)
        cells = {h: pc.filter(a, mask) for h, a in cells.items()}
        numbers = numbers[keep]
    return ColumnBlock(header_row=header_row, headers=headers, row_numbers=numbers, columns=cells,
                       footer_rows=int(footer.sum()) + len(ragged))
