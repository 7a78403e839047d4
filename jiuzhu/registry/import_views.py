"""Pages for importing households from a file and exporting the registry's lists to Excel. Thin: the
work is in imports.py, the tabular kit (core/tabular) and core.exports.

An upload is kept sealed in the kit's upload store (namespace "imports") until it is imported or purged
after a day; only the person who uploaded it can see its review (anyone else gets 404). The file is parsed
and validated once per column mapping, when it is uploaded or remapped: the review page and the error
report read the cached preview, and only "确认导入" reads the file again (to write it)."""

import datetime as dt
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html

from jiuzhu.core import tabular
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import CSV, download_response, xlsx_response
from jiuzhu.core.identity import IdNumberError, mask_id_number, normalize_id_number
from jiuzhu.core.permissions import Capability, require
from jiuzhu.registry import imports, lists, selectors
from jiuzhu.registry.forms import HouseholdFilterForm, PersonFilterForm
from jiuzhu.registry.models import ImportBatch, Tier

SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".parquet"}
STORE = tabular.UploadStore("imports")


def _preview(actor, upload: tabular.Upload) -> dict:
    """The review's content for the upload's current mapping: from the cache, or validated now and cached."""
    cached = upload.load_preview()
    if cached is not None:
        return cached
    try:
        named = upload.meta.get("named")
        saved = imports.named_mapping(named) if named else STORE.saved_mapping(actor)
        preview = imports.validate_file(upload.data(), upload.filename, upload.mapping, actor=actor, saved=saved)
        summary = imports.preview_summary(preview, actor=actor)
    except PermissionDenied:
        raise
    except DomainError as exc:  # the file as a whole (format, limits) or the daily disclosure limit
        summary = {"file_error": exc.message, "errors": [], "mapping": upload.mapping or {}}
    upload.save_preview(summary)
    return summary


