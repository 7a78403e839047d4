"""Reads of the street part, scoped: a station sees the sightings dispatched to it and the patrols of its teams; a
city station (regional centre) also those of the stations directly below it (core.scoping organization_field).
Out of scope is 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from jiuzhu.core.models import Organization, OrganizationKind
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.rescue.models import Patrol, PatrolStatus, PatrolTeam, ReporterKind, Sighting, SightingStatus
from jiuzhu.rescue.scopes import PATROL_SCOPE, SIGHTING_SCOPE
from jiuzhu.rescue.street_services import alert_on
from jiuzhu.rescue.street_settings import campaign_on, patrols_per_day

PAGE_SIZE = 30
OPEN_STATUSES = (SightingStatus.DISPATCHED, SightingStatus.CONTACTED)
OPEN_LABEL = "未处置（待接触、待处置）"  # the list's filter option "open"


def sightings_in_scope(actor) -> QuerySet[Sighting]:
    require(actor, Capability.RESCUE_CASES)
    return scoped(Sighting.objects.all(), actor, **SIGHTING_SCOPE)


def sighting_get(*, actor, sighting_id: int) -> Sighting:
    require(actor, Capability.RESCUE_CASES)
    queryset = Sighting.objects.select_related("region", "station", "reported_by", "contacted_by", "outcome_by",
                                               "patrol__team", "team")
    return get_scoped_or_404(queryset, actor, scope=SIGHTING_SCOPE, pk=sighting_id)


@dataclass(frozen=True)
class SightingFilters:
    status: str = ""  # a SightingStatus, or "open" (dispatched or contacted)
    reporter_kind: str = ""
    mine: bool = False  # only those handed to a patrol team the actor is a member of

    def as_query(self) -> dict:
        return {k: v for k, v in {"status": self.status, "kind": self.reporter_kind,
                                  "mine": "1" if self.mine else ""}.items() if v}

    def as_audit(self) -> dict:
        """The filters as the auditor's log shows them: Chinese labels and values."""
        shown = {}
        if self.status:
            shown["状态"] = OPEN_LABEL if self.status == "open" else SightingStatus(self.status).label
        if self.reporter_kind:
            shown["报告来源"] = ReporterKind(self.reporter_kind).label
        if self.mine:
            shown["范围"] = "我所在巡查队的"
        return shown


def parse_filters(data) -> SightingFilters:
    status = (data.get("status") or "").strip()
    kind = (data.get("kind") or "").strip()
    return SightingFilters(status=status if status in ("open", *SightingStatus.values) else "",
                           reporter_kind=kind if kind in ReporterKind.values else "", mine=data.get("mine") == "1")


def sighting_list(*, actor, filters: SightingFilters) -> QuerySet[Sighting]:
    rows = sightings_in_scope(actor).select_related("region", "station", "team")
    if filters.mine:
        rows = rows.filter(team__members=actor)
    if filters.status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.reporter_kind:
        rows = rows.filter(reporter_kind=filters.reporter_kind)
    return rows.order_by("-reported_at", "-pk")


def awaiting_contact(actor) -> QuerySet[Sighting]:
    return sightings_in_scope(actor).filter(status=SightingStatus.DISPATCHED)


def awaiting_my_team(actor) -> QuerySet[Sighting]:
    """Sightings handed to a patrol team the actor belongs to, not contacted yet."""
    return awaiting_contact(actor).filter(team__members=actor)


def awaiting_outcome(actor) -> QuerySet[Sighting]:
    return sightings_in_scope(actor).filter(status=SightingStatus.CONTACTED)


@dataclass(frozen=True)
class ResponseFigures:
    contacted: int
    average_minutes: int | None


def response_figures(actor, *, days: int = 30) -> ResponseFigures:
    """Sightings first contacted in the last `days` days and their average response time (contact − report),
    patrol findings excluded (contacted when found)."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (sightings_in_scope(actor).filter(contacted_at__gte=since).exclude(reporter_kind=ReporterKind.PATROL)
            .aggregate(n=Count("pk"), avg=Avg(ExpressionWrapper(F("contacted_at") - F("reported_at"),
                                                                output_field=DurationField()))))
    average = rows["avg"]
    return ResponseFigures(contacted=rows["n"],
                           average_minutes=int(average.total_seconds() // 60) if average is not None else None)


def stations_for_dispatch(actor) -> list[Organization]:
    """The stations the actor may send a sighting to: their own and those directly below it."""
    org = actor.organization
    if org is None or org.kind != OrganizationKind.RESCUE_STATION:
        return []
    return list(Organization.objects.filter(Q(pk=org.pk) | Q(parent=org), kind=OrganizationKind.RESCUE_STATION)
                .order_by("pk"))


def station_locations(stations) -> list:
    from jiuzhu.rescue.models import StationLocation

    return list(StationLocation.objects.filter(station__in=stations))


# ---- Patrols ------------------------------------------------------------------------------------------------

def patrols_in_scope(actor) -> QuerySet[Patrol]:
    require(actor, Capability.RESCUE_CASES)
    return scoped(Patrol.objects.all(), actor, **PATROL_SCOPE)


def patrol_get(*, actor, patrol_id: int) -> Patrol:
    require(actor, Capability.RESCUE_CASES)
    queryset = Patrol.objects.select_related("team", "station", "region", "planned_by", "recorded_by")
    return get_scoped_or_404(queryset, actor, scope=PATROL_SCOPE, pk=patrol_id)


def patrol_list(*, actor) -> QuerySet[Patrol]:
    return (patrols_in_scope(actor).select_related("team", "region")
            .annotate(found=Count("sightings")).order_by("-shift_start", "-pk"))


def teams_in_scope(actor) -> QuerySet[PatrolTeam]:
    require(actor, Capability.RESCUE_CASES)
    org = actor.organization
    if actor.is_superuser:
        return PatrolTeam.objects.filter(is_active=True)
    if org is None or org.kind != OrganizationKind.RESCUE_STATION:
        return PatrolTeam.objects.none()
    return PatrolTeam.objects.filter(Q(station=org) | Q(station__parent=org), is_active=True)\
        .prefetch_related("members").order_by("pk")


@dataclass(frozen=True)
class PatrolDay:
    day: dt.date
    campaign: str  # models.Campaign value
    alert: object  # the WeatherAlert in force, or None
    required: int  # patrols a day the region's settings ask for
    planned: int  # the station's patrols (not cancelled) starting that day

    @property
    def short(self) -> int:
        return max(0, self.required - self.planned)


def patrol_day(actor, day: dt.date | None = None) -> PatrolDay | None:
    """The actor's station's patrol frequency for the day: required by the settings of the station's region
    (normal, campaign or alert) against the patrols planned. None for an actor without a station."""
    require(actor, Capability.RESCUE_CASES)
    org = actor.organization
    if org is None or org.kind != OrganizationKind.RESCUE_STATION:
        return None
    day = day or timezone.localdate()
    region = org.region
    campaign = campaign_on(region, day)
    alert = alert_on(region, day)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    planned = Patrol.objects.filter(station=org, shift_start__gte=start, shift_start__lt=start + dt.timedelta(days=1))\
        .exclude(status=PatrolStatus.CANCELLED).count()
    return PatrolDay(day=day, campaign=campaign, alert=alert,
                     required=patrols_per_day(region, day, campaign=campaign, alert=alert is not None),
                     planned=planned)
