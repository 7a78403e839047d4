"""Pages for importing households from a file and exporting the registry's lists to Excel. Thin: the
work is in imports.py and core.exports.

An upload is kept in MEDIA_ROOT/imports/ under a random id, with a JSON sidecar naming its owner, until
it is imported; only the person who uploaded it can see its review (anyone else gets 404)."""

import datetime as dt
import json
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from jiuzhu.core.crypto import decrypt_bytes, encrypt_bytes, keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import download_response, xlsx_response
from jiuzhu.core.identity import IdNumberError, mask_id_number, normalize_id_number
from jiuzhu.registry import imports, selectors
from jiuzhu.registry.forms import HouseholdFilterForm, PersonFilterForm
from jiuzhu.registry.models import ImportBatch

SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".parquet"}
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _require_importer(actor) -> None:
    try:
        imports.require_importer(actor)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from None


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


class _Upload:
    """A stored upload and its sidecar: owner, original filename, the column mapping chosen so far."""

    def __init__(self, upload_id: str, meta: dict):
        self.id = upload_id
        self.meta = meta
        self.path = _upload_dir() / f"{upload_id}{meta['suffix']}"

    @property
    def filename(self) -> str:
        return self.meta["filename"]

    @property
    def mapping(self) -> dict | None:
        return self.meta.get("mapping")

    def data(self) -> bytes:
        return decrypt_bytes(self.path.read_bytes())

    def save_meta(self) -> None:
        (_upload_dir() / f"{self.id}.json").write_text(json.dumps(self.meta, ensure_ascii=False), encoding="utf-8")

    def delete(self) -> None:
        # Personal data should not stay on disk once it is in the registry.
        self.path.unlink(missing_ok=True)
        (_upload_dir() / f"{self.id}.json").unlink(missing_ok=True)


UPLOAD_MAX_AGE = dt.timedelta(hours=24)


def purge_stale_uploads(now=None) -> int:
    """Deletes uploads nobody confirmed within a day (run on every upload and by `purge_import_uploads`)."""
    cutoff = (now or timezone.now()) - UPLOAD_MAX_AGE
    removed = 0
    for sidecar in _upload_dir().glob("*.json"):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if dt.datetime.fromisoformat(meta["uploaded_at"]) < cutoff:
            _Upload(sidecar.stem, meta).delete()
            removed += 1
    return removed


def _load_upload(request, upload_id: str) -> _Upload:
    _require_importer(request.user)
    sidecar = _upload_dir() / f"{upload_id}.json"
    if not _UPLOAD_ID.fullmatch(upload_id) or not sidecar.is_file():
        raise Http404("上传的文件不存在或已导入")
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    if meta.get("owner") != request.user.pk:
        raise Http404("上传的文件不存在或已导入")  # someone else's upload: as if it did not exist
    upload = _Upload(upload_id, meta)
    if not upload.path.is_file():
        raise Http404("上传的文件不存在或已导入")
    return upload


@login_required
def import_upload(request):
    _require_importer(request.user)
    if request.method == "POST":
        file = request.FILES.get("file")
        suffix = Path(file.name).suffix.lower() if file else ""
        if file is None:
            messages.error(request, "请选择要导入的文件")
        elif suffix == ".xls":
            messages.error(request, "这是旧版Excel（.xls）文件，请在Excel中“另存为”Excel工作簿（.xlsx）后再导入")
        elif suffix not in SUFFIXES:
            messages.error(request, "只能导入 Excel（.xlsx）、CSV 或 Parquet 文件")
        else:
            upload = _Upload(secrets.token_urlsafe(24), {
                "owner": request.user.pk, "filename": Path(file.name).name[:200], "suffix": suffix,
                "uploaded_at": timezone.now().isoformat(), "mapping": None})
            _upload_dir().mkdir(parents=True, exist_ok=True)
            purge_stale_uploads()
            # Rosters hold ID numbers: encrypted on disk like the registry itself, until imported or purged.
            upload.path.write_bytes(encrypt_bytes(b"".join(file.chunks())))
            upload.save_meta()
            return redirect("registry:import_review", upload.id)
    batches = ImportBatch.objects.filter(created_by=request.user).order_by("-created_at")[:10]
    return render(request, "registry/import_upload.html", {"batches": batches})


def _posted_mapping(request) -> dict[str, str]:
    return dict(zip(request.POST.getlist("header"), request.POST.getlist("field"), strict=False))


