"""Work-list lines of the referral part (see worklist.py, core/worklist.py).

The department clerk: referrals waiting to be accepted, in progress, and overdue. The window's officer: returned
referrals to re-send, and the overdue referrals of their applications; an officer of a county (or above) sees
the overdue referrals of their townships' applications as the level above, to press for them (督办), as
monitoring's warnings_overdue does. "Overdue" is the deadline sweep's mark (deadline_sweep.py), so a line appears
once the owner and the level above have been told. The sweep's other marks (applications, assist-first
paperwork) appear here for the level above (督办), linking to the window's list; the owners' own lines belong to
the window part's work list, and overdue complaints to the hotline part's (its line covers the county's subtree)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from jiuzhu.core.models import RegionLevel
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.core.worklist import DUE, NORMAL, WorkItem, item
from jiuzhu.intake import referral_selectors as selectors

ABOVE_TOWNSHIP = {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY}


def _clerk(actor) -> bool:
    return can(actor, Capability.INTAKE) and is_department_actor(actor)


def _officer(actor) -> bool:
    return can(actor, Capability.INTAKE) and not is_department_actor(actor)


def _inbox(query: str) -> str:
    return reverse("intake:department_inbox") + "?" + query


def referrals_to_accept(actor) -> WorkItem | None:
    if not _clerk(actor):
        return None
    return item("待接收的转办事项", selectors.waiting_acceptance(actor), _inbox("status=sent"),
                hint="接收后在办理期限内办结；不能办理的写明理由退回")


def referrals_in_progress(actor) -> WorkItem | None:
    if not _clerk(actor):
        return None
    return item("办理中的转办事项", selectors.in_progress(actor), _inbox("status=accepted"),
                hint="在办理期限内办结，写明办理情况")


def referrals_overdue(actor) -> WorkItem | None:
    """The clerk's own overdue referrals; the window's overdue referrals; a county officer's townships' (督办)."""
    if not (_clerk(actor) or _officer(actor)):
        return None
    above = _officer(actor) and actor.region is not None and actor.region.level in ABOVE_TOWNSHIP
    label = "下级超期未办结的转办事项（督办）" if above else "超期未办结的转办事项"
    hint = ("督促承办部门和属地窗口尽快办结" if above else
            "已超过办理期限，请尽快办结" if _clerk(actor) else "已超过办理期限，请督促承办部门办结")
    return item(label, selectors.overdue_open(actor), _inbox("overdue=1"), urgency=DUE, hint=hint)


def referrals_returned(actor) -> WorkItem | None:
    if not _officer(actor):
        return None
    rows = selectors.returned_to_resend(actor)
    return item("部门退回、待重新转办的事项", rows, _inbox("status=returned"), urgency=NORMAL,
                hint="按退回理由补正后重新转办")


def _url(name: str, query: str) -> str | None:
    """The list page of another intake part (the window's application_list), or None while that part is not
    installed: the line is then left out rather than pointing nowhere."""
    try:
        return reverse(name) + "?" + query
    except NoReverseMatch:
        return None


def _supervisor(actor) -> bool:
    """The level above the windows: an officer of a county (or above)."""
    return _officer(actor) and actor.region is not None and actor.region.level in ABOVE_TOWNSHIP


def applications_overdue_below(actor) -> WorkItem | None:
    """督办: the townships' applications past their deadline (the window's own line is the window part's)."""
    url = _url("intake:application_list", "overdue=1")
    if url is None or not _supervisor(actor):
        return None
    return item("下级超期未办结的申请（督办）", selectors.overdue_applications(actor), url, urgency=DUE,
                hint="督促属地窗口尽快办结")


def assist_first_overdue_below(actor) -> WorkItem | None:
    """督办: assist-first grants whose paperwork is late."""
    url = _url("intake:application_list", "assist_first_overdue=1")
    if url is None or not _supervisor(actor):
        return None
    return item("下级先行救助超期未补齐手续（督办）", selectors.overdue_assist_first(actor), url, urgency=DUE,
                hint="督促经办人补齐申请材料和审核手续")


ITEMS = [referrals_to_accept, referrals_in_progress, referrals_overdue, referrals_returned,
         applications_overdue_below, assist_first_overdue_below]


def next_steps(actor) -> list[tuple[str, str]]:
    if _clerk(actor):
        return [("查看转给本部门的事项", reverse("intake:department_inbox"))]
    return []


NEXT_STEPS = [next_steps]
