"""Monitoring's lines on the home page's work list (core/worklist.py): warnings to visit and to dispose of,
overdue ones (for the owner, and for the level above: the county supervises its townships), referrals waiting
for the clerk's department, and terminations waiting for the approver. Each a capped count in scope."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.models import RegionLevel
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.core.worklist import DUE, NORMAL, WorkItem, item
from jiuzhu.monitoring import warning_selectors as selectors
from jiuzhu.monitoring.models import WarningStatus

ABOVE_TOWNSHIP = {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY}


def _officer(actor) -> bool:
    return can(actor, Capability.HANDLE_WARNINGS) and not is_department_actor(actor)


def _list_url(query: str) -> str:
    return reverse("monitoring:warning_list") + "?" + query


def warnings_to_visit(actor) -> WorkItem | None:
    if not _officer(actor):
        return None
    rows = selectors.warnings_in_scope(actor).filter(status=WarningStatus.OPEN)
    return item("待入户核实的预警", rows, _list_url("status=open"), hint="入户核实（铁脚板核实）后登记结论")


def warnings_to_dispose(actor) -> WorkItem | None:
    """Visited warnings waiting for one of the four dispositions (a referral answered counts too)."""
    if not _officer(actor):
        return None
    rows = selectors.warnings_in_scope(actor).filter(status=WarningStatus.VISITED)
    return item("已核实、待处置的预警", rows, _list_url("status=visited"),
                hint="落实政策、转介部门、一事一议或核查终止")


def warnings_overdue(actor) -> WorkItem | None:
    """The owner sees its own overdue warnings; a county (or above) officer sees its townships' as the level
    above, to press for them (督办)."""
    if not _officer(actor):
        return None
    above = actor.region is not None and actor.region.level in ABOVE_TOWNSHIP
    rows = selectors.overdue_open(actor)
    label = "下级超期未办结的预警（督办）" if above else "超期未办结的预警"
    wi = item(label, rows, _list_url("overdue=1"), urgency=DUE,
              hint="督促属地乡镇尽快办结" if above else "已超过办理期限，请尽快办结")
    return wi


def referred_to_my_department(actor) -> WorkItem | None:
    if not can(actor, Capability.HANDLE_WARNINGS) or not is_department_actor(actor):
        return None
    rows = selectors.department_referrals(actor, answered=False)
    late = rows.filter(due_date__lt=selectors.today()).exists()
    return item("转介本部门、待答复的预警", rows, reverse("monitoring:referred_warnings"),
                urgency=DUE if late else NORMAL, hint="有转介已超过答复期限" if late else "在答复期限内填写办理结果")


def terminations_to_decide(actor) -> WorkItem | None:
    if not can(actor, Capability.DECIDE_TERMINATIONS):
        return None
    return item("待审批的核查终止", selectors.pending_terminations(actor), reverse("monitoring:terminations"),
                hint="核对理由后批准或退回")


ITEMS = [warnings_to_visit, warnings_to_dispose, warnings_overdue, referred_to_my_department,
         terminations_to_decide]


def next_steps(actor) -> list[tuple[str, str]]:
    if _officer(actor):
        return [("查看预警", reverse("monitoring:warning_list"))]
    return []


NEXT_STEPS = [next_steps]
