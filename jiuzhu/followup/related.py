"""Links from other apps' records to follow-up's (core.links): a rescue record → its returnee ledger entry,
shown only to a user who may open that entry (capability and scope, as the entry's own page checks)."""

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.followup.selectors import entries_in_scope

RESCUE_CASE = "rescue.rescuecase"


def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]:
    if object_type != RESCUE_CASE or not can(actor, Capability.FOLLOWUP):
        return []
    entry_id = entries_in_scope(actor).filter(case_id=obj.pk).values_list("pk", flat=True).first()
    if entry_id is None:
        return []
    return [("返乡受助人员台账", reverse("followup:entry_detail", args=[entry_id]))]
