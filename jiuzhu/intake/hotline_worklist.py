"""Work-list lines of the hotline part (see worklist.py): complaints waiting for an answer, and those past
their deadline (DUE), each a capped count in the user's jurisdiction."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.intake import hotline_selectors as selectors


def _operator(actor) -> bool:
    return can(actor, Capability.INTAKE) and not is_department_actor(actor)


def complaints_open(actor) -> WorkItem | None:
    if not _operator(actor):
        return None
    return item("待答复的热线投诉", selectors.open_complaints(actor), reverse("intake:hotline_list") + "?open=1",
                hint="在投诉办理期限内书面答复来电人")


def complaints_overdue(actor) -> WorkItem | None:
    if not _operator(actor):
        return None
    return item("超期未答复的热线投诉", selectors.overdue_complaints(actor),
                reverse("intake:hotline_list") + "?overdue=1", urgency=DUE, hint="已超过投诉办理期限，请尽快答复")


def next_steps(actor) -> list[tuple[str, str]]:
    if not _operator(actor):
        return []
    return [("登记热线来电", reverse("intake:hotline_new"))]


ITEMS: list = [complaints_overdue, complaints_open]
NEXT_STEPS: list = [next_steps]
