"""Follow-up's lines on the home page's work list (core/worklist.py): the week's visits (the coordinator's phone
home page), overdue visits (to the village and, through scope, the township and county above), hardship found and
not yet handed over, entries whose home is unknown or whose feedback waits, at-risk entries to check, repeat
alerts not yet read. Each a capped count in scope."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.followup import selectors
from jiuzhu.followup.models import AtRiskStatus, VisitStatus


def _visits(show: str) -> str:
    return reverse("followup:visit_list") + f"?show={show}"


def visits_this_week(actor) -> WorkItem | None:
    if not can(actor, Capability.FOLLOWUP):
        return None
    qs = selectors.visits_to_record(actor).filter(selectors.VISIT_FILTERS["week"][1](selectors.today()))
    return item("本周应回访的人员", qs, _visits("week"), hint="实地走访或电话问询，记录回访情况")


def visits_overdue(actor) -> WorkItem | None:
    if not can(actor, Capability.FOLLOWUP):
        return None
    qs = selectors.visits_in_scope(actor).filter(status=VisitStatus.PLANNED, overdue_flagged_at__isnull=False)
    wi = item("超期未回访", qs, _visits("overdue"), urgency=DUE, hint="督促乡镇、村尽快回访")
    return wi if wi.count else None


def hardship_not_handed_over(actor) -> WorkItem | None:
    if not can(actor, Capability.FOLLOWUP) or not can(actor, Capability.INTAKE):
        return None
    qs = selectors.visits_to_record(actor).filter(selectors.VISIT_FILTERS["hardship"][1](selectors.today()))
    wi = item("回访发现困难、尚未转入申请", qs, _visits("hardship"), urgency=DUE, hint="一键转入救助申请")
    return wi if wi.count else None


def entries_waiting(actor) -> WorkItem | None:
    if not can(actor, Capability.FOLLOWUP):
        return None
    qs = selectors.entries_in_scope(actor).filter(
        Q(home_region__isnull=True) | Q(feedback_mode="letter", feedback_sent_at__isnull=True))
    wi = item("返乡台账：流出地待确定或书面反馈待寄送", qs, reverse("followup:entry_list"),
              hint="设定流出地，或打印反馈函寄送流出地")
    return wi if wi.count else None


def feedback_to_confirm(actor) -> WorkItem | None:
    if not can(actor, Capability.FOLLOWUP) or actor.region is None:
        return None
    qs = selectors.entries_in_scope(actor).filter(
        Q(feedback_mode="system", home_region_path__startswith=actor.region.path)
        & (Q(receipt_confirmed_at__isnull=True) | Q(arrived_on__isnull=True)))
    wi = item("外地救助站送返本地的人员：待确认收到、到家", qs, reverse("followup:entry_list") + "?show=unconfirmed",
              urgency=DUE, hint="确认收到反馈，人员到家后确认到家")
    return wi if wi.count else None


def at_risk_to_check(actor) -> WorkItem | None:
    if not can(actor, Capability.FOLLOWUP) or actor.region is None or actor.region.level not in (
            "county", "city", "province"):
        return None
    qs = selectors.at_risk_in_scope(actor).filter(status__in=(AtRiskStatus.SUBMITTED, AtRiskStatus.SUGGESTED))
    wi = item("待审核的易流浪走失人员", qs, reverse("followup:atrisk_list") + "?show=to_check",
              hint="审核入库，信息不全的退回补正")
    return wi if wi.count else None


def alerts_unread(actor) -> WorkItem | None:
    if not can(actor, Capability.FOLLOWUP):
        return None
    wi = item("再次流浪提醒", selectors.alerts_in_scope(actor).filter(seen_at__isnull=True),
              reverse("followup:alert_list"), urgency=DUE, hint="本地返乡或在库人员在外地再次入站：了解原因，加强回访")
    return wi if wi.count else None


def relapse_notices(actor) -> WorkItem | None:
    """The rural-revitalisation office's line: 防止返贫监测对象 sent home, to receive."""
    if not can(actor, Capability.HANDLE_WARNINGS) or actor.organization_id is None:
        return None
    qs = selectors.relapse_inbox_qs(actor).filter(relapse_received_at__isnull=True)
    wi = item("防止返贫监测对象返乡通报：待接收", qs, reverse("followup:relapse_inbox"), urgency=DUE,
              hint="纳入防止返贫动态监测，重点关注和帮扶")
    return wi if wi.count else None


ITEMS = [visits_this_week, visits_overdue, hardship_not_handed_over, entries_waiting, feedback_to_confirm,
         at_risk_to_check, alerts_unread, relapse_notices]


def followup_next_steps(actor) -> list[tuple[str, str]]:
    if not can(actor, Capability.FOLLOWUP):
        return []
    return [("本周回访", _visits("week")), ("登记易流浪走失人员", reverse("followup:atrisk_list") + "#new")]


NEXT_STEPS = [followup_next_steps]

