"""Pages for a household's scanned documents (材料): upload, download, void. Thin: the rules are in
services.document_attach / document_void and core/files.py; reads (scoped, audited) in selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import limit_uploads, stored_file_read
from jiuzhu.registry import selectors, services


def _back(household_id: int):
    return redirect(f"/registry/households/{household_id}/#documents")


@csrf_exempt  # CSRF is checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
@require_POST
def document_upload(request, household_id: int):
    limit_uploads(request)  # before the body is parsed: no file is kept beyond the size limit
    return _document_upload(request, household_id)


@csrf_protect
def _document_upload(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id, purpose="document_attach")
    decision_id = request.POST.get("decision_id", "")
    decision = household.tier_decisions.filter(pk=int(decision_id)).first() if decision_id.isdigit() else None
    try:
        if decision_id and decision is None:
            raise DomainError("关联的层级认定不属于本户", code="validation_error", field="decision")
        document = services.document_attach(actor=request.user, household=household,
                                            kind=request.POST.get("kind", ""), upload=request.FILES.get("file"),
                                            decision=decision)
    except DomainError as exc:
        messages.error(request, f"材料未保存：{exc.message}")
    else:
        messages.success(request, f"已保存材料：{document.get_kind_display()}（{document.original_filename}）")
    return _back(household_id)


@login_required
@require_GET
def document_download(request, document_id: int):
    document = selectors.document_get(actor=request.user, document_id=document_id, purpose="document_download")
    try:
        data = stored_file_read(document.file_key)
    except (FileNotFoundError, ValueError):
        raise Http404("材料文件已丢失或损坏，请联系系统管理员") from None
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(True, document.original_filename)
    response["Cache-Control"] = "private, no-store"  # personal data: never kept by a shared cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def document_void_view(request, document_id: int):
    document = selectors.document_get(actor=request.user, document_id=document_id, purpose="document_void")
    try:
        services.document_void(actor=request.user, document=document, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, f"材料未作废：{exc.message}")
    else:
        messages.success(request, f"已作废材料：{document.get_kind_display()}（{document.original_filename}）")
    return _back(document.household_id)
