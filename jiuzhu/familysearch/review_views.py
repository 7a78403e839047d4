"""The station's review pages of a rescue record: the identification profile (甄别信息) and the candidates
(比对候选) with their evidence, both photos, confirm (with a note) and reject (with a reason), and 重新比对. Views are
thin: rules live in review_services, reads in review_selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit_read
from jiuzhu.core.errors import DomainError, clean_date
from jiuzhu.core.files import stored_file_response
from jiuzhu.core.region_picker import region_from_input
from jiuzhu.familysearch import review_selectors as sel
from jiuzhu.familysearch import review_services as svc
from jiuzhu.familysearch.faces import SAME_PERSON_THRESHOLD
from jiuzhu.familysearch.models import Build

PROFILE_FIELDS = ("height_cm", "build", "accent", "ethnicity", "features", "clothing", "health", "found_place",
                  "stated_name", "stated_home", "narrative")


@login_required
def case_profile(request, pk: int):
    case = sel.case_for_review(actor=request.user, case_id=pk, purpose="profile")
    values, error, status = sel.profile_values(case), "", 200
    if request.method == "POST":
        data = {f: request.POST.get(f, "") for f in PROFILE_FIELDS}
        try:
            found_on = clean_date(request.POST.get("found_on", ""), "发现日期", "found_on")
            found_region = region_from_input(request.user, request.POST.get("found_region", ""), label="发现地区",
                                             field="found_region")
            svc.profile_save(actor=request.user, case=case, found_on=found_on, found_region=found_region, **data)
        except DomainError as exc:
            values = {**values, **data, "found_on": request.POST.get("found_on", ""),
                      "found_region_code": request.POST.get("found_region", "")}
            error, status = exc.message, 400
        else:
            messages.success(request, "甄别信息已保存，已重新比对")
            return redirect("familysearch:case_candidates", case.pk)
    return render(request, "familysearch/case_profile.html", {
        "case": case, "v": values, "builds": Build.choices, "error": error}, status=status)


def _review(request, case, *, error: str = "", status: int = 200):
    found = sel.review_candidates(actor=request.user, case=case)
    return render(request, "familysearch/case_candidates.html", {
        "case": case, "profile": sel.profile_of(case), "rows": found.rows, "withheld": found.withheld,
        "error": error, "threshold": SAME_PERSON_THRESHOLD}, status=status)


@login_required
def case_candidates(request, pk: int):
    case = sel.case_for_review(actor=request.user, case_id=pk)
    return _review(request, case)


@login_required
@require_POST
def case_rematch(request, pk: int):
    case = sel.case_for_review(actor=request.user, case_id=pk)
    try:
        result = svc.match_run(actor=request.user, case=case)
    except DomainError as exc:
        return _review(request, case, error=exc.message, status=400)
    messages.success(request, f"重新比对完成：新增 {result.created} 名候选，更新 {result.updated} 名")
    return redirect("familysearch:case_candidates", case.pk)


@login_required
@require_POST
def candidate_confirm(request, cid: int):
    candidate = sel.candidate_in_scope(actor=request.user, candidate_id=cid)
    try:
        svc.candidate_confirm(actor=request.user, candidate=candidate, note=request.POST.get("note", ""),
                              id_number=request.POST.get("id_number", ""))
    except DomainError as exc:
        case = sel.case_for_review(actor=request.user, case_id=candidate.case_id)
        return _review(request, case, error=exc.message, status=400)
    messages.success(request, "已确认：身份已查明，寻亲登记已标记为已找到，已记录通知家属")
    return redirect("familysearch:case_candidates", candidate.case_id)


@login_required
@require_POST
def candidate_reject(request, cid: int):
    candidate = sel.candidate_in_scope(actor=request.user, candidate_id=cid)
    try:
        svc.candidate_reject(actor=request.user, candidate=candidate, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        case = sel.case_for_review(actor=request.user, case_id=candidate.case_id)
        return _review(request, case, error=exc.message, status=400)
    messages.success(request, "已排除该候选，以后的比对不会再出现")
    return redirect("familysearch:case_candidates", candidate.case_id)


@login_required
def candidate_photo(request, cid: int, photo_id: int):
    """A thumbnail of the client or of the candidate's other side, audited."""
    photo = sel.candidate_photo(actor=request.user, candidate_id=cid, photo_id=photo_id)
    audit_read(request.user, photo, detail={"purpose": "candidate_thumbnail", "candidate": cid})
    return stored_file_response(photo.photo_key)
