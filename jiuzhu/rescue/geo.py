"""Coordinates of sightings and stations: WGS-84 ↔ GCJ-02, and distances.

Sightings are stored in WGS-84 (what satellite positioning and a phone browser's geolocation give). Chinese maps
(高德, 腾讯, and Google's map of China) show GCJ-02, the offset system of GB 20263-2006 whose transform is not
published officially; the forward transform below is the one that has circulated publicly since 2009 (the
"Krasovsky 1940" code from on4wp7.codeplex.com, re-published in eviltransform, github.com/googollee/eviltransform,
and coordTransform on PyPI) and agrees with those libraries to the micro-degree.

Why not a library: the maintained PyPI package (coordTransform 0.2.1, 2026) inverts GCJ-02 by a single step
(wgs = 2·gcj − f(gcj)), which is off by up to a few metres; eviltransform 0.1.1 (2018) is unmaintained. The inverse
here iterates that step to a fixed point, so a round trip is within a millimetre (tests/test_street_geo.py).
Outside China the two systems are the same (no offset), as every implementation does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

# Krasovsky 1940 ellipsoid, as the published transform uses it.
_A = 6378245.0
_EE = 0.00669342162296594323
EARTH_RADIUS_M = 6371008.8  # mean radius (IUGG), for haversine
T = TypeVar("T")


def out_of_china(lat: float, lon: float) -> bool:
    """The published transform's box: points outside it are not offset."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """(Δlat, Δlon) in degrees that GCJ-02 adds to a WGS-84 point."""
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """A WGS-84 point as Chinese maps show it."""
    lat, lon = float(lat), float(lon)
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float, *, tolerance: float = 1e-9, max_steps: int = 30) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is (lat, lon): fixed-point iteration of the one-step inverse, to
    `tolerance` degrees (1e-9° ≈ 0.1 mm); converges in a handful of steps anywhere in China."""
    lat, lon = float(lat), float(lon)
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(max_steps):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        e_lat, e_lon = g_lat - lat, g_lon - lon
        w_lat, w_lon = w_lat - e_lat, w_lon - e_lon
        if abs(e_lat) < tolerance and abs(e_lon) < tolerance:
            break
    return w_lat, w_lon


def to_wgs84(lat, lon, system: str) -> tuple[float, float]:
    """A point entered in `system` ("wgs84" or "gcj02", models.CoordinateSystem) as WGS-84."""
    if system == "gcj02":
        return gcj02_to_wgs84(float(lat), float(lon))
    return float(lat), float(lon)


def haversine_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = p2 - p1
    d_lambda = math.radians(float(lon2) - float(lon1))
    h = math.sin(d_phi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def nearest(lat, lon, candidates: Iterable[tuple[T, float | Decimal, float | Decimal]]) -> tuple[T, float] | None:
    """The candidate (item, lat, lon) nearest to the point, with its distance in metres; None if none."""
    best = None
    for item, c_lat, c_lon in candidates:
        distance = haversine_m(lat, lon, c_lat, c_lon)
        if best is None or distance < best[1]:
            best = (item, distance)
    return best


def quantize(value: float) -> Decimal:
    """A coordinate as stored (6 decimals ≈ 0.1 m)."""
    return Decimal(str(value)).quantize(Decimal("0.000001"))
