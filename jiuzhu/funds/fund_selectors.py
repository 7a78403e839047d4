"""Reads of the safety-net fund. Every read takes `actor`: funds outside the actor's region subtree are 404. The
ledger's running balance is computed by the database (a window function), the yearly figures by aggregates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, DecimalField, F, Q, Sum, Value, When, Window
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_persons_shown
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import is_department_actor, scope_q, scoped
from jiuzhu.funds.fund_models import (
    MIN_SHARE,
    SHARE_SOURCES,
    DecisionKind,
    EntryKind,
    EntryStatus,
    Fund,
    FundEntry,
    FundSource,
)

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
# A booked line's effect on the balance: + contribution, − disbursement.
SIGNED = Case(When(kind=EntryKind.CONTRIBUTION, then=F("amount")), default=-F("amount"), output_field=MONEY)


def today() -> dt.date:
    return timezone.localdate()


def may_see_lines(actor) -> bool:
    """Ledger lines (who was helped) for the fund's officers and approvers; statistics roles see the totals."""
    return can(actor, Capability.MANAGE_FUND) or can(actor, Capability.APPROVE_FUND)


def may_see_fund(actor) -> bool:
    return may_see_lines(actor) or can(actor, Capability.VIEW_STATISTICS)


def serving_q(actor, field: str = "region") -> Q:
    """Funds set up above the actor's region that serve it: seed 002's fund is the city's (市级托底救助基金, "困难
    群众的救助诉求要在县(市、区)得到具体解决"), so the officers of its counties read it and propose disbursements
    for their own county's cases; approval stays with the fund's own region."""
    if actor is None or not actor.is_authenticated or actor.is_superuser or actor.region_id is None \
            or is_department_actor(actor):
        return Q(pk__in=[])
    return Q(**{f"{field}__code__in": actor.region.ancestor_codes()[:-1]})


def funds_in_scope(actor):
    """Funds of the actor's region subtree, and the funds above it that serve it (a county sees its city's)."""
    if not may_see_fund(actor):
        return Fund.objects.none()
    qs = Fund.objects.select_related("region").order_by("region__path")
    q = scope_q(actor)
    return qs if q is None else qs.filter(q | serving_q(actor))


def fund_get(*, actor, fund_id: int) -> Fund:
    fund = funds_in_scope(actor).filter(pk=fund_id).first()
    if fund is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    return fund


def is_fund_region_user(actor, fund: Fund) -> bool:
    """The fund's own region (the city for the city's fund): its contributions, approvals and every ledger line."""
    q = scope_q(actor)
    return q is None or Fund.objects.filter(q, pk=fund.pk).exists()


def _own_cases_q(actor) -> Q:
    """Disbursements of a serving fund to households of the actor's region (a county: its own cases)."""
    return serving_q(actor, "fund__region") & Q(household__region__path__startswith=actor.region.path) \
        if actor.region_id else Q(pk__in=[])


def entries_in_scope(actor):
    """Ledger lines that show who was helped: every line of the actor's region's funds; of a fund above it, the
    disbursements to the actor's own region's households."""
    if not may_see_lines(actor):
        return FundEntry.objects.none()
    q = scope_q(actor, region_field="fund__region")
    return FundEntry.objects.all() if q is None else FundEntry.objects.filter(q | _own_cases_q(actor))


def entry_get(*, actor, entry_id: int) -> FundEntry:
    try:
        return entries_in_scope(actor).select_related("fund__region", "household__head", "household__region",
                                                      "recorded_by", "decided_by").get(pk=entry_id)
    except FundEntry.DoesNotExist:
        raise Http404("记录不存在或不在您的管辖范围内") from None


def balance(fund: Fund, *, before: dt.date | None = None) -> Decimal:
    """The booked balance (all booked lines, or those before a date): one aggregate."""
    qs = FundEntry.objects.filter(fund=fund, status=EntryStatus.BOOKED)
    if before is not None:
        qs = qs.filter(entry_date__lt=before)
    return qs.aggregate(v=Coalesce(Sum(SIGNED), ZERO))["v"]


def pending_out(fund: Fund) -> Decimal:
    """Disbursements prepared and not yet decided: promised money the balance must still cover."""
    return FundEntry.objects.filter(fund=fund, kind=EntryKind.DISBURSEMENT, status=EntryStatus.PENDING)\
        .aggregate(v=Coalesce(Sum("amount"), ZERO))["v"]


def ledger(fund: Fund, year: int, actor=None):
    """The year's booked lines in date order, each with the running balance after it: the window sum over the
    year plus the balance brought forward, both computed by the database. `shown` says whether the line's
    household may be shown to `actor`: every line to the fund's own region, a serving fund's lines of other
    counties' households to nobody below it (their amounts stay, so the balance adds up)."""
    opening = balance(fund, before=dt.date(year, 1, 1))
    if actor is None or is_fund_region_user(actor, fund):
        shown = Value(True, output_field=BooleanField())
    else:
        shown = Case(When(Q(kind=EntryKind.CONTRIBUTION) | _own_cases_q(actor), then=Value(True)),
                     default=Value(False), output_field=BooleanField())
    running = Window(Sum(SIGNED), partition_by=[F("fund_id")], order_by=[F("entry_date").asc(), F("id").asc()])
    return (FundEntry.objects.filter(fund=fund, status=EntryStatus.BOOKED, entry_date__year=year)
            .select_related("household__head", "household__region")
            .annotate(running=running)
            .annotate(balance=F("running") + Value(opening, output_field=MONEY), shown=shown)
            .order_by("entry_date", "id"))