@login_required
def import_review(request, upload_id: str):
    upload = _load_upload(request, upload_id)
    data = upload.data()
    if request.method == "POST":
        posted = _posted_mapping(request)
        if posted:
            upload.meta["mapping"] = posted
            upload.save_meta()
        if request.POST.get("action") != "import":
            return redirect("registry:import_review", upload.id)
        try:
            result = imports.import_file(data, upload.filename, upload.mapping, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("registry:import_review", upload.id)
        if result.ok:
            upload.delete()
            (messages.success if result.status == "imported" else messages.info)(request, result.message)
            return redirect("registry:household_list" if result.status == "imported" else "registry:import")
        messages.error(request, result.message)
        return _review_page(request, upload, result.preview)
    try:
        preview = imports.validate_file(data, upload.filename, upload.mapping, actor=request.user)
    except DomainError as exc:
        return render(request, "registry/import_review.html", {"upload": upload, "file_error": exc.message})
    done = ImportBatch.objects.filter(key=imports.batch_key(data)).first()
    if done:
        messages.info(request, imports.already_imported(done).message)
    return _review_page(request, upload, preview, done=done)


def _review_page(request, upload, preview, done=None):
    mapping = preview.mapping
    columns = [{"header": h, "field": mapping.get(h, "")} for h in preview.headers]
    return render(request, "registry/import_review.html", {
        "upload": upload, "preview": preview, "columns": columns, "fields": imports.field_choices(),
        "errors": preview.errors.items[:imports.PAGE_ERRORS], "error_count": len(preview.errors.items),
        "page_limit": imports.PAGE_ERRORS, "done": done,
    })


@login_required
def import_errors(request, upload_id: str):
    upload = _load_upload(request, upload_id)
    try:
        preview = imports.validate_file(upload.data(), upload.filename, upload.mapping, actor=request.user)
        errors = preview.errors.items
    except DomainError as exc:
        errors = [{"row": None, "column": "", "message": exc.message}]
    stem = Path(upload.filename).stem
    return download_response(imports.errors_workbook(errors), f"{stem}_错误报告.xlsx")


@login_required
def import_template(request):
    return download_response(imports.template_workbook(), "低收入人口导入模板.xlsx")


# ---- Exports: the list pages' filters, as Excel --------------------------------------------------

def _filters(form) -> tuple[dict, dict]:
    """(arguments for the search, what the audit row records). A searched ID number is audited masked."""
    cleaned = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    shown = dict(cleaned)
    number = cleaned.pop("id_number", "")
    if number:
        shown["id_number"] = mask_id_number(number)
        try:
            cleaned["id_hash"] = keyed_hash(normalize_id_number(number))
        except IdNumberError:
            cleaned["id_hash"] = "invalid"  # as the list page: an invalid number finds no one
    return cleaned, shown


PERSON_HEADERS = ["姓名", "身份证号码", "性别", "出生日期", "与户主关系", "残疾", "所在地", "户号"]
HOUSEHOLD_HEADERS = ["户号", "户主", "人口", "户籍类型", "所在村（社区）", "住址"]


@login_required
def person_export(request):
    search, shown = _filters(PersonFilterForm(request.GET or None))
    actor = request.user
    persons = selectors.person_search(actor=actor, **search)
    rows = ([p.name, selectors.display_id_number(actor, p), p.get_sex_display(), p.birth_date,
             p.get_relation_display() if p.household_id else "",
             f"{p.get_disability_type_display()}{p.disability_grade}级" if p.disability_type else "",
             p.region.full_name, p.household_id] for p in persons.iterator(chunk_size=2000))
    return xlsx_response(f"人员名单_{dt.date.today():%Y%m%d}.xlsx", PERSON_HEADERS, rows, actor=actor,
                         object_type="registry.person", filters=shown)


@login_required
def household_export(request):
    search, shown = _filters(HouseholdFilterForm(request.GET or None))
    households = selectors.household_search(actor=request.user, **search)
    rows = ([h.pk, h.head.name if h.head else "", h.member_count, h.get_hukou_type_display(), h.region.full_name,
             h.address] for h in households.iterator(chunk_size=2000))
    return xlsx_response(f"家庭名单_{dt.date.today():%Y%m%d}.xlsx", HOUSEHOLD_HEADERS, rows, actor=request.user,
                         object_type="registry.household", filters=shown)
