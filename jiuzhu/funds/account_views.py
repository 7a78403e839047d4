"""Payees' bank accounts from the bank's template (上传 → 检查结果/错误报告 → 确认导入) and the 供养机构 accounts
(集中供养 特困 are paid to the institution). Thin: the import is the registry's (registry/account_import.py), the
institution accounts' writes are in funds/account_services.py. The capability is the roll's: PREPARE_PAYMENTS.

An upload waits sealed in the tabular kit's store (namespace "bank_accounts") until it is imported or purged after
a day; only its owner sees its review. It is parsed once on upload; the review and the error report read the cached
result, and 确认导入 reads the file again to write it (all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from jiuzhu.core import tabular
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import download_response
from jiuzhu.registry import account_import

STORE = tabular.UploadStore("bank_accounts")
SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt"}
PAGE_ERRORS = 200


def _preview(actor, upload: tabular.Upload) -> dict:
    cached = upload.load_preview()
    if cached is None:
        cached = account_import.validate(upload.data(), upload.filename, actor=actor).summary()
        upload.save_preview(cached)
    return cached


@login_required
def account_import_upload(request):
    account_import.require_importer(request.user)
    if request.method == "POST":
        done = tabular.upload_step(request, lambda file: _stored(request.user, file), suffixes=SUFFIXES)
        if done is not None:
            return done
    return render(request, "funds/account_import.html", {
        "labels": account_import.LABELS, "max_mb": tabular.limits.max_upload_bytes() // (1024 * 1024)})


def _stored(actor, file: tabular.PostedFile):
    upload = STORE.save(owner=actor, filename=file.filename, data=file.data)
    _preview(actor, upload)  # parsed once, here
    return redirect("funds:account_import_review", upload.id)


@login_required
def account_import_review(request, upload_id: str):
    account_import.require_importer(request.user)
    upload = STORE.get(upload_id, owner=request.user)
    summary = _preview(request.user, upload)
    if request.method == "POST":
        if summary["file_error"] or summary["errors"]:
            messages.error(request, "文件中还有问题，未导入任何数据。请按问题清单修改文件后重新上传")
            return redirect("funds:account_import_review", upload.id)
        try:
            result = account_import.import_accounts(upload.data(), upload.filename, actor=request.user)
        except DomainError as exc:  # the registry changed since the check: checked again, shown again
            upload.save_preview(account_import.validate(upload.data(), upload.filename, actor=request.user).summary())
            messages.error(request, exc.message)
            return redirect("funds:account_import_review", upload.id)
        upload.delete()
        p = result.preview
        if result.written:
            messages.success(request, f"已导入收款账户：新增 {p.new} 人，更新 {p.changed} 人，{p.unchanged} 人无变化")
        else:
            messages.info(request, f"文件内容与现有收款账户一致（{p.unchanged} 人），没有写入任何数据")
        return redirect("funds:account_import")
    return render(request, "funds/account_import_review.html", {
        "upload": upload, "p": summary, "errors": summary["errors"][:PAGE_ERRORS],
        "error_count": len(summary["errors"]), "page_limit": PAGE_ERRORS})


@login_required
def account_import_errors(request, upload_id: str):
    account_import.require_importer(request.user)
    upload = STORE.get(upload_id, owner=request.user)
    summary = _preview(request.user, upload)
    errors = summary["errors"] or ([{"row": None, "column": "", "message": summary["file_error"]}]
                                   if summary["file_error"] else [])
    return download_response(tabular.errors_workbook(errors), f"{Path(upload.filename).stem}_错误报告.xlsx")


# ---- 供养机构账户 ------------------------------------------------------------------------------------------------

@login_required
def institution_accounts(request):
    """The county's institution accounts (masked), the institutions still without one, and the form to add."""
    from jiuzhu.core.permissions import Capability, require
    from jiuzhu.funds import account_services, selectors

    require(request.user, Capability.PREPARE_PAYMENTS)
    error = ""
    if request.method == "POST":
        try:
            account_services.institution_account_save(
                actor=request.user, institution=request.POST.get("institution", ""),
                bank_name=request.POST.get("bank_name", ""), account_number=request.POST.get("account_number", ""))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "已登记供养机构账户")
            return redirect("funds:institution_accounts")
    county = selectors.actor_county(request.user)
    may_add = county is not None and account_services.region_in_scope(request.user, county)
    return render(request, "funds/institution_accounts.html", {
        "rows": selectors.institution_accounts(request.user).order_by("county__code", "institution"),
        "missing": selectors.institutions_without_account(request.user) if may_add else [],
        "may_add": may_add, "error": error, "post": request.POST if error else {}}, status=400 if error else 200)


@login_required
def institution_account_edit(request, pk: int):
    from django.shortcuts import get_object_or_404

    from jiuzhu.core.permissions import Capability, require
    from jiuzhu.funds import account_services, selectors

    require(request.user, Capability.PREPARE_PAYMENTS)
    account = get_object_or_404(selectors.institution_accounts(request.user), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            account_services.institution_account_save(
                actor=request.user, account=account, institution=request.POST.get("institution", ""),
                bank_name=request.POST.get("bank_name", ""), account_number=request.POST.get("account_number", ""))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "已修改供养机构账户")
            return redirect("funds:institution_accounts")
    return render(request, "funds/institution_account_edit.html", {
        "account": account, "error": error, "post": request.POST if error else {}}, status=400 if error else 200)
