"""Links from a rescue record's page to family search's pages about it (core.links), for a user with the
family-search capability (the record's page has already applied the same station scope)."""

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.familysearch.models import CandidateStatus, MatchCandidate

RESCUE_CASE = "rescue.rescuecase"


def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]:
    if object_type != RESCUE_CASE or not can(actor, Capability.FAMILY_SEARCH):
        return []
    pending = MatchCandidate.objects.filter(case_id=obj.pk, status=CandidateStatus.PENDING).count()
    return [(f"寻亲比对候选（{pending} 名待核实）", reverse("familysearch:case_candidates", args=[obj.pk])),
            ("甄别信息", reverse("familysearch:case_profile", args=[obj.pk])),
            ("人脸采集与比对", reverse("familysearch:case_faces", args=[obj.pk]))]
