"""Work-list lines of the cases part (see worklist.py): clients whose rescue period ends within two days or has
passed, long-stay clients, open incidents (at once for the station manager and the regional centre above), and
extensions waiting for a decision. Each a capped count in scope."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.rescue import cases_selectors as selectors
from jiuzhu.rescue.models import STAY_STATUSES


def _list_url(show: str) -> str:
    return reverse("rescue:case_list") + f"?show={show}"


def period_due(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    qs = selectors.cases_in_scope(actor).filter(selectors.due_soon_q(selectors.today()))
    return item(f"救助期限 {selectors.PERIOD_DUE_SOON_DAYS} 天内到期或已超过的受助人员", qs, _list_url("due"),
                urgency=DUE, hint="安排离站，或报上级审批延长救助期限")


def long_stay(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    qs = selectors.cases_in_scope(actor).filter(status__in=STAY_STATUSES, long_stay=True)
    return item("长期滞留人员", qs, _list_url("long_stay"), hint="身份不明超过 10 天：继续寻亲，每月更新寻亲公告")


def open_incidents(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    approver = can(actor, Capability.APPROVE_RESCUE)
    return item("未结的异常事件", selectors.incidents_in_scope(actor).filter(is_open=True),
                reverse("rescue:incident_list"), urgency=DUE if approver else "normal",
                hint="跟进处置，处置完毕后由站负责人或区域性中心结案" if approver else "记录处置情况")


def extensions_to_decide(actor) -> WorkItem | None:
    if not can(actor, Capability.APPROVE_RESCUE) or not can(actor, Capability.RESCUE_CASES):
        return None
    return item("待审批的延长救助期限申请", selectors.extensions_to_decide(actor), _list_url("extension"),
                urgency=DUE, hint="在救助记录页批准或不批准")


def escalations_waiting(actor) -> WorkItem | None:
    """The regional centre: matters its stations escalated, waiting to be accepted."""
    if not can(actor, Capability.APPROVE_RESCUE) or not can(actor, Capability.RESCUE_CASES):
        return None
    org = actor.organization
    if org is None or not org.is_regional_center:
        return None
    return item("待受理的提级办理事项", selectors.escalations_waiting(actor), _list_url("escalated"), urgency=DUE,
                hint="提级办理或派员下沉协助")


def settlement_overdue(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    qs = selectors.cases_in_scope(actor).filter(selectors.FILTERS["settlement_overdue"][1](selectors.today()))
    wi = item("落户安置超过期限的环节", qs, _list_url("settlement_overdue"), urgency=DUE,
              hint="督促民政部门制定方案、政府批准或办理落户")
    return wi if wi.count else None


def discharge_planned(actor) -> WorkItem | None:
    """Clients whose family was found (family search's confirmation) or who may otherwise go home: arrange it."""
    if not can(actor, Capability.RESCUE_CASES):
        return None
    qs = selectors.cases_in_scope(actor).filter(selectors.FILTERS["discharge_planned"][1](selectors.today()))
    return item("待办离站（已找到家属等）", qs, _list_url("discharge_planned"), urgency=DUE,
                hint="联系家属约定接领，或安排护送返乡，然后办理离站")


ITEMS = [period_due, discharge_planned, long_stay, open_incidents, extensions_to_decide, escalations_waiting,
         settlement_overdue]


def cases_next_steps(actor) -> list[tuple[str, str]]:
    if not can(actor, Capability.RESCUE_CASES):
        return []
    return [("入站登记", reverse("rescue:admission_new")), ("站内概况", reverse("rescue:dashboard"))]


NEXT_STEPS = [cases_next_steps]
