"""geo.py: WGS-84 ↔ GCJ-02 and distances. Reference values: the published transform's well-known example
(北京站, WGS-84 39.90105, 116.42079 → GCJ-02 39.90245, 116.42703)."""

import itertools

import pytest

from jiuzhu.rescue import geo


def test_wgs84_to_gcj02_matches_the_published_example():
    lat, lon = geo.wgs84_to_gcj02(39.90105, 116.42079)
    assert (round(lat, 5), round(lon, 5)) == (39.90245, 116.42702)
    assert geo.haversine_m(lat, lon, 39.90245, 116.42703) < 2


def test_the_offset_is_hundreds_of_metres_in_china():
    lat, lon = geo.wgs84_to_gcj02(27.1117, 111.0358)  # 隆回
    assert 200 < geo.haversine_m(27.1117, 111.0358, lat, lon) < 700


@pytest.mark.parametrize(("lat", "lon"), list(itertools.product(
    [18.25, 22.54, 27.11, 31.23, 39.90, 45.75, 53.0], [75.99, 87.6, 102.7, 111.03, 116.42, 121.47, 134.3])))
def test_round_trip_within_one_metre(lat, lon):
    g_lat, g_lon = geo.wgs84_to_gcj02(lat, lon)
    back = geo.gcj02_to_wgs84(g_lat, g_lon)
    assert geo.haversine_m(lat, lon, *back) < 1.0
    # and the other way round: a point read off a Chinese map, to WGS-84 and back to the map
    w_lat, w_lon = geo.gcj02_to_wgs84(lat, lon)
    assert geo.haversine_m(lat, lon, *geo.wgs84_to_gcj02(w_lat, w_lon)) < 1.0


def test_round_trip_is_far_better_than_the_one_step_inverse():
    lat, lon = 27.1117, 111.0358
    g_lat, g_lon = geo.wgs84_to_gcj02(lat, lon)
    once_lat, once_lon = geo.wgs84_to_gcj02(g_lat, g_lon)
    one_step = (2 * g_lat - once_lat, 2 * g_lon - once_lon)  # what a single-step inverse returns
    assert geo.haversine_m(lat, lon, *geo.gcj02_to_wgs84(g_lat, g_lon)) < 0.001
    assert geo.haversine_m(lat, lon, *one_step) > geo.haversine_m(lat, lon, *geo.gcj02_to_wgs84(g_lat, g_lon))


def test_outside_china_nothing_changes():
    assert geo.wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
    assert geo.gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


def test_to_wgs84_by_system():
    assert geo.to_wgs84("27.1", "111.0", "wgs84") == (27.1, 111.0)
    lat, lon = geo.to_wgs84(27.1, 111.0, "gcj02")
    assert geo.haversine_m(*geo.wgs84_to_gcj02(lat, lon), 27.1, 111.0) < 0.01


def test_haversine_and_nearest():
    # one degree of latitude ≈ 111.2 km on the mean sphere
    assert abs(geo.haversine_m(27.0, 111.0, 28.0, 111.0) - 111195) < 5
    assert geo.haversine_m(27.0, 111.0, 27.0, 111.0) == 0
    assert geo.nearest(27.2, 111.2, [("a", 27.1, 111.0), ("b", 27.24, 111.25)])[0] == "b"
    assert geo.nearest(27.2, 111.2, []) is None
