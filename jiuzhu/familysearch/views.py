"""The station's face page of a rescue record (人脸采集与比对): its enrolled photos (a failed one says what to
retake), a photo upload to enrol, a search button, and the latest search's candidates with their thumbnails,
distances and Chinese labels, each shown as a notice (selectors.candidate_notice: audited, no ID number, no
contact). Views are thin: rules live in services, reads in selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit_read
from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import FileRejected, limit_uploads, stored_file_response, upload_bytes
from jiuzhu.core.permissions import Capability, require
from jiuzhu.familysearch import selectors, services
from jiuzhu.familysearch.faces import SAME_PERSON_THRESHOLD, similarity_label


def _page(request, case, *, error: str = "", status: int = 200):
    log = selectors.latest_search(actor=request.user, case=case)
    candidates = []
    for row in (log.result if log else []):
        notice = selectors.candidate_notice(actor=request.user, kind=row["kind"], subject_id=row["id"]) \
            if _still_candidate(row) else None
        candidates.append({"row": row, "notice": notice, "label": similarity_label(row["distance"])})
    return render(request, "familysearch/case_faces.html", {
        "case": case, "photos": selectors.face_photos_of(actor=request.user, case=case), "log": log,
        "candidates": candidates, "error": error, "threshold": SAME_PERSON_THRESHOLD}, status=status)


def _still_candidate(row) -> bool:
    from jiuzhu.familysearch.models import FacePhoto, FaceStatus

    field = "case_id" if row["kind"] == "case" else "report_id"
    return FacePhoto.objects.filter(status=FaceStatus.ACTIVE, **{field: row["id"]}).exists()


@login_required
def case_faces(request, pk: int):
    case = selectors.case_for_faces(actor=request.user, case_id=pk)
    return _page(request, case)


@csrf_exempt  # checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
@require_POST
def case_face_enrol(request, pk: int):
    require(request.user, Capability.FAMILY_SEARCH)
    limit_uploads(request)  # before the body is parsed: no photo is kept beyond the size limit
    return _enrol(request, pk)


@csrf_protect
def _enrol(request, pk: int):
    case = selectors.case_for_faces(actor=request.user, case_id=pk)
    try:
        data = upload_bytes(request.FILES.get("photo"))
        services.face_enroll(actor=request.user, case=case, data=data,
                             note=request.POST.get("note", "")[:300])
    except (DomainError, FileRejected) as exc:
        return _page(request, case, error=exc.message, status=400)
    messages.success(request, "照片已采集，可以进行人脸比对")
    return redirect("familysearch:case_faces", case.pk)


@login_required
@require_POST
def case_face_search(request, pk: int):
    case = selectors.case_for_faces(actor=request.user, case_id=pk)
    try:
        result = services.face_search(actor=request.user, case=case)
    except DomainError as exc:
        return _page(request, case, error=exc.message, status=400)
    messages.success(request, f"人脸比对完成：{len(result.candidates)} 名候选，须人工核实")
    return redirect("familysearch:case_faces", case.pk)


@login_required
def search_photo(request, log_id: int, photo_id: int):
    """A thumbnail on a search's page (a candidate's photo or the record's own), audited."""
    photo = selectors.search_photo(actor=request.user, log_id=log_id, photo_id=photo_id)
    audit_read(request.user, photo, detail={"purpose": "face_thumbnail", "search": log_id})
    return stored_file_response(photo.photo_key)


@login_required
def case_photo(request, pk: int, photo_id: int):
    """One of the record's own enrolled photos (failed ones too: to see what to retake), audited."""
    case = selectors.case_for_faces(actor=request.user, case_id=pk)
    photo = selectors.face_photos_of(actor=request.user, case=case).filter(pk=photo_id).first()
    if photo is None:
        from django.http import Http404

        raise Http404("照片不存在")
    audit_read(request.user, photo, detail={"purpose": "face_photo"})
    return stored_file_response(photo.photo_key)
