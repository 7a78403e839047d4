"""POST /imports: a department system or script sends a file (optionally naming a saved column mapping and the
roster's month); the answer is the counts, or 400 with every problem as {"path": "第3行.身份证号码", "message": ...}
and links to the full cell report (xlsx and csv), which only the sender can download. Mounted by config/api.py."""

import datetime as dt
from pathlib import Path

from django.http import Http404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import CSV, download_response
from jiuzhu.core.schemas import ErrorOut
from jiuzhu.registry import imports

router = Router(tags=["批量导入"])

MAX_ERRORS = 1000  # a file with a systematic problem can have one per row; the first thousand say enough


class ImportOut(Schema):
    status: str  # imported | already_imported
    message: str
    batch_id: int
    households: int
    persons: int
    notices: int = 0  # values the importer normalised (提示)
    report_xlsx: str = ""  # the notices as a cell report, when there are any
    report_csv: str = ""


class ImportRefusedOut(ErrorOut):
    report_xlsx: str  # the full cell report: 工作表, 行号, 列, 列名, 值, 问题
    report_csv: str


def _month(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        year, month = value.replace("/", "-").split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise DomainError(f"month 应为年月，如 2026-11（收到“{value[:20]}”）", code="validation_error",
                          field="month") from None


def _report_links(request, result, data: bytes, filename: str) -> tuple[str, str]:
    """Keeps the report beside the sealed file (the kit's upload store, purged after a day) for its sender."""
    upload = imports.STORE.save(owner=request.auth, filename=filename, data=data)
    upload.save_preview({"errors": result.errors.items, "notices": result.errors.notices, "api": True})
    base = f"/api/v1/registry/imports/{upload.id}/report"
    return f"{base}.xlsx", f"{base}.csv"


@router.post("/imports", response={200: ImportOut, 400: ImportRefusedOut | ErrorOut},
             summary="导入家庭和成员及其保障信息（Excel/CSV）")
def import_upload(request, file: UploadedFile = File(...), mapping: str | None = Form(None),
                  month: str | None = Form(None)):
    saved = imports.named_mapping(mapping) if mapping else None
    data = imports.read_bytes(file)
    filename = file.name or "upload"
    result = imports.import_file(data, filename, actor=request.auth, saved=saved, month=_month(month))
    if not result.ok:
        errors = result.errors.as_api_errors()
        message = result.message
        if len(errors) > MAX_ERRORS:
            message += f"（共 {len(errors)} 处，此处列出前 {MAX_ERRORS} 处）"
        xlsx, csv = _report_links(request, result, data, filename)
        return 400, {"code": "validation_error", "message": message, "errors": errors[:MAX_ERRORS],
                     "report_xlsx": xlsx, "report_csv": csv}
    out = ImportOut(status=result.status, message=result.message, batch_id=result.batch.pk,
                    households=result.households, persons=result.persons, notices=len(result.errors.notices))
    if result.errors.notices:
        out.report_xlsx, out.report_csv = _report_links(request, result, data, filename)
    return out


@router.get("/imports/{upload_id}/report.{fmt}", summary="下载导入报告（xlsx 或 csv）")
def import_report(request, upload_id: str, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404("没有该格式的报告")
    upload = imports.STORE.get(upload_id, owner=request.auth)  # anyone else: 404
    imports.require_importer(request.auth)
    cached = upload.load_preview() or {}
    items = [*cached.get("errors", []), *cached.get("notices", [])]
    stem = Path(upload.filename).stem
    if fmt == "csv":
        return download_response(imports.errors_csv(items), f"{stem}_导入报告.csv", CSV)
    return download_response(imports.errors_workbook(items), f"{stem}_导入报告.xlsx")
