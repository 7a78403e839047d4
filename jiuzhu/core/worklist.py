"""Work lists: the home page of each role is the list of what waits for that user.

Each jiuzhu app may have a `worklist.py` declaring

    ITEMS = [callable(actor) -> WorkItem | None, ...]

found through core/discovery (core never imports an app by name). An item answers None when the actor's
capabilities do not open it, and a WorkItem (possibly with count 0) otherwise. Counts are capped
(`capped_count`): a home page never counts a whole province's rows, it says "99+" instead, so each
count is one indexed query bounded by the cap.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from jiuzhu.core.discovery import app_modules
from jiuzhu.core.models import TaskRunStatus
from jiuzhu.core.permissions import Capability, can

log = logging.getLogger(__name__)

COUNT_CAP = 99  # above this a count is shown as "99+": the linked page has the exact figure
DUE = "due"
NORMAL = "normal"


@dataclass(frozen=True)
class WorkItem:
    label: str  # Chinese: what waits ("待审批的分层认定")
    count: int
    url: str
    urgency: str = NORMAL  # DUE: overdue or about to be; shown first, in red
    hint: str = ""  # Chinese: what to do about it
    capped: bool = False  # count reached COUNT_CAP: there are at least that many

    @property
    def shown_count(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)


def capped_count(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): counts at most `cap` + 1 rows (SELECT COUNT(*) FROM (… LIMIT cap+1)), so the
    database stops early however many rows match."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def item(label: str, queryset: QuerySet, url: str, *, urgency: str = NORMAL, hint: str = "") -> WorkItem:
    count, capped = capped_count(queryset)
    return WorkItem(label=label, count=count, url=url, urgency=urgency, hint=hint, capped=capped)


def providers() -> list[Callable]:
    return [provider for _, module in app_modules("worklist") for provider in getattr(module, "ITEMS", [])]


def next_steps(actor) -> list[tuple[str, str]]:
    """(label, url) suggestions for an empty work list, from every app's NEXT_STEPS."""
    return [step for _, module in app_modules("worklist") for provider in getattr(module, "NEXT_STEPS", [])
            for step in provider(actor)]


def work_items(actor) -> list[WorkItem]:
    """The actor's items: those with something to do first (due before normal), then the empty ones."""
    items = [wi for provider in providers() if (wi := provider(actor)) is not None]
    return sorted(items, key=lambda wi: (wi.count == 0, wi.urgency != DUE))


# ---- core's own items ------------------------------------------------------------------------------

def disclosure_alerts_item(actor) -> WorkItem | None:
    """Auditors: users refused further "registered elsewhere" answers in the last 30 days."""
    if not can(actor, Capability.VIEW_AUDIT_LOG):
        return None
    from jiuzhu.core.selectors import disclosure_alerts

    return item("越权查询超限记录（近 30 天）", disclosure_alerts(actor=actor),
                reverse("core:audit_log") + "?action=disclosure_limit", urgency=DUE,
                hint="核实这些用户为何反复查询管辖范围外的人员")


def locked_accounts_item(actor) -> WorkItem | None:
    """Administrators: accounts of their jurisdiction locked after failed sign-ins."""
    if not can(actor, Capability.ADMINISTER):
        return None
    from jiuzhu.core.auth import sign_in_locks

    locks = sign_in_locks(actor=actor)
    return WorkItem(label="被锁定的账号", count=len({lock["user"].pk for lock in locks}),
                    url=reverse("core:sign_in_locks"), urgency=DUE if locks else NORMAL,
                    hint="确认是本人后解除锁定")


def failed_task_runs_item(actor) -> WorkItem | None:
    """Everyone: the user's own background jobs that failed in the last 7 days."""
    from jiuzhu.core.taskruns import task_runs_for

    since = timezone.now() - dt.timedelta(days=7)
    runs = task_runs_for(actor=actor).filter(status=TaskRunStatus.FAILED, created_at__gte=since)
    wi = item("失败的后台任务（近 7 天）", runs, reverse("core:task_runs"), urgency=DUE,
              hint="查看失败原因，修正后重新发起")
    return wi if wi.count else None  # an empty "failed jobs" line is noise on every home page


ITEMS = [disclosure_alerts_item, locked_accounts_item, failed_task_runs_item]


def core_next_steps(actor) -> list[tuple[str, str]]:
    steps = []
    if can(actor, Capability.VIEW_AUDIT_LOG):
        steps.append(("查询审计日志", reverse("core:audit_log")))
    if can(actor, Capability.ADMINISTER):
        steps.append(("用户管理", reverse("core:users")))
    return steps


NEXT_STEPS = [core_next_steps]
