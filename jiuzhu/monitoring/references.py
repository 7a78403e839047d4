"""The decided cases monitoring keeps, for other apps' references (core/references.py): a case conference
(一事一议) that agreed an amount. The safety-net fund pays a disbursement for one, linked to it."""

from django.http import Http404
from django.urls import reverse

from jiuzhu.core.errors import refused
from jiuzhu.core.references import DecidedCase
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.monitoring.models import WarningConference

CASE_CONFERENCE = "monitoring.case_conference"


def case_conference(actor, ref_id: int) -> DecidedCase:
    """The conference if its warning lies in the actor's jurisdiction (else 404, as missing); refused unless it
    agreed an amount above zero for a household in the registry (a conference that decided no money is not a
    case the fund pays)."""
    conference = WarningConference.objects.select_related("warning__region", "warning__household__head")\
        .filter(pk=ref_id).first()
    if conference is None or not region_in_scope(actor, conference.warning.region):
        raise Http404("记录不存在或不在您的管辖范围内")
    warning = conference.warning
    if conference.amount is None or conference.amount <= 0:
        raise refused("该一事一议未议定救助金额，不是托底救助基金可支出的已决定个案")
    if warning.household_id is None:
        raise refused("该一事一议的对象不在低收入人口库中，请先登记家庭")
    return DecidedCase(
        kind=CASE_CONFERENCE, id=conference.pk,
        label=f"一事一议（{conference.held_on:%Y-%m-%d}）：{warning.subject_name or warning.household.head}"[:200],
        url=reverse("monitoring:warning_detail", args=[warning.pk]), decision_kind="case_conference",
        household_id=warning.household_id, region_id=warning.region_id, decided_on=conference.held_on,
        amount=conference.amount, decision_ref=f"一事一议 #{conference.pk}")


RESOLVERS = {CASE_CONFERENCE: "jiuzhu.monitoring.references.case_conference"}
