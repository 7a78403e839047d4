"""Links from a rescue record's page to family search's pages about it (core.links), for a user with the
family-search capability within the record's station scope (rescue.scopes.CASE_SCOPE, as the pages check)."""

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import scoped
from jiuzhu.familysearch.models import CandidateStatus, MatchCandidate
from jiuzhu.rescue.models import RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

RESCUE_CASE = "rescue.rescuecase"


def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]:
    if object_type != RESCUE_CASE or not can(actor, Capability.FAMILY_SEARCH):
        return []
    if not scoped(RescueCase.objects.filter(pk=obj.pk), actor, **CASE_SCOPE).exists():
        return []
    pending = MatchCandidate.objects.filter(case_id=obj.pk, status=CandidateStatus.PENDING).count()
    return [(f"寻亲比对候选（{pending} 名待核实）", reverse("familysearch:case_candidates", args=[obj.pk])),
            ("甄别信息", reverse("familysearch:case_profile", args=[obj.pk])),
            ("人脸采集与比对", reverse("familysearch:case_faces", args=[obj.pk]))]
