"""Excel and CSV files written for users, formula-safe, with one audit row per export. Knows no domain app.

Every workbook the platform writes goes through here (lists, import templates, error reports, rejected rows),
so text typed by someone (a name, an address, a column header in an uploaded file) can never become a live
formula in the Excel of whoever opens the file (OWASP "CSV injection"):

- xlsx: a string is always written as a string cell (`t="s"`/inline string), never as a formula, whatever it
  starts with. openpyxl turns any string starting with "=" into a formula unless told otherwise.
- csv: a text starting with = + - @ (or a tab or carriage return) gets a leading apostrophe, which Excel
  and WPS show as text; numbers stay numbers.

openpyxl's write-only mode keeps one row in memory at a time, so 100,000 rows stream into a temporary
file that is then streamed to the browser."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jiuzhu.core.audit import audit
from jiuzhu.core.models import AuditAction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: characters a spreadsheet may start a formula with


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the Chinese name per RFC 6266 (every current browser reads it)."""
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "xlsx"
    return f"attachment; filename=\"download.{suffix}\"; filename*=UTF-8''{quote(filename)}"


def download_response(data: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def _plain(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)  # Excel has no time zones; show local (Asia/Shanghai) time
    return value


def safe_cell(ws, value, *, font=None):
    """A write-only cell whose text stays text. Strings always get a cell with data type "s": openpyxl
    would otherwise write a string starting with "=" as a formula."""
    value = _plain(value)
    if not isinstance(value, str) and font is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def set_text(ws, row: int, column: int, value):
    """The same guard for a normal (not write-only) worksheet, e.g. a template with styles."""
    cell = ws.cell(row=row, column=column)
    cell.value = _plain(value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def append_row(ws, values: Sequence) -> None:
    """ws.append for a normal worksheet, formula-safe."""
    ws.append([_plain(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


@dataclass
class SheetSpec:
    """One worksheet of a workbook: title, bold header row, rows, column widths (characters)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[float] = field(default_factory=tuple)
    freeze_header: bool = True


def write_workbook(target, sheets: Sequence[SheetSpec]) -> int:
    """Writes the sheets (streamed, write-only) to a path or a binary file; returns the number of data rows."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    count = 0
    for spec in sheets:
        ws = wb.create_sheet(_sheet_title(spec.title))
        widths = list(spec.widths) or [max(10, 2.2 * len(str(h))) for h in spec.headers]
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if spec.freeze_header:
            ws.freeze_panes = "A2"
        ws.append([safe_cell(ws, h, font=bold) for h in spec.headers])
        for row in spec.rows:
            ws.append([safe_cell(ws, v) for v in row])
            count += 1
    wb.save(target)
    return count


def workbook_bytes(sheets: Sequence[SheetSpec]) -> bytes:
    out = io.BytesIO()
    write_workbook(out, sheets)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet name.
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return cleaned[:31] or "导出"


def csv_safe(value) -> str:
    """One CSV field as text, with a leading apostrophe where a spreadsheet would start a formula."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(CSV_TRIGGERS):
        return "'" + text
    return text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM, which Excel and WPS in China open without asking for an encoding."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(h) for h in headers])
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_response(filename: str, headers: list[str], rows: Iterable[Sequence], *, actor, object_type: str,
                  filters: dict | None = None) -> FileResponse:
    """The rows as an .xlsx download; the export is audited with its row count and filters."""
    spool = tempfile.TemporaryFile()  # FileResponse closes it once sent
    count = write_workbook(spool, [SheetSpec(title=filename.rsplit(".", 1)[0], headers=headers, rows=rows)])
    spool.seek(0)
    audit(AuditAction.EXPORT, actor=actor,
          detail={"object_type": object_type, "count": count, "filters": filters or {}, "filename": filename})
    response = FileResponse(spool, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def csv_response(filename: str, headers: list[str], rows: Iterable[Sequence], *, actor, object_type: str,
                 filters: dict | None = None) -> HttpResponse:
    """The rows as a .csv download (formula-safe), audited like xlsx_response."""
    rows = list(rows)
    response = download_response(csv_bytes(headers, rows), filename, CSV)
    audit(AuditAction.EXPORT, actor=actor,
          detail={"object_type": object_type, "count": len(rows), "filters": filters or {}, "filename": filename})
    return response


def _csv_column(values):
    """One column of csv_bytes_columns: text as csv_safe writes it, quoted as the csv module quotes it."""
    import functools

    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.fill_null(pc.cast(values, pa.string()), "")
    formula = functools.reduce(pc.or_, [pc.starts_with(text, t) for t in CSV_TRIGGERS])
    text = pc.if_else(formula, pc.binary_join_element_wise("'", text, ""), text)
    special = pc.match_substring_regex(text, r'[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(special, quoted, text)


def csv_bytes_columns(headers: Sequence[str], columns: Sequence) -> bytes:
    """csv_bytes for rows given as text columns (Arrow string arrays of one length, one per header), byte for
    byte, without a Python call per cell: a bank file of a million lines. Null cells are written empty."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    head = csv_bytes(headers, [])
    if not columns or not len(columns[0]):
        return head
    joined = pc.binary_join_element_wise(*[_csv_column(c) for c in columns], ",")
    lines = pc.cast(pc.binary_join_element_wise(joined, "\r\n", ""), pa.large_string())
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return head + memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])].tobytes()


def csv_columns_response(filename: str, headers: list[str], columns: Sequence, *, actor, object_type: str,
                         filters: dict | None = None) -> HttpResponse:
    """csv_response for text columns (csv_bytes_columns), audited the same way."""
    response = download_response(csv_bytes_columns(headers, columns), filename, CSV)
    count = len(columns[0]) if columns else 0
    audit(AuditAction.EXPORT, actor=actor,
          detail={"object_type": object_type, "count": count, "filters": filters or {}, "filename": filename})
    return response
