"""Printable forms (A4): the household's 低保/特困 approval form (审批表) and the notice to the applicant
(告知书) of approval or refusal. Thin pages: view_registry + jurisdiction (404 outside), and every person the
form shows is audited as read, like the household page."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jiuzhu.core.models import Region
from jiuzhu.registry import selectors
from jiuzhu.registry.models import DecisionStatus, Tier

# What the assessment's `facts` hold, in the order and words of the form (amounts in yuan).
FACT_LABELS = [
    ("income", "计算期内家庭总收入（元）"),
    ("near_line", "低保边缘线（元／月）"),
    ("pci_tekun", "不计基础养老金等后人均月收入（元）"),
    ("deposits", "家庭存款及金融资产（元）"),
    ("deposit_limit", "人均存款上限（元）"),
    ("vehicles", "机动车辆（辆）"),
    ("vehicle_value", "机动车辆价值（元）"),
    ("houses", "房产（套）"),
    ("rigid", "计算期内刚性支出（元）"),
]
FACT_COUNTS = {"vehicles", "houses"}
DECIDED = (DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN)
GRANTING_TIERS = (Tier.DIBAO, Tier.TEKUN)
APPEAL_DAYS = 60  # 行政复议法：自知道该行政行为之日起六十日内
LAWSUIT_MONTHS = 6  # 行政诉讼法第四十六条：自知道或者应当知道作出行政行为之日起六个月内


def _facts(decision) -> list[list[tuple[str, str]]]:
    """The assessment's figures as label/value pairs, two to a printed row."""
    facts = decision.all_facts
    cells = [(label, _figure(key, facts[key])) for key, label in FACT_LABELS if facts.get(key) not in (None, "")]
    if facts.get("window_start"):
        cells.insert(0, ("收入计算期", f"{str(facts['window_start'])[:10]} 至 {decision.assessed_on:%Y-%m-%d}"))
    if len(cells) % 2:
        cells.append(("", ""))
    return [cells[i:i + 2] for i in range(0, len(cells), 2)]


def _figure(key: str, value) -> str:
    """An amount with two decimals as money is written (the facts' JSON gives 289695.0 or 600); counts as they are."""
    if key in FACT_COUNTS or isinstance(value, bool) or not isinstance(value, int | float | str):
        return str(value)
    try:
        return f"{Decimal(str(value)):.2f}"
    except InvalidOperation:
        return str(value)


def _county_government(household) -> str:
    """Who hears an administrative review of a county civil-affairs decision (行政复议法 2023, art. 24: the
    government at the department's level)."""
    county = Region.objects.filter(code=household.region.code[:6], level="county").first()
    return f"{county.name}人民政府" if county else "县级人民政府"


def _form_context(request, decision_id: int, purpose: str) -> dict:
    decision = selectors.print_decision_get(actor=request.user, decision_id=decision_id, purpose=purpose)
    household = decision.household
    members = selectors.with_identity_shown(request.user,
                                            selectors.household_members(actor=request.user, household=household))
    facts = decision.all_facts
    return {
        "decision": decision, "household": household, "members": members,
        "birth_label": selectors.birth_label(request.user),
        "facts": _facts(decision),
        "coverage": facts.get("coverage") or {}, "warnings": facts.get("warnings") or [],
        "decided": decision.status in DECIDED,
        "printed_on": dt.date.today(),
    }


@login_required
def approval_form(request, decision_id: int):
    """审批表: household, members, means test with its periods, the assessment's figures, the standard, the
    decision, approver and date, and the boxes for signatures and seals."""
    context = _form_context(request, decision_id, "print_approval")
    household = context["household"]
    context.update(selectors.means_in_force(actor=request.user, household=household))
    return render(request, "registry/print_approval.html", context)


@login_required
def notice(request, decision_id: int):
    """告知书 to the applicant: approval with tier, amount and start date, or refusal with the reason and how to
    appeal (行政复议 within 60 days, 行政诉讼 within 6 months). Only a decided decision has a notice."""
    context = _form_context(request, decision_id, "print_notice")
    decision = context["decision"]
    if not context["decided"]:  # shown in the red box instead of a notice
        return render(request, "registry/print_notice.html", {**context, "refused": "该认定尚未审批，不能出具告知书"})
    approved = decision.tier in GRANTING_TIERS
    grant = selectors.grant_for_decision(actor=request.user, decision=decision) if approved else None
    context.update({
        "approved": approved, "grant": grant,
        "start": grant.period_start if grant else decision.valid_from,
        # A refusal by override gives the approver's reason; a confirmed "none" gives the assessment's.
        "refusal_reasons": [] if approved else
        [decision.override_reason] if decision.override_reason else decision.all_reasons,
        "review_body": _county_government(decision.household),
        "appeal_days": APPEAL_DAYS, "lawsuit_months": LAWSUIT_MONTHS,
    })
    return render(request, "registry/print_notice.html", context)
