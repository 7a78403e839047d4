"""Links from other apps' records to family search's (core.links): a rescue record → its notice (寻亲公告), its
candidates (with how many wait for review), its identification profile, its face page (enrol a photo, search) and
its DNA 比对 page (RESCUE_CASES), shown only to a user who may open them (capability and the record's scope, as the
pages check)."""

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import scoped
from jiuzhu.familysearch.models import CandidateStatus, MatchCandidate
from jiuzhu.familysearch.notice_selectors import notice_for_case
from jiuzhu.rescue.models import RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

RESCUE_CASE = "rescue.rescuecase"


def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]:
    if object_type != RESCUE_CASE:
        return []
    return _notice_link(actor, obj) + _review_links(actor, obj)


def _notice_link(actor, obj) -> list[tuple[str, str]]:
    """The record's notice (寻亲公告), with its state, for whoever may open the notices (the selector's scope)."""
    if not can(actor, Capability.RESCUE_CASES):
        return []
    notice = notice_for_case(actor=actor, case_id=obj.pk)
    if notice is None:
        return []
    return [(f"寻亲公告（{notice.get_status_display()}）", reverse("familysearch:notice_detail", args=[notice.pk]))]


def _review_links(actor, obj) -> list[tuple[str, str]]:
    if not (can(actor, Capability.FAMILY_SEARCH) or can(actor, Capability.RESCUE_CASES)):
        return []
    if not scoped(RescueCase.objects.filter(pk=obj.pk), actor, **CASE_SCOPE).exists():
        return []
    dna = [("DNA 比对", reverse("familysearch:case_dna", args=[obj.pk]))] if can(actor, Capability.RESCUE_CASES) else []
    if not can(actor, Capability.FAMILY_SEARCH):
        return dna
    pending = MatchCandidate.objects.filter(case_id=obj.pk, status=CandidateStatus.PENDING).count()
    return [(f"寻亲比对候选（{pending} 名待核实）", reverse("familysearch:case_candidates", args=[obj.pk])),
            ("甄别信息", reverse("familysearch:case_profile", args=[obj.pk])),
            ("人脸比对", reverse("familysearch:case_faces", args=[obj.pk])), *dna]
