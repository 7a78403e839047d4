"""The registry's lines on the home page's work list (core/worklist.py): each a capped, indexed count in the
actor's jurisdiction with a link to where the work is done. Indexes: migration 0008_worklist_indexes."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import scoped
from jiuzhu.core.worklist import DUE, NORMAL, WorkItem, item
from jiuzhu.registry import checks
from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, GrantStatus, Household, TierDecision
from jiuzhu.registry.selectors import in_jurisdiction

EXPIRY_DAYS = 30  # a decision whose validity ends within this many days needs its review
STALE_DAYS = 30  # a suggestion waiting longer than this is overdue
QUEUE_URL = "/registry/queue/"  # the approver's queue (registry:queue)
# The condition of the partial index tier_pending_warned (migration 0009), written as SQLite stores it.
WARNED_SQLITE = "registry_tierdecision.status = 'recommended' AND registry_tierdecision.warned"


def _url(name: str, fallback: str, query: str = "") -> str:
    try:
        url = reverse(name)
    except NoReverseMatch:
        url = fallback
    return url + (f"?{query}" if query else "")


def _in_jurisdiction(qs, actor):
    """`qs` (decisions, grants) in the actor's jurisdiction. PostgreSQL asks each row's household on its own:
    the capped count walks the row's index (status, valid_to or created_at) and stops, instead of joining every
    household of the county first (1M households: the expiring reviews 31 → 7 ms, grants after death 41 → 7 ms).
    SQLite's planner does the opposite with that form (the expiring reviews 276 ms) and joins well: scoped."""
    if connection.vendor == "postgresql":
        return in_jurisdiction(qs, actor)
    return scoped(qs, actor, region_field="household__region")


def _decisions(actor):
    return _in_jurisdiction(TierDecision.objects.all(), actor)


def pending_decisions(actor) -> WorkItem | None:
    """Approvers: suggestions waiting for a decision; overdue when one has waited over STALE_DAYS."""
    if not can(actor, Capability.DECIDE_TIERS):
        return None
    pending = _decisions(actor).filter(status=DecisionStatus.RECOMMENDED)
    stale = pending.filter(created_at__lt=timezone.now() - dt.timedelta(days=STALE_DAYS)).exists()
    return item("待审批的分层认定", pending, _url("registry:queue", QUEUE_URL), urgency=DUE if stale else NORMAL,
                hint=f"有建议已等待超过 {STALE_DAYS} 天，请尽快审批" if stale else "逐户核对依据后确认或改定")


def expiring_decisions(actor) -> WorkItem | None:
    """Officers and approvers: decisions in force whose validity ends within EXPIRY_DAYS (the review)."""
    if not (can(actor, Capability.RUN_ASSESSMENT) or can(actor, Capability.DECIDE_TIERS)):
        return None
    today = dt.date.today()
    expiring = _decisions(actor).filter(status__in=checks.IN_FORCE, valid_to__gte=today,
                                        valid_to__lte=today + dt.timedelta(days=EXPIRY_DAYS))
    return item(f"{EXPIRY_DAYS} 天内到期、需复核的认定", expiring,
                _url("registry:assessment_run", "/registry/assessment/"), urgency=DUE,
                hint="到期前完成家计调查复核并重新评估")


def coverage_warnings(actor) -> WorkItem | None:
    """Suggestions whose income record does not cover the assessment window (facts["warnings"]), for those who
    decide them: the line links to the approver's queue, which refuses everyone else (an officer sees the
    warning on the household page and in the assessment's result)."""
    if not can(actor, Capability.DECIDE_TIERS):
        return None
    warned = _decisions(actor).filter(status=DecisionStatus.RECOMMENDED, warned=True)  # facts["warnings"] not empty
    if connection.vendor == "sqlite":
        # SQLite uses a partial index only for literal terms (the ORM binds parameters): the index's own WHERE.
        warned = warned.extra(where=[WARNED_SQLITE])  # noqa: S610 - a constant, no user input
    return item("收入记录覆盖不足的待审认定", warned, _url("registry:queue", QUEUE_URL),
                hint="补录评估期内的收入后重新评估，或在审批时核实")


def grants_after_death(actor) -> WorkItem | None:
    """Active grants still paid after the person's death (the report's most urgent finding)."""
    if not can(actor, Capability.VIEW_REGISTRY) or not (
            can(actor, Capability.PROPOSE_GRANTS) or can(actor, Capability.DECIDE_TIERS)):
        return None
    grants = _in_jurisdiction(AssistanceGrant.objects.filter(status=GrantStatus.ACTIVE), actor)
    return item("已死亡人员仍在发放的救助", checks.after_death(grants),
                _url("registry:assistance_report", "/registry/report/assistance/"), urgency=DUE,
                hint="核实后终止发放；重复与过度救助的其他情形见报告")


ITEMS = [pending_decisions, expiring_decisions, coverage_warnings, grants_after_death]


def next_steps(actor) -> list[tuple[str, str]]:
    """What to do when nothing waits: an officer without any household starts by importing or registering."""
    steps = []
    if can(actor, Capability.VIEW_REGISTRY):
        empty = not scoped(Household.objects.filter(Q(is_active=True)), actor).exists()
        if can(actor, Capability.IMPORT_ROSTERS) and empty:
            steps.append(("导入花名册", _url("registry:import", "/registry/import/")))
        if can(actor, Capability.EDIT_REGISTRY):
            steps.append(("登记家庭", _url("registry:household_new", "/registry/households/new/")))
        if can(actor, Capability.RUN_ASSESSMENT) and not empty:
            steps.append(("运行分层评估", _url("registry:assessment_run", "/registry/assessment/")))
        if not empty:
            steps.append(("查看家庭", _url("registry:household_list", "/registry/households/")))
    return steps


NEXT_STEPS = [next_steps]
