"""Purchase of services' lines on the work list: service records waiting for the township's confirmation, and
evaluated milestones waiting for payment."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import WorkItem, item
from jiuzhu.funds import purchase_selectors as sel
from jiuzhu.funds.purchase_models import Milestone, MilestoneStatus


def records_to_confirm(actor) -> WorkItem | None:
    if not can(actor, Capability.CONFIRM_SERVICES) or actor.region is None or actor.region.level != "township":
        return None
    return item("购买服务：待确认的服务记录", sel.records_to_confirm(actor),
                reverse("funds_services:record_list") + "?show=pending", hint="核实服务是否属实，确认或退回")


def milestones_to_pay(actor) -> WorkItem | None:
    if not can(actor, Capability.APPROVE_FUND):
        return None
    qs = Milestone.objects.filter(status=MilestoneStatus.EVALUATED, contract__in=sel.contracts_in_scope(actor))
    wi = item("购买服务：绩效评价完成、待支付", qs, reverse("funds_services:contract_list"), hint="按绩效评价结果支付")
    return wi if wi.count else None


ITEMS = [records_to_confirm, milestones_to_pay]
