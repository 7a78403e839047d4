"""Work-list lines of the street part (core/worklist.py): for station staff, sightings waiting for contact (urgent:
someone is on the street), sightings contacted and waiting for their outcome, and today's patrols still to plan
when the station has fewer than its settings ask for. Each a capped count in scope."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.rescue import street_selectors as selectors


def _staff(actor) -> bool:
    return can(actor, Capability.RESCUE_CASES)


def awaiting_contact(actor) -> WorkItem | None:
    if not _staff(actor):
        return None
    return item("待接触的发现报告", selectors.awaiting_contact(actor),
                reverse("rescue:sighting_list") + "?status=dispatched", urgency=DUE,
                hint="尽快派人到现场，见到本人后登记接触时间")


def awaiting_my_team(actor) -> WorkItem | None:
    """Members of a patrol team: the sightings handed to their team (none shown when they are in no team)."""
    if not _staff(actor) or not actor.patrol_teams.exists():
        return None
    return item("派给我所在巡查队、待接触的发现报告", selectors.awaiting_my_team(actor),
                reverse("rescue:sighting_list") + "?status=dispatched&mine=1", urgency=DUE,
                hint="巡查队尽快到现场，见到本人后登记接触时间")


def awaiting_outcome(actor) -> WorkItem | None:
    if not _staff(actor):
        return None
    return item("已接触、待登记处置结果的发现报告", selectors.awaiting_outcome(actor),
                reverse("rescue:sighting_list") + "?status=contacted",
                hint="登记引导入站、送医、拒绝救助（留下的物品）或未找到")


def patrols_short(actor) -> WorkItem | None:
    if not _staff(actor):
        return None
    day = selectors.patrol_day(actor)
    if day is None or not day.short:
        return None
    return WorkItem(label="今日巡查排班不足（次）", count=day.short, url=reverse("rescue:patrol_list"), urgency=DUE,
                    hint=f"今日应巡查 {day.required} 次，已排班 {day.planned} 次")


ITEMS = [awaiting_contact, awaiting_my_team, awaiting_outcome, patrols_short]


def street_next_steps(actor) -> list[tuple[str, str]]:
    if not _staff(actor):
        return []
    return [("登记发现报告", reverse("rescue:sighting_new")), ("街面巡查", reverse("rescue:patrol_list"))]


NEXT_STEPS = [street_next_steps]
