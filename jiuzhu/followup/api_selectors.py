"""Reads the follow-up API needs beyond selectors.py: the filters of its lists checked strictly (an unknown value is
a Chinese 400 naming the parameter, where a page falls back to its default), the region filter of the visits,
the alerts' list with the capability the page checks, one alert, and the page bounds. Scope and audit stay
selectors.py's."""

from __future__ import annotations

from django.db.models import F, QuerySet

from jiuzhu.core.errors import invalid
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, require
from jiuzhu.followup import selectors
from jiuzhu.followup.models import FollowupVisit, RepeatAlert, ReturneeEntry, VisitStatus


def _show(value: str, table: dict, default: str) -> str:
    value = (value or "").strip() or default
    if value not in table:
        allowed = "、".join(f"{key}（{label}）" for key, (label, *_rest) in table.items())
        raise invalid(f"范围“{value[:30]}”不可用，可选：{allowed}", "show")
    return value


def visit_list(*, actor, show: str = "", status: str = "", region_code: str = "") -> QuerySet[FollowupVisit]:
    """The coordinator's work list (default: due this week or before, overdue first by date), as the page's."""
    require(actor, Capability.FOLLOWUP)  # before the filters: 403 first, as the pages
    show = _show(show, selectors.VISIT_FILTERS, "week")
    status = (status or "").strip()
    if status and status not in VisitStatus.values:
        raise invalid(f"回访状态“{status[:30]}”不可用，可选：planned（待回访）、done（已回访）", "status")
    code = (region_code or "").strip()
    region = None
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise invalid(f"区划代码“{code[:20]}”不存在", "region")
    qs = selectors.visit_search(actor=actor, show=show)  # checks FOLLOWUP; scoped
    if status:
        qs = qs.filter(status=status)
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    return qs


def entry_list(*, actor, show: str = "", name: str = ""):
    require(actor, Capability.FOLLOWUP)
    show = _show(show, selectors.ENTRY_FILTERS, "all")
    return selectors.entry_search(actor=actor, show=show, name=(name or "").strip()[:50])


def at_risk_list(*, actor, show: str = ""):
    require(actor, Capability.FOLLOWUP)
    show = _show(show, selectors.AT_RISK_FILTERS, "listed")
    return selectors.at_risk_search(actor=actor, show=show)


def alert_list(*, actor, seen: bool | None = None) -> QuerySet[RepeatAlert]:
    """Repeat alerts of the actor's home region: unseen first (NULL first on both databases), newest first."""
    require(actor, Capability.FOLLOWUP)
    qs = selectors.alerts_in_scope(actor)
    if seen is not None:
        qs = qs.filter(seen_at__isnull=not seen)
    return qs.order_by(F("seen_at").asc(nulls_first=True), "-raised_at", "-pk")


def alert_get(*, actor, alert_id: int) -> RepeatAlert:
    require(actor, Capability.FOLLOWUP)
    return selectors.get_or_404(selectors.alerts_in_scope(actor), alert_id)


def audit_alerts_shown(actor, alerts, *, purpose: str) -> None:
    """The persons an alert names (the returnee or the at-risk person), as the alerts' page audits them."""
    selectors.audit_entries_shown(actor, [a.entry_id for a in alerts if a.entry_id], purpose=purpose)
    selectors.audit_at_risk_shown(actor, [a.at_risk_id for a in alerts if a.at_risk_id], purpose=purpose)


RELAPSE_SHOW = {"waiting": "待接收", "all": "全部"}


def relapse_list(*, actor, show: str = "") -> QuerySet[ReturneeEntry]:
    """The rural-revitalisation office's inbox (selectors.relapse_inbox_qs: HANDLE_WARNINGS, its own notices only),
    newest notice first; `waiting`: not yet received."""
    qs = selectors.relapse_inbox_qs(actor)
    show = (show or "").strip() or "waiting"
    if show not in RELAPSE_SHOW:
        raise invalid(f"范围“{show[:30]}”不可用，可选：waiting（待接收）、all（全部）", "show")
    if show == "waiting":
        qs = qs.filter(relapse_received_at__isnull=True)
    return qs.order_by("-relapse_notified_at", "-pk")
