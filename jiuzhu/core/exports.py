"""Excel downloads of any list, with one audit row per export. Knows no domain app.

openpyxl's write-only mode keeps one row in memory at a time, so 100,000 rows stream into a temporary
file that is then streamed to the browser."""

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
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


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the Chinese name per RFC 6266 (every current browser reads it)."""
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "xlsx"
    return f"attachment; filename=\"download.{suffix}\"; filename*=UTF-8''{quote(filename)}"


def download_response(data: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def _cell(ws, value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value)  # Excel has no time zones; show local (Asia/Shanghai) time
    if isinstance(value, str) and value.startswith("="):
        # Text typed by users (a name, an address) must never become a formula in someone's Excel.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_response(filename: str, headers: list[str], rows: Iterable[Sequence], *, actor, object_type: str,
                  filters: dict | None = None) -> FileResponse:
    """The rows as an .xlsx download; the export is audited with its row count and filters."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(filename.rsplit(".", 1)[0][:31] or "导出")  # Excel allows 31 characters
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, 2.2 * len(header))
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    title = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = bold
        title.append(cell)
    ws.append(title)
    count = 0
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
        count += 1
    spool = tempfile.TemporaryFile()  # FileResponse closes it once sent
    wb.save(spool)
    spool.seek(0)
    audit(AuditAction.EXPORT, actor=actor,
          detail={"object_type": object_type, "count": count, "filters": filters or {}, "filename": filename})
    response = FileResponse(spool, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(filename)
    return response
