"""Links from other apps' records to the safety-net fund (core.links): a decided case (monitoring's 一事一议 with
an amount, intake's 先行救助; any kind core/references.py resolves) → the form that prepares its disbursement,
prefilled, at the fund that covers the case's region; or → the disbursement already made for it. Shown only to a
user who manages the fund and may see the case (its resolver's scope) and the fund (funds_in_scope)."""

from django.http import Http404
from django.urls import reverse

from jiuzhu.core import references
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can
from jiuzhu.funds import fund_selectors as sel
from jiuzhu.funds.fund_models import EntryStatus


def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]:
    if object_type not in references.kinds() or not can(actor, Capability.MANAGE_FUND):
        return []
    made = sel.entries_in_scope(actor).filter(source_kind=object_type, source_id=obj.pk)\
        .exclude(status=EntryStatus.REJECTED).values_list("fund_id", "status").first()
    if made is not None:
        label = "托底救助基金：已拟定支出，待审批" if made[1] == EntryStatus.PENDING else "托底救助基金：已支出"
        return [(label, reverse("funds_fund:detail", args=[made[0]]))]
    try:
        case = references.resolve(actor, object_type, obj.pk)
    except (DomainError, Http404):  # not decided (no amount), or out of the actor's scope
        return []
    region = Region.objects.filter(pk=case.region_id).values_list("path", flat=True).first() or ""
    fund = next((f for f in reversed(list(sel.funds_in_scope(actor))) if region.startswith(f.region.path)), None)
    if fund is None:
        return []
    url = reverse("funds_fund:disburse", args=[fund.pk])
    return [("从托底救助基金拟定支出", f"{url}?source_kind={case.kind}&source_id={case.id}")]
