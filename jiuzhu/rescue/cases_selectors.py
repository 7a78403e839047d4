"""Reads of the cases part. Every function takes the actor and applies the scope: a station sees its own
records; the level above (a regional centre, whose children are stations) sees its stations'. Out of scope is
404. Showing a client writes an audit row (one statement for a list)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_persons_shown, audit_read
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import Event, Organization, OrganizationKind, RegionSetting
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404, scope_q, scoped
from jiuzhu.rescue import settings_catalog as sc
from jiuzhu.rescue.models import (
    OPEN_ESCALATION_STATUSES,
    STAY_STATUSES,
    CaseStatus,
    DischargePlan,
    DischargePlanStatus,
    Escalation,
    EscalationStatus,
    ExtensionStatus,
    Incident,
    PeriodExtension,
    RescueCase,
    Settlement,
    SettlementStage,
)
from jiuzhu.rescue.scopes import CASE_SCOPE

CASE_OBJECT_TYPE = "rescue.rescuecase"
PERIOD_DUE_SOON_DAYS = 2  # the work list's reminder before the rescue period ends
CENSUS_DAYS = 14


def today() -> dt.date:
    return timezone.localdate()


def cases_in_scope(actor):
    require(actor, Capability.RESCUE_CASES)
    return scoped(RescueCase.objects.all(), actor, **CASE_SCOPE)


def overdue_q(on: dt.date) -> Q:
    """In stay past the rescue period (its extension included)."""
    return Q(status__in=STAY_STATUSES) & (Q(extended_until__isnull=True, period_end__lt=on)
                                          | Q(extended_until__lt=on))


def due_soon_q(on: dt.date) -> Q:
    """In stay, the period (or its extension) ending within PERIOD_DUE_SOON_DAYS days or already past."""
    limit = on + dt.timedelta(days=PERIOD_DUE_SOON_DAYS)
    return Q(status__in=STAY_STATUSES) & (Q(extended_until__isnull=True, period_end__lte=limit)
                                          | Q(extended_until__lte=limit))


FILTERS = {
    "in_station": ("在站", lambda on: Q(status=CaseStatus.IN_STATION)),
    "stay": ("在站及站外（全部在册）", lambda on: Q(status__in=STAY_STATUSES)),
    "in_hospital": ("送医", lambda on: Q(status=CaseStatus.IN_HOSPITAL)),
    "in_foster": ("站外托养", lambda on: Q(status=CaseStatus.IN_FOSTER)),
    "long_stay": ("长期滞留", lambda on: Q(status__in=STAY_STATUSES, long_stay=True)),
    "overdue": ("超过救助期限", overdue_q),
    "due": ("救助期限将到或已过", due_soon_q),
    "extension": ("延长救助期限待审批", lambda on: Q(pk__in=PeriodExtension.objects.filter(
        status=ExtensionStatus.REQUESTED).values("case_id"))),
    "escalated": ("提级办理中", lambda on: Q(pk__in=Escalation.objects.filter(
        status__in=OPEN_ESCALATION_STATUSES).values("case_id"))),
    "settlement": ("落户安置办理中", lambda on: Q(pk__in=Settlement.objects.exclude(
        stage=SettlementStage.SETTLED).values("case_id"))),
    "settlement_overdue": ("落户安置超过期限", lambda on: Q(pk__in=Settlement.objects.exclude(
        stage=SettlementStage.SETTLED).filter(due_on__lt=on).values("case_id"))),
    "discharge_planned": ("待办离站（已找到家属等）", lambda on: Q(
        status__in=STAY_STATUSES, pk__in=DischargePlan.objects.filter(status=DischargePlanStatus.PENDING)
        .values("case_id"))),
    "discharged": ("已离站", lambda on: Q(status=CaseStatus.DISCHARGED)),
    "refused": ("不予救助", lambda on: Q(status=CaseStatus.REFUSED)),
    "all": ("全部", lambda on: Q()),
}


def case_search(*, actor, show: str = "stay", name: str = "", station_id: int | None = None):
    """The case list: one of FILTERS, a name prefix (无名氏 for the unnamed), newest admission first."""
    on = today()
    qs = cases_in_scope(actor).filter(FILTERS.get(show, FILTERS["stay"])[1](on))
    name = (name or "").strip()
    if name == "无名氏":
        qs = qs.filter(name="")
    elif name:
        qs = qs.filter(name__startswith=name)
    if station_id:
        qs = qs.filter(station_id=station_id)
    return qs.select_related("station").order_by("-admitted_on", "-pk")


def audit_cases_shown(actor, cases, *, purpose: str) -> int:
    """One READ row per client shown by a list or an export (a single INSERT … SELECT). The client has no
    registry person id: the row's person_id column carries the rescue record's id, object_type says so."""
    return audit_persons_shown(actor=actor, persons=cases, purpose=purpose, object_type=CASE_OBJECT_TYPE)


def case_get(*, actor, case_id: int, purpose: str = "page") -> RescueCase:
    """One rescue record, audited; 404 out of scope."""
    require(actor, Capability.RESCUE_CASES)
    case = get_scoped_or_404(RescueCase.objects.select_related("station", "registry_home_region", "created_by"),
                             actor, scope=CASE_SCOPE, pk=case_id)
    audit_read(actor, case, detail={"purpose": purpose})
    return case


@dataclass(frozen=True)
class ShownIdentity:
    id_number: str  # full, masked, or ""
    birth_or_age: str  # a birth date only beside a full number; otherwise the age
    birth_label: str


def shown_identity(actor, case: RescueCase, on: dt.date | None = None) -> ShownIdentity:
    """The ID number as the actor may see it; a masked number never sits beside the birth date."""
    on = on or today()
    number = decrypt_text(case.id_number_cipher) if case.id_number_cipher else ""
    age = case.age_on(on)
    age_text = "" if age is None else (f"{age}岁" if case.birth_date else f"约{age}岁（估计）")
    if can(actor, Capability.VIEW_FULL_ID):
        birth = case.birth_date.isoformat() if case.birth_date else age_text
        return ShownIdentity(number, birth, "出生日期" if case.birth_date else "年龄")
    return ShownIdentity(mask_id_number(number) if number else "", age_text, "年龄")


def case_timeline(*, actor, case: RescueCase):
    """Every event of the record, oldest first (the caller has read the record through case_get)."""
    return Event.objects.filter(subject_type=CASE_OBJECT_TYPE, subject_id=str(case.pk))\
        .select_related("actor", "organization").order_by("occurred_at", "id")


def case_placements(case: RescueCase):
    return case.placements.prefetch_related("visits").order_by("started_on", "pk")


def open_placement(case: RescueCase):
    return case.placements.filter(ended_on__isnull=True).first()


def pending_discharge_plan(case: RescueCase) -> DischargePlan | None:
    """The 待办离站 of a client in stay (the case page shows it above the discharge form)."""
    if case.status not in STAY_STATUSES:
        return None
    return DischargePlan.objects.filter(case=case, status=DischargePlanStatus.PENDING).first()


def pending_extension(case: RescueCase):
    return case.extensions.filter(status=ExtensionStatus.REQUESTED).first()


def extensions_to_decide(actor, *, station_ids: list[int] | None = None):
    """Pending extensions of the records in scope, for holders of APPROVE_RESCUE. `station_ids`: the actor's
    stations already resolved by _scope_station_ids (the dashboard has them)."""
    if not can(actor, Capability.APPROVE_RESCUE):
        return PeriodExtension.objects.none()
    require(actor, Capability.RESCUE_CASES)
    # The few pending ones whose record's station is in scope (the rows of `case IN (the records in scope)`):
    # asked that way, or joined to the station and region with the scope's OR, SQLite and PostgreSQL read
    # every record of the stations first (25,000 at a busy one, 60-130 ms).
    ids = _scope_station_ids(actor) if station_ids is None else station_ids
    pending = PeriodExtension.objects.filter(status=ExtensionStatus.REQUESTED)
    return pending if ids is None else pending.filter(case__station_id__in=ids)


# ---- Incidents -------------------------------------------------------------------------------------------

def incidents_in_scope(actor):
    require(actor, Capability.RESCUE_CASES)
    return scoped(Incident.objects.all(), actor, **CASE_SCOPE)


def incident_search(*, actor, show: str = "open"):
    qs = incidents_in_scope(actor)
    if show == "open":
        qs = qs.filter(is_open=True)
    elif show == "closed":
        qs = qs.filter(is_open=False)
    return qs.select_related("station", "case", "reported_by").order_by("-occurred_at", "-pk")


def incident_get(*, actor, incident_id: int) -> Incident:
    incident = get_scoped_or_404(Incident.objects.select_related("station", "case", "reported_by", "closed_by"),
                                 actor, scope=CASE_SCOPE, pk=incident_id)
    audit_read(actor, incident, detail={"purpose": "page"})
    return incident


# ---- The station dashboard ---------------------------------------------------------------------------------

def stations_in_scope(actor):
    """The actor's station and the stations directly below it (a regional centre's)."""
    stations = Organization.objects.filter(kind=OrganizationKind.RESCUE_STATION).select_related("region")
    if actor.is_superuser:
        return stations.order_by("pk")
    org_id = actor.organization_id or 0
    return stations.filter(Q(pk=org_id) | Q(parent_id=org_id)).order_by("pk")


def _beds(actor, stations) -> int | None:
    """Beds of the stations in scope: each station's region setting (rescue_station_beds), summed. One query for
    all of them (a regional centre's 20 stations asked one by one took 20): the rows of every ancestor of their
    regions, each region then taking core.region_settings' rule — nearest ancestor, latest effective date."""
    chains = {s.region_id: s.region.ancestor_codes() for s in stations}
    codes = {code for chain in chains.values() for code in chain}
    latest = {}  # region code -> the value of its latest version in force on the day
    rows = RegionSetting.objects.filter(key=sc.STATION_BEDS_KEY, region__code__in=codes,
                                        effective_from__lte=today())\
        .values_list("region__code", "value").order_by("-effective_from")
    for code, value in rows:
        latest.setdefault(code, value)
    total, known = 0, False
    for station in stations:
        value = next((latest[c] for c in reversed(chains[station.region_id]) if c in latest), None)
        if value is not None:
            total, known = total + int(value), True
    return total if known else None


def _scope_station_ids(actor) -> list[int] | None:
    """The stations whose records CASE_SCOPE shows the actor (None: every station, a superuser), resolved once on
    the organisations. The figures then filter station_id IN (…) and walk each station's index range; joined to
    the station and its region with the OR of the scope, SQLite scanned every organisation for each figure."""
    if scope_q(actor, **CASE_SCOPE) is None:
        return None
    if actor.organization_id is None:
        return []
    stations = scoped(Organization.objects.all(), actor, region_field="region")\
        .filter(Q(pk=actor.organization_id) | Q(parent_id=actor.organization_id))
    return list(stations.values_list("pk", flat=True))


def dashboard(*, actor, station_id: int | None = None) -> dict:
    """Figures of the stations in scope (aggregates, no person shown): in station now, in hospital, in foster
    care, long-stay, overdue periods, admitted today, open incidents, beds, pending extensions (for approvers),
    and the census by day; `station_choices`, the stations the actor may pick. A station out of scope is 404."""
    on = today()
    require(actor, Capability.RESCUE_CASES)
    choices = list(stations_in_scope(actor))
    if station_id and station_id not in {s.pk for s in choices}:
        raise Http404("记录不存在或不在您的管辖范围内")
    scope_ids = _scope_station_ids(actor)  # the same rows as cases_in_scope / incidents_in_scope
    ids = scope_ids
    if station_id:
        ids = [station_id] if ids is None or station_id in ids else []
    qs, incidents = RescueCase.objects.all(), Incident.objects.filter(is_open=True)
    if ids is not None:
        qs, incidents = qs.filter(station_id__in=ids), incidents.filter(station_id__in=ids)
    stay = qs.filter(status__in=STAY_STATUSES)
    figures = stay.aggregate(
        in_station=Count("pk", filter=Q(status=CaseStatus.IN_STATION)),
        in_hospital=Count("pk", filter=Q(status=CaseStatus.IN_HOSPITAL)),
        in_foster=Count("pk", filter=Q(status=CaseStatus.IN_FOSTER)),
        long_stay=Count("pk", filter=Q(long_stay=True)),
        overdue=Count("pk", filter=overdue_q(on)),
    )
    figures["open_incidents"] = incidents.count()
    figures["pending_extensions"] = extensions_to_decide(actor, station_ids=scope_ids).count() \
        if can(actor, Capability.APPROVE_RESCUE) else 0
    stations = [s for s in choices if s.pk == station_id] if station_id else choices
    figures["station_choices"] = choices
    figures["stations"] = stations
    figures["beds"] = _beds(actor, stations)
    arrivals: dict = {}
    figures["census"] = census(qs, on, arrivals=arrivals)
    # Admitted today and not refused: the census's arrivals of today (a record is never discharged before it
    # was admitted), so no query of its own.
    figures["admitted_today"] = arrivals.get(on, 0)
    return figures


def census(qs, on: dt.date, days: int = CENSUS_DAYS, arrivals: dict | None = None) -> list[tuple[dt.date, int]]:
    """(day, clients in the station or placed out at the end of that day) for the last `days` days: admitted
    on or before the day and not discharged by then; refusals never count. Three small grouped counts, each one
    index range per station whatever the station's history (rescue_case_census, rescue_case_departures): the
    clients admitted before the first day and never discharged; those discharged after the first day, by day
    (departures, and the rest of the balance before the first day); arrivals by day. `arrivals`, when given, is
    filled with the arrivals by day."""
    first = on - dt.timedelta(days=days - 1)
    counted = qs.exclude(status=CaseStatus.REFUSED)
    # Present at the end of `first` and admitted before it: never discharged, or discharged after `first`
    # (apart: with the OR of both in one count, the planners read the station's whole history).
    before = counted.filter(admitted_on__lt=first, discharged_on__isnull=True).count()
    departures = {}
    for day, left, earlier in counted.filter(discharged_on__gt=first).values_list("discharged_on")\
            .annotate(left=Count("pk", filter=Q(admitted_on__lte=on)),
                      earlier=Count("pk", filter=Q(admitted_on__lt=first))):
        before += earlier
        if day <= on:
            departures[day] = left
    found = dict(counted.filter(admitted_on__gte=first, admitted_on__lte=on)
                 .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=first))
                 .values_list("admitted_on").annotate(n=Count("pk")))
    if arrivals is not None:
        arrivals.update(found)
    # Run the balance forward.
    rows, count = [], before
    for i in range(days):
        day = first + dt.timedelta(days=i)
        count += found.get(day, 0) - departures.get(day, 0)
        rows.append((day, count))
    return rows


def escalations_waiting(actor):
    """Escalations sent to the actor's regional centre and not yet accepted."""
    if not can(actor, Capability.APPROVE_RESCUE) or actor.organization_id is None:
        return Escalation.objects.none()
    return Escalation.objects.filter(regional_centre_id=actor.organization_id, status=EscalationStatus.REQUESTED)
