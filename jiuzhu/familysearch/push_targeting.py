"""Who receives a published notice (定向推送的目标): the live subscribers whose circle holds the place the client was
found or the suspected home region, as 头条寻人 pushes around the found place and to the home area.

Set-based: one SQL query takes the candidates whose bounding box (their own radius, in degrees) holds a centre;
NumPy computes the exact great-circle distances over those candidates; the deliveries are bulk-created. Unique
(notice, revision, subscriber) and ignore_conflicts make a second delivery of the same event write nothing."""

from __future__ import annotations

import math

import numpy as np
from django.db import transaction
from django.db.models import F, Q, Value
from django.utils import timezone

from jiuzhu.core.events import record_event
from jiuzhu.core.models import Region
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import ClientProfile, FamilyNotice, NoticeStatus
from jiuzhu.familysearch.push_models import PushDelivery, PushSubscriber

EARTH_KM = 6371.0088  # mean radius (IUGG), as rescue/geo.py
KM_PER_DEG = EARTH_KM * math.pi / 180  # one degree of latitude
MAX_RADIUS_KM = 500


def region_point(region: Region | None) -> tuple[float, float] | None:
    """The region's centroid (WGS-84), else its nearest ancestor's: cpca gives counties, cities and provinces one,
    townships and villages have none."""
    if region is None:
        return None
    if region.latitude is not None and region.longitude is not None:
        return float(region.latitude), float(region.longitude)
    row = (Region.objects.filter(code__in=region.ancestor_codes(), latitude__isnull=False, longitude__isnull=False)
           .order_by("-path").values_list("latitude", "longitude").first())
    return (float(row[0]), float(row[1])) if row else None


def notice_centres(notice: FamilyNotice) -> list[tuple[float, float]]:
    """The found place (the sighting's point when the client came from one with coordinates, else the notice's
    region) and the suspected home region (the identification profile's accent or stated-home region)."""
    centres = []
    sighting = notice.case.sighting if notice.case.sighting_id else None
    if sighting is not None and sighting.latitude is not None and sighting.longitude is not None:
        centres.append((float(sighting.latitude), float(sighting.longitude)))
    else:
        found = region_point(notice.region)
        if found:
            centres.append(found)
    profile = ClientProfile.objects.filter(case_id=notice.case_id).select_related("accent_region").first()
    home = region_point(profile.accent_region) if profile is not None else None
    if home and home not in centres:
        centres.append(home)
    return centres


def _box(lat: float, lon: float) -> Q:
    """Subscribers whose own radius, as a box in degrees around their point, holds (lat, lon). The longitude
    span uses the cosine at the box's far edge from the equator, so the box is never narrower than the circle."""
    edge = min(89.0, abs(lat) + MAX_RADIUS_KM / KM_PER_DEG)
    lat_deg = F("radius_km") * Value(1 / KM_PER_DEG)
    lon_deg = F("radius_km") * Value(1 / (KM_PER_DEG * math.cos(math.radians(edge))))
    return (Q(latitude__gte=Value(lat) - lat_deg) & Q(latitude__lte=Value(lat) + lat_deg)
            & Q(longitude__gte=Value(lon) - lon_deg) & Q(longitude__lte=Value(lon) + lon_deg))


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    h = (np.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2)
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def subscribers_within(centres: list[tuple[float, float]]) -> list[int]:
    """Ids of live subscribers whose circle holds at least one centre."""
    if not centres:
        return []
    boxes = Q()
    for lat, lon in centres:
        boxes |= _box(lat, lon)
    rows = np.array(PushSubscriber.objects.filter(boxes, active=True, confirmed=True)
                    .values_list("pk", "latitude", "longitude", "radius_km"), dtype=float).reshape(-1, 4)
    if not len(rows):
        return []
    inside = np.zeros(len(rows), dtype=bool)
    for lat, lon in centres:
        inside |= haversine_km(lat, lon, rows[:, 1], rows[:, 2]) <= rows[:, 3]
    return rows[inside, 0].astype(int).tolist()


def push_target(*, notice: FamilyNotice, revision: int) -> int:
    """Writes the deliveries of one published revision; returns how many are new (0 on a re-run)."""
    ids = subscribers_within(notice_centres(notice))
    if not ids:
        return 0
    now = timezone.now()
    with transaction.atomic():
        before = PushDelivery.objects.filter(notice=notice, revision=revision).count()
        PushDelivery.objects.bulk_create(
            [PushDelivery(notice=notice, revision=revision, subscriber_id=pk, next_try_at=now) for pk in ids],
            ignore_conflicts=True, batch_size=1000)
        new = PushDelivery.objects.filter(notice=notice, revision=revision).count() - before
        if new:
            record_event(kind=FamilySearchEvent.PUSH_TARGETED, subject=notice, region=notice.region,
                         summary=f"寻亲公告{notice.public_code}第{revision}次发布：定向推送 {new} 人",
                         payload={"notice_id": notice.pk, "revision": revision, "deliveries": new})
            from jiuzhu.familysearch.tasks import push_send_due

            transaction.on_commit(lambda: push_send_due.enqueue())
    return new


def push_from_notice_event(event) -> int:
    """Handler of NOTICE_PUBLISHED (events.py HANDLERS), payload {notice_id, revision}. A notice withdrawn since,
    or already published again (a newer revision takes over), is not pushed."""
    payload = event.payload or {}
    notice = (FamilyNotice.objects.select_related("region", "station", "case__sighting")
              .filter(pk=payload.get("notice_id")).first())
    if notice is None or notice.status != NoticeStatus.PUBLISHED:
        return 0
    revision = int(payload.get("revision") or notice.revision)
    if revision < notice.revision:
        return 0
    return push_target(notice=notice, revision=revision)