@login_required
def import_upload(request):
    imports.require_importer(request.user)
    if request.method == "POST":
        done = tabular.upload_step(request, lambda file: _stored(request.user, file), suffixes=SUFFIXES)
        if done is not None:
            return done
    batches = ImportBatch.objects.filter(created_by=request.user).order_by("-created_at")[:10]
    return render(request, "registry/import_upload.html", {
        "batches": batches, "max_mb": tabular.limits.max_upload_bytes() // (1024 * 1024)})


def _stored(actor, file: tabular.PostedFile):
    upload = STORE.save(owner=actor, filename=file.filename, data=file.data)
    _preview(actor, upload)  # parsed once, here
    return redirect("registry:import_review", upload.id)


def _posted_mapping(request) -> dict[str, str]:
    return {h: f for h, f in zip(request.POST.getlist("header"), request.POST.getlist("field"), strict=False) if f}


@login_required
def import_review(request, upload_id: str):
    imports.require_importer(request.user)
    upload = STORE.get(upload_id, owner=request.user)
    if request.method == "POST" and request.POST.get("action") in ("save_named", "use_named"):
        return _named_mapping_action(request, upload)
    if request.method == "POST":
        posted = _posted_mapping(request)
        current = upload.load_preview() or {}
        if posted and posted != current.get("mapping"):
            upload.set_mapping(posted)  # the cached preview no longer applies
        if request.POST.get("action") != "import":
            return redirect("registry:import_review", upload.id)
        summary = _preview(request.user, upload)
        if summary.get("file_error") or summary["errors"]:
            messages.error(request, "文件中还有问题，未导入任何数据。请按问题清单修改文件后重新上传")
            return redirect("registry:import_review", upload.id)
        try:
            result = imports.import_file(upload.data(), upload.filename, summary["mapping"], actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("registry:import_review", upload.id)
        if result.ok:
            STORE.remember_mapping(request.user, summary["mapping"], imports.detect_mapping(summary["headers"]))
            upload.delete()
            if result.status == "imported" and result.batch is not None:  # H4: the link to the batch's households
                url = f"{reverse('registry:household_list')}?batch={result.batch.pk}"
                messages.success(request, format_html('{} <a href="{}">查看本批导入的家庭</a>', result.message, url))
                return redirect(url)
            (messages.success if result.status == "imported" else messages.info)(request, result.message)
            return redirect("registry:household_list" if result.status == "imported" else "registry:import")
        # The registry changed since the preview (someone registered one of these persons meanwhile).
        upload.save_preview(imports.preview_summary(result.preview, actor=request.user))
        messages.error(request, result.message)
        return redirect("registry:import_review", upload.id)
    summary = _preview(request.user, upload)
    if summary.get("file_error"):
        return render(request, "registry/import_review.html", {"upload": upload, "file_error": summary["file_error"]})
    done = ImportBatch.objects.filter(key=upload.sha256).first()
    if done:
        messages.info(request, imports.already_imported(done).message)
    mapping = summary["mapping"]
    columns = [{"header": h, "field": mapping.get(h, "")} for h in summary["headers"]]
    return render(request, "registry/import_review.html", {
        "upload": upload, "preview": summary, "columns": columns, "fields": imports.field_choices(),
        "errors": summary["errors"][:imports.PAGE_ERRORS], "error_count": len(summary["errors"]),
        "page_limit": imports.PAGE_ERRORS, "done": done, "notices": summary.get("notices", [])[:imports.PAGE_ERRORS],
        "notice_count": len(summary.get("notices", [])), "named_mappings": imports.MAPPINGS.names(),
        "named": upload.meta.get("named", ""),
    })


def _named_mapping_action(request, upload):
    """Saves the mapping in use under a name, or applies a saved one to this upload (validated again once)."""
    if request.POST["action"] == "use_named":
        name = request.POST.get("named", "")
        if name and imports.MAPPINGS.get(name) is None:
            messages.error(request, f"没有名为“{name}”的列对应方案")
        else:
            upload.meta["named"], upload.meta["mapping"] = name, None
            upload.save_meta()
            upload.drop_preview()
        return redirect("registry:import_review", upload.id)
    summary = _preview(request.user, upload)
    mapping = _posted_mapping(request) or summary.get("mapping") or {}
    try:
        imports.MAPPINGS.save(request.POST.get("mapping_name", ""), mapping, summary.get("headers", []),
                              owner=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已保存列对应方案“{request.POST['mapping_name'].strip()}”，"
                                  "下次上传同样格式的名册时可直接选用")
    return redirect("registry:import_review", upload.id)


@login_required
def import_errors(request, upload_id: str):
    imports.require_importer(request.user)
    upload = STORE.get(upload_id, owner=request.user)
    summary = _preview(request.user, upload)
    errors = summary["errors"]
    if summary.get("file_error"):
        errors = [{"row": None, "column": "", "message": summary["file_error"]}]
    errors = [*errors, *summary.get("notices", [])]
    stem = Path(upload.filename).stem
    if request.path.endswith(".csv"):
        return download_response(imports.errors_csv(errors), f"{stem}_错误报告.csv", CSV)
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


PERSON_HEADERS = ["姓名", "身份证号码", "性别", "出生日期", "与户主关系", "残疾", "认定层级", "待审批建议",
                  "家庭人均月收入（元）", "家庭月发放金额（元）", "所在地", "户号"]
HOUSEHOLD_HEADERS = ["户号", "户主", "人口", "认定层级", "待审批建议", "人均月收入（元）", "月发放金额（元）",
                     "户籍类型", "所在村（社区）", "住址"]


def _tier(code) -> str:
    return Tier(code).label if code else ""


def _money(value):
    return float(value) if value is not None else None


@login_required
def person_export(request):
    """The person list's filters and order as Excel, with the household's tier, pending suggestion, income and
    monthly grant computed in SQL (registry/lists.py). Audited: one row per person shown (set-based) and the
    export row saying what was exported (the filters in Chinese, the row count)."""
    actor = request.user
    require(actor, Capability.EXPORT_PERSONS)
    lr = lists.list_request(actor, request.GET, PersonFilterForm, sorts=lists.PERSON_SORTS,
                            default_sort=lists.PERSON_DEFAULT_SORT)
    on = dt.date.today()
    persons = selectors.person_search(actor=actor, on=on, **lr.search)
    if lr.blocked:
        persons = persons.none()
    selectors.audit_shown(actor, persons.values_list("pk", flat=True), purpose="export",
                          query_hash=selectors.query_hash(lr.query_hash_source))
    rows_qs = lists.household_columns(persons.select_related("region").order_by(*lr.ordering), on,
                                      household="household_id")
    headers = [selectors.birth_label(actor) if h == "出生日期" else h for h in PERSON_HEADERS]
    rows = ([p.name, selectors.display_id_number(actor, p), p.get_sex_display(), selectors.display_birth(actor, p),
             p.get_relation_display() if p.household_id else "",
             f"{p.get_disability_type_display()}{p.disability_grade}级" if p.disability_type else "",
             _tier(p.tier_code), _tier(p.pending_code), _money(p.per_capita_income), _money(p.monthly_total),
             p.region.full_name, p.household_id] for p in rows_qs.iterator(chunk_size=2000))
    return xlsx_response(f"人员名单_{dt.date.today():%Y%m%d}.xlsx", headers, rows, actor=actor,
                         object_type="registry.person", filters=lr.shown)


@login_required
def household_export(request):
    actor = request.user
    require(actor, Capability.EXPORT_PERSONS)
    lr = lists.list_request(actor, request.GET, HouseholdFilterForm, sorts=lists.HOUSEHOLD_SORTS,
                            default_sort=lists.HOUSEHOLD_DEFAULT_SORT)
    on = dt.date.today()
    households = selectors.household_search(actor=actor, on=on, **lr.search)
    if lr.blocked:
        households = households.none()
    selectors.audit_shown(actor, selectors.heads_of(households), purpose="export",
                          query_hash=selectors.query_hash(lr.query_hash_source))
    rows_qs = lists.household_columns(households.select_related("region", "head").order_by(*lr.ordering), on)
    rows = ([h.pk, h.head.name if h.head else "", h.member_total, _tier(h.tier_code), _tier(h.pending_code),
             _money(h.per_capita_income), _money(h.monthly_total), h.get_hukou_type_display(), h.region.full_name,
             h.address] for h in rows_qs.iterator(chunk_size=2000))
    return xlsx_response(f"家庭名单_{dt.date.today():%Y%m%d}.xlsx", HOUSEHOLD_HEADERS, rows, actor=actor,
                         object_type="registry.household", filters=lr.shown)
