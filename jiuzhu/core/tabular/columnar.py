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


def strings(values: list) -> pa.Array | None:
    """The column as trimmed text with empty cells null, or None when it holds other than text."""
    try:
        array = pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    trimmed = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _present(raw: list, index: int) -> bool:
    value = raw[index]
    return value is not None and not (isinstance(value, str) and not value.strip())


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
            replaced.append(parse(raw[i]))
        except CellError as exc:
            replaced.append(None)
            errors.append((i, exc.message))
    mask = pa.array(np.isin(np.arange(len(fast)), indices))
    return ColumnResult(pc.replace_with_mask(fast, mask, pa.array(replaced, type=arrow_type)), errors)


def text_column(raw: list, *, max_length: int = 200) -> ColumnResult:
    array = strings(raw)
    if array is None:
        return _per_cell(raw, lambda v: parse_text(v, max_length=max_length) or None, pa.string())
    too_long = pc.greater(pc.utf8_length(array), max_length).to_numpy(zero_copy_only=False)
    errors = []
    if too_long.any():
        lengths = pc.utf8_length(array).to_numpy(zero_copy_only=False)
        errors = [(int(i), f"内容过长（{int(lengths[i])} 个字，最多 {max_length} 字）")
                  for i in np.flatnonzero(too_long)]
        array = pc.if_else(pa.array(too_long), pa.scalar(None, pa.string()), array)
    return ColumnResult(array, errors)


def _strict_dates(array: pa.Array, pattern: str, fmt: str) -> pa.Array:
    """Dates written exactly as `fmt`; impossible dates (2024-02-30) stay null (Arrow would roll them on)."""
    shaped = pc.if_else(pc.match_substring_regex(array, pattern), array, pa.scalar(None, pa.string()))
    parsed = pc.strptime(shaped, format=fmt, unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format=fmt), shaped)
    return pc.cast(pc.if_else(same, parsed, pa.scalar(None, parsed.type)), pa.date32())


def date_column(raw: list) -> ColumnResult:
    array = strings(raw)
    if array is None:
        return _per_cell(raw, parse_date, pa.date32())
    fast = pc.coalesce(_strict_dates(array, r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
                       _strict_dates(array, r"^\d{8}$", "%Y%m%d"))
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
        array = pa.array([None if v is None else "?" for v in raw], type=pa.string())
    else:
        fast = _fast_ids(array, region_known)
    result = _residue(raw, fast, array, parse_id_cell, pa.string())
    births = pc.strptime(pc.utf8_slice_codeunits(result.values, 6, 14), format="%Y%m%d", unit="s",
                         error_is_null=True)
    return IdColumn(result.values, pc.cast(births, pa.date32()), result.errors)


def _fast_ids(array: pa.Array, region_known) -> pa.Array:
    shaped = pc.match_substring_regex(array, r"^\d{17}[\dX]$")
    good = shaped.to_numpy(zero_copy_only=False).copy()
    good &= ~pc.is_null(array).to_numpy(zero_copy_only=False)
    if not good.any():
        return pa.nulls(len(array), pa.string())
    candidates = pc.filter(array, pa.array(good))
    if isinstance(candidates, pa.ChunkedArray):
        candidates = candidates.combine_chunks()
    n = len(candidates)
    offsets = np.frombuffer(candidates.buffers()[1], dtype=np.int32)[candidates.offset:candidates.offset + n + 1]
    data = np.frombuffer(candidates.buffers()[2], dtype=np.uint8)
    if not (np.diff(offsets) == 18).all():
        return pa.nulls(len(array), pa.string())
    matrix = data[offsets[0]:offsets[0] + 18 * n].reshape(n, 18)
    checks = ID_CHECK[(matrix[:, :17].astype(np.int64) - 48) @ ID_WEIGHTS % 11]
    ok = checks == matrix[:, 17]
    births = _strict_dates(pc.utf8_slice_codeunits(candidates, 6, 14), r"^\d{8}$", "%Y%m%d")
    days = pc.cast(births, pa.int32()).to_numpy(zero_copy_only=False)
    lowest = (dt.date(1890, 1, 1) - dt.date(1970, 1, 1)).days
    highest = (dt.date.today() - dt.date(1970, 1, 1)).days
    with np.errstate(invalid="ignore"):
        ok &= ~np.isnan(days.astype(float)) & (np.nan_to_num(days, nan=0) >= lowest) & \
            (np.nan_to_num(days, nan=0) <= highest)
    prefixes = pc.utf8_slice_codeunits(candidates, 0, 6)
    distinct = pc.unique(prefixes)
    known = pa.array([bool(region_known(code)) for code in distinct.to_pylist()])
    ok &= pc.take(known, pc.index_in(prefixes, value_set=distinct)).to_numpy(zero_copy_only=False)
    placed = np.zeros(len(array), dtype=bool)
    placed[np.flatnonzero(good)[ok]] = True
    return pc.if_else(pa.array(placed), array, pa.scalar(None, pa.string()))
