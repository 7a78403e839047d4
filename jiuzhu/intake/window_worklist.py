"""Work-list lines of the window part (see worklist.py): for intake officers, applications waiting to be
accepted, materials pending, open applications near or past their deadline, assist-first paperwork outstanding;
for approvers, in-house items proposed and waiting for the decision. Each a capped count in scope."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.intake import application_selectors as selectors


def _officer(actor) -> bool:
    return can(actor, Capability.INTAKE) and not is_department_actor(actor)


def _list_url(query: str) -> str:
    return reverse("intake:application_list") + "?" + query


def submitted_waiting(actor) -> WorkItem | None:
    if not _officer(actor):
        return None
    return item("待受理的网上申请和线索", selectors.submitted_waiting(actor), _list_url("status=submitted"),
                hint="在受理时限内受理，或书面告知不予受理的理由")


def materials_pending(actor) -> WorkItem | None:
    if not _officer(actor):
        return None
    return item("待补正材料的申请", selectors.materials_pending(actor), _list_url("status=materials_pending"),
                hint="出具一次性告知书，收到材料后登记")


def due_soon(actor) -> WorkItem | None:
    if not _officer(actor):
        return None
    return item(f"临近（{selectors.DUE_SOON_DAYS} 天内）或超过办结期限的申请", selectors.due_soon(actor),
                _list_url("due=soon"), urgency=DUE, hint="限时办结：请尽快办理或督促转办部门")


def assist_first_outstanding(actor) -> WorkItem | None:
    if not _officer(actor):
        return None
    return item("先行救助待补齐手续", selectors.assist_first_outstanding(actor), _list_url("assist=open"),
                urgency=DUE, hint="急难救助已先行发放，请在期限内补齐申请材料和审核手续")


def items_to_decide(actor) -> WorkItem | None:
    if not can(actor, Capability.DECIDE_INTAKE) or is_department_actor(actor):
        return None
    return item("有事项已初审、待审核确认的申请", selectors.items_to_decide(actor), _list_url("proposed=1"),
                hint="审核确认：给予救助或书面说明不予救助的理由")


ITEMS = [submitted_waiting, materials_pending, due_soon, assist_first_outstanding, items_to_decide]


def window_next_steps(actor) -> list[tuple[str, str]]:
    if not _officer(actor):
        return []
    return [("受理登记（一表登记）", reverse("intake:application_new")),
            ("查看申请办理", reverse("intake:application_list"))]


NEXT_STEPS = [window_next_steps]
