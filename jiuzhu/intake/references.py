"""The decided cases intake keeps, for other apps' references (core/references.py): an assist-first (先行救助)
granted by a window. The safety-net fund pays a disbursement for one, linked to it."""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jiuzhu.core.errors import refused
from jiuzhu.core.references import DecidedCase
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.intake.models import AssistFirst

ASSIST_FIRST = "intake.assist_first"


def assist_first(actor, ref_id: int) -> DecidedCase:
    """The assist-first if its application lies in the actor's jurisdiction (else 404, as missing); refused when
    the applicant's household is not in the registry (the fund pays a registered household)."""
    assist = AssistFirst.objects.select_related("application__region").filter(pk=ref_id).first()
    if assist is None or not region_in_scope(actor, assist.application.region):
        raise Http404("记录不存在或不在您的管辖范围内")
    application = assist.application
    if application.household_id is None:
        raise refused("该先行救助的申请人未登记家庭，请先登记后再从托底救助基金支出")
    return DecidedCase(
        kind=ASSIST_FIRST, id=assist.pk,
        label=f"先行救助（{assist.granted_at:%Y-%m-%d}）：{application.applicant_name}"[:200],
        url=reverse("intake:application_detail", args=[application.pk]), decision_kind="assist_first",
        household_id=application.household_id, region_id=application.region_id,
        decided_on=timezone.localtime(assist.granted_at).date(), amount=assist.amount,
        decision_ref=f"先行救助 #{assist.pk}")


RESOLVERS = {ASSIST_FIRST: "jiuzhu.intake.references.assist_first"}