def pending_disbursements(actor, fund: Fund | None = None):
    qs = entries_in_scope(actor).filter(kind=EntryKind.DISBURSEMENT, status=EntryStatus.PENDING)
    if fund is not None:
        qs = qs.filter(fund=fund)
    return qs.select_related("household__head", "household__region", "fund").order_by("recorded_at")


def disbursements_to_decide(actor):
    """Pending disbursements the actor may decide: those of their own region's funds (a county's approver sees
    its cases in the city's fund, the city decides them)."""
    q = scope_q(actor, region_field="fund__region")
    qs = pending_disbursements(actor)
    return qs if q is None else qs.filter(q)


def year_summary(fund: Fund, year: int) -> dict:
    """The yearly statement's figures: brought forward, in by source (with the one-third rule of seed 002 for the
    red cross and the charity federation), out by decision kind, carried forward."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    booked = FundEntry.objects.filter(fund=fund, status=EntryStatus.BOOKED, entry_date__gte=start,
                                      entry_date__lt=end)
    by_source = {r["source"]: r for r in booked.filter(kind=EntryKind.CONTRIBUTION).values("source").annotate(
        total=Sum("amount"), available=Sum("available_funds"))}
    sources = []
    for code, label in FundSource.choices:
        row = by_source.get(code, {})
        total = row.get("total") or Decimal("0.00")
        available = row.get("available")
        share = (total / available) if available else None
        sources.append({"code": code, "label": label, "total": total, "available": available, "share": share,
                        "rule": code in SHARE_SOURCES,
                        "meets_rule": (share is not None and share >= MIN_SHARE) if code in SHARE_SOURCES else None})
    by_kind = {r["decision_kind"]: r for r in booked.filter(kind=EntryKind.DISBURSEMENT).values("decision_kind")
               .annotate(total=Sum("amount"), households=Count("id"))}
    kinds = [{"code": c, "label": lbl, "total": by_kind.get(c, {}).get("total") or Decimal("0.00"),
              "count": by_kind.get(c, {}).get("households") or 0} for c, lbl in DecisionKind.choices]
    opening = balance(fund, before=start)
    income = sum((s["total"] for s in sources), Decimal("0.00"))
    spent = sum((k["total"] for k in kinds), Decimal("0.00"))
    return {"year": year, "opening": opening, "sources": sources, "income": income, "kinds": kinds,
            "spent": spent, "closing": balance(fund, before=end)}


def audit_heads_shown(actor, entries, *, purpose: str) -> int:
    """The household heads a ledger page or statement shows: one set-based audit statement."""
    if not isinstance(entries, list):
        if "shown" in entries.query.annotations:
            entries = entries.filter(shown=True)
        heads = entries.filter(household__head__isnull=False).order_by().values_list("household__head_id", flat=True)
    else:
        heads = [e.household.head_id for e in entries
                 if e.household_id and e.household.head_id and getattr(e, "shown", True)]
    return audit_persons_shown(actor=actor, persons=heads, purpose=purpose)




def person_by_id_number(actor, text: str, *, field: str, label: str = "身份证号码"):
    """The registry person with this ID number, within the actor's jurisdiction; a Chinese error naming the
    field otherwise (out of scope reads as not registered: nothing leaks)."""
    from jiuzhu.core.crypto import keyed_hash
    from jiuzhu.core.errors import invalid
    from jiuzhu.core.identity import IdNumberError, normalize_id_number
    from jiuzhu.registry.selectors import persons_in_scope

    try:
        number = normalize_id_number((text or "").strip())
    except IdNumberError as exc:
        raise invalid(f"{label}不正确：{exc}" if str(exc) else f"{label}不正确", field) from None
    person = persons_in_scope(actor).select_related("region", "household__region")\
        .filter(id_number_hash=keyed_hash(number)).first()
    if person is None:
        raise invalid(f"本辖区低收入人口库中没有{label}为该号码的人员", field)
    return person


def household_of_case(actor, case):
    """The household of a decided case (core/references.DecidedCase), within the actor's jurisdiction; the head
    shown on the form is audited."""
    from jiuzhu.core.audit import audit_read
    from jiuzhu.registry.models import Household

    household = scoped(Household.objects.select_related("head", "region"), actor).filter(
        pk=case.household_id).first()
    if household is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    audit_read(actor, household, person_id=household.head_id, detail={"purpose": "托底救助基金拟定支出"})
    return household


def disbursement_household(actor, *, case, head_id_number: str):
    """The household a disbursement is for: the decided case's (404 out of scope), else the registered household of
    the person with this ID number in the actor's jurisdiction (a Chinese error naming head_id_number)."""
    from jiuzhu.core.errors import invalid

    if case is not None:
        return household_of_case(actor, case)
    if not (head_id_number or "").strip():
        raise invalid("请填写救助家庭户主（或成员）身份证号码", "head_id_number")
    person = person_by_id_number(actor, head_id_number, field="head_id_number")
    if person.household_id is None:
        raise invalid("该人员没有登记家庭", "head_id_number")
    return person.household
