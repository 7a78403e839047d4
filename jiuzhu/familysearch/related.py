"""Links from other apps' records to family search's (core.links): a rescue record → its face page (enrol a
photo, search, candidates), shown only to a user who may open it (capability and the record's scope, as the face
page checks)."""

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import scoped
from jiuzhu.rescue.models import RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

RESCUE_CASE = "rescue.rescuecase"


def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]:
    if object_type != RESCUE_CASE or not can(actor, Capability.FAMILY_SEARCH):
        return []
    if not scoped(RescueCase.objects.filter(pk=obj.pk), actor, **CASE_SCOPE).exists():
        return []
    return [("人脸比对", reverse("familysearch:case_faces", args=[obj.pk]))]
