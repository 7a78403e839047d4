"""The street part's pages: the public report page (no sign-in; body size checked before parsing, photo limit,
rate limit, nothing personal shown back), the staff sighting list and detail with contact and outcome, the photo,
patrol pages, work-list lines; scope (another station's sighting is 404) and audit of reads."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from jiuzhu.core.models import AuditLog, Region
from jiuzhu.core.worklist import work_items
from jiuzhu.rescue import street_services as services
from jiuzhu.rescue.models import Patrol, PatrolStatus, Sighting, SightingOutcome, SightingStatus

TOWNSHIP_A = "430524100000"
VILLAGE_A = "430524100200"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)


def public_form(**extra):
    return {"place": "汽车站候车厅门口", "township": TOWNSHIP_A, "village": VILLAGE_A, "latitude": "27.111700",
            "longitude": "111.035800", "coordinate_system": "wgs84", "seen_at": "",
            "description": "一位老人衣着单薄，躺在长椅上", "reporter_phone": "", **extra}


# ---- the public page --------------------------------------------------------------------------------------------

def test_public_report_page_without_sign_in(stations, media):
    client = Client()
    page = client.get("/report/")
    assert page.status_code == 200
    body = page.content.decode()
    for label in ("发现地点", "纬度", "经度", "经纬度来源", "情况描述", "照片"):
        assert f">{label}" in body
    response = client.post("/report/", {**public_form(), "photo": SimpleUploadedFile("p.jpg", JPEG, "image/jpeg")})
    assert response.status_code == 302 and response["Location"] == "/report/done/"
    sighting = Sighting.objects.get()
    assert sighting.reporter_kind == "citizen" and sighting.photo_content_type == "image/jpeg"
    assert sighting.station == stations["longhui"] and sighting.region.code == VILLAGE_A
    done = client.get("/report/done/").content.decode()
    assert "隆回县救助管理站" in done and "一位老人" not in done and "27.1117" not in done
    assert client.get("/report/done/").status_code == 302  # shown once


def test_public_report_errors_beside_the_field_and_nothing_lost(stations):
    response = Client().post("/report/", public_form(place="", latitude="27.1", longitude=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "经度和纬度须同时填写" in body or "请填写发现地点" in body
    assert "一位老人衣着单薄，躺在长椅上" in body and 'value="27.1"' in body
    assert not Sighting.objects.exists()
    response = Client().post("/report/", public_form(township=""))
    assert "请选择发现地点所在的乡镇（街道）" in response.content.decode()


def test_public_report_body_too_large_is_refused_before_parsing(stations, settings, monkeypatch):
    from jiuzhu.rescue import street_public_views

    def boom(request):  # would parse the body
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(street_public_views, "_report_post", boom)
    settings.STORED_FILE_MAX_BYTES = 1000
    client = Client()
    response = client.generic("POST", "/report/", b"x" * 10, CONTENT_TYPE="application/x-www-form-urlencoded",
                              CONTENT_LENGTH=str(1000 + street_public_views.BODY_MARGIN + 1))
    assert response.status_code == 413
    assert "照片不能超过" in response.content.decode()
    assert not Sighting.objects.exists()


def test_public_report_photo_over_the_limit(stations, settings, media):
    settings.STORED_FILE_MAX_BYTES = 1000
    photo = SimpleUploadedFile("big.jpg", JPEG + bytes(5000), "image/jpeg")
    response = Client().post("/report/", {**public_form(), "photo": photo})
    assert response.status_code == 400
    assert "超过了 1000 字节" in response.content.decode()
    assert not Sighting.objects.exists()


def test_public_report_is_rate_limited_per_address(stations):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(services.PUBLIC_MAX_PER_HOUR):
        assert client.post("/report/", public_form()).status_code == 302
    response = client.post("/report/", public_form())
    assert response.status_code == 429
    assert "一小时内提交的报告过多" in response.content.decode()
    assert Client(REMOTE_ADDR="198.51.100.8").post("/report/", public_form()).status_code == 302
    assert Sighting.objects.count() == services.PUBLIC_MAX_PER_HOUR + 1


# ---- staff pages --------------------------------------------------------------------------------------------

def test_sighting_list_detail_and_scope(report, client_for):
    sighting = report()
    worker = client_for("longhui_station")
    listing = worker.get("/rescue/sightings/?status=open").content.decode()
    assert "桃洪镇汽车站候车厅" in listing and "已派遣，待接触" in listing
    before = AuditLog.objects.filter(object_type="rescue.sighting", action="read").count()
    detail = worker.get(f"/rescue/sightings/{sighting.pk}/")
    assert detail.status_code == 200 and "登记接触" in detail.content.decode()
    assert AuditLog.objects.filter(object_type="rescue.sighting", action="read").count() == before + 1
    other = client_for("dongkou_station")
    assert other.get(f"/rescue/sightings/{sighting.pk}/").status_code == 404
    assert "桃洪镇汽车站候车厅" not in other.get("/rescue/sightings/").content.decode()
    assert other.post(f"/rescue/sightings/{sighting.pk}/contact/", {}).status_code == 404
    assert client_for("shaoyang_regional").get(f"/rescue/sightings/{sighting.pk}/").status_code == 200
    assert client_for("longhui_officer").get("/rescue/sightings/").status_code == 403


def test_the_list_exports_to_excel_as_filtered_and_in_scope(report, persona, client_for):
    import io

    from openpyxl import load_workbook

    sighting = report()
    services.sighting_contact(actor=persona("longhui_station"), sighting=sighting)
    services.sighting_close(actor=persona("longhui_station"), sighting=sighting, outcome=SightingOutcome.REFUSED,
                            left_food=True, left_information=True)
    report(place="火车站广场")  # still open

    def rows(client, query=""):
        response = client.get("/rescue/sightings/export/" + query)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        return [[c.value for c in row] for row in sheet.iter_rows()]

    worker = client_for("longhui_station")
    everything = rows(worker)
    assert everything[0][:5] == ["编号", "报告时间", "报告来源", "发现地区", "发现地点"]
    assert sorted(r[4] for r in everything[1:]) == ["桃洪镇汽车站候车厅", "火车站广场"]
    closed = rows(worker, "?status=closed")
    assert len(closed) == 2 and closed[1][10] == "拒绝救助" and closed[1][12] == "食物、救助信息"
    exported = AuditLog.objects.filter(action="export", actor=persona("longhui_station")).latest("pk")
    assert exported.detail["object_type"] == "rescue.sighting" and exported.detail["count"] == 1
    assert exported.detail["filters"] == {"状态": "已处置"}  # the auditor reads Chinese
    rows(worker, "?status=open&kind=hotline&mine=1")
    exported = AuditLog.objects.filter(action="export", actor=persona("longhui_station")).latest("pk")
    assert exported.detail["filters"] == {"状态": "未处置（待接触、待处置）", "报告来源": "救助热线",
                                          "范围": "我所在巡查队的"}
    assert rows(client_for("dongkou_station"))[1:] == []  # another county's station: nothing of this one
    assert client_for("longhui_officer").get("/rescue/sightings/export/").status_code == 403


def test_contact_and_outcome_through_the_pages(report, client_for):
    sighting = report()
    worker = client_for("longhui_station")
    assert worker.post(f"/rescue/sightings/{sighting.pk}/contact/", {"contact_note": "见到本人"}).status_code == 302
    refused = worker.post(f"/rescue/sightings/{sighting.pk}/close/", {"outcome": "refused", "note": ""})
    assert refused.status_code == 400 and "拒绝救助时请勾选留下的物品" in refused.content.decode()
    response = worker.post(f"/rescue/sightings/{sighting.pk}/close/",
                           {"outcome": "refused", "left_food": "1", "left_clothing": "1"})
    assert response.status_code == 302
    sighting.refresh_from_db()
    assert sighting.status == SightingStatus.CLOSED and sighting.outcome == SightingOutcome.REFUSED
    assert sighting.left_food and sighting.left_clothing and not sighting.left_information
    page = worker.get(f"/rescue/sightings/{sighting.pk}/").content.decode()
    assert "响应时间" in page and "拒绝救助，留下食物、衣被" in page and "登记处置结果</button>" not in page


def test_staff_new_sighting_form(stations, client_for):
    worker = client_for("longhui_station")
    assert worker.get("/rescue/sightings/new/").status_code == 200
    bad = worker.post("/rescue/sightings/new/", {"reporter_kind": "police", "region_township": TOWNSHIP_A,
                                                 "place": "桥洞", "description": "", "coordinate_system": "wgs84"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "请填写情况描述" in body and 'value="桥洞"' in body
    seen = (timezone.localtime() - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    ok = worker.post("/rescue/sightings/new/", {"reporter_kind": "sanitation", "region_township": TOWNSHIP_A,
                                                "place": "资江桥桥洞", "description": "男子腿部受伤",
                                                "coordinate_system": "gcj02", "latitude": "27.108426",
                                                "longitude": "111.041058", "seen_at": seen})
    assert ok.status_code == 302
    sighting = Sighting.objects.get()
    assert sighting.reporter_kind == "sanitation" and sighting.coordinate_system == "gcj02"
    assert abs(float(sighting.latitude) - 27.1117) < 0.0001 and abs(float(sighting.longitude) - 111.0358) < 0.0001


def test_the_photo_is_served_in_scope_and_audited(stations, media, client_for):
    sighting = services.sighting_report_public(region=Region.objects.get(code=VILLAGE_A), place="车站",
                                               description="有人", seen_at=timezone.now(), photo=JPEG)
    worker = client_for("longhui_station")
    response = worker.get(f"/rescue/sightings/{sighting.pk}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg" and response.content == JPEG
    assert AuditLog.objects.filter(object_type="rescue.sighting", object_id=str(sighting.pk),
                                   detail__purpose="sighting_photo").count() == 1
    assert client_for("dongkou_station").get(f"/rescue/sightings/{sighting.pk}/photo/").status_code == 404
    assert Client().get(f"/rescue/sightings/{sighting.pk}/photo/").status_code == 302  # sign in first


def test_patrol_pages(stations, persona, client_for):
    worker = client_for("longhui_station")
    member = str(persona("longhui_station").pk)
    response = worker.post("/rescue/patrols/teams/new/",
                           {"name": "城区夜巡队", "area": "汽车站、桥洞", "members": [member]})
    assert response.status_code == 302
    listing = worker.get("/rescue/patrols/").content.decode()
    assert "城区夜巡队" in listing and "应巡查" in listing
    team = persona("longhui_station").organization.patrol_teams.get()
    start = timezone.localtime() - dt.timedelta(hours=1)
    end = start + dt.timedelta(hours=3)
    response = worker.post("/rescue/patrols/new/", {"team": str(team.pk), "shift_start": f"{start:%Y-%m-%dT%H:%M}",
                                                    "shift_end": f"{end:%Y-%m-%dT%H:%M}"})
    assert response.status_code == 302
    patrol = Patrol.objects.get()
    assert patrol.region == persona("longhui_station").region  # no township chosen: the station's county
    bad = worker.post(f"/rescue/patrols/{patrol.pk}/finding/", {"place": "资江桥桥洞", "description": ""})
    assert bad.status_code == 400 and "请填写情况描述" in bad.content.decode()
    assert worker.post(f"/rescue/patrols/{patrol.pk}/finding/",
                       {"place": "资江桥桥洞", "description": "男性，五十岁左右", "coordinate_system": "wgs84"}
                       ).status_code == 302
    assert worker.post(f"/rescue/patrols/{patrol.pk}/record/", {"findings": "发现 1 人"}).status_code == 302
    patrol.refresh_from_db()
    assert patrol.status == PatrolStatus.RECORDED and patrol.sightings.count() == 1
    assert client_for("dongkou_station").get(f"/rescue/patrols/{patrol.pk}/").status_code == 404
    assert worker.get("/rescue/patrols/alerts/new/").status_code == 403  # managers record alerts
    manager = client_for("longhui_stationmgr")
    today = timezone.localdate()
    assert manager.post("/rescue/patrols/alerts/new/", {"kind": "cold", "starts_on": today.isoformat(),
                                                        "ends_on": (today + dt.timedelta(days=2)).isoformat()}
                        ).status_code == 302
    assert "预警" in manager.get("/rescue/patrols/").content.decode()


def test_work_list_lines(report, persona, client_for):
    sighting = report()
    labels = {wi.label: wi for wi in work_items(persona("longhui_station"))}
    assert labels["待接触的发现报告"].count == 1
    assert labels["今日巡查排班不足（次）"].count >= 1
    assert "待接触的发现报告" not in {wi.label for wi in work_items(persona("dongkou_station"))} or \
        {wi.label: wi for wi in work_items(persona("dongkou_station"))}["待接触的发现报告"].count == 0
    services.sighting_contact(actor=persona("longhui_station"), sighting=sighting)
    labels = {wi.label: wi for wi in work_items(persona("longhui_station"))}
    assert labels["待接触的发现报告"].count == 0 and labels["已接触、待登记处置结果的发现报告"].count == 1
    assert work_items(persona("longhui_officer")) == [] or \
        "待接触的发现报告" not in {wi.label for wi in work_items(persona("longhui_officer"))}


def test_navigation_shows_the_street_pages(client_for, stations):
    home = client_for("longhui_station").get("/").content.decode()
    assert 'href="/rescue/sightings/"' in home and 'href="/rescue/patrols/"' in home


@pytest.mark.parametrize("url", ["/rescue/sightings/", "/rescue/patrols/", "/rescue/sightings/new/",
                                 "/rescue/patrols/new/", "/rescue/patrols/teams/new/"])
def test_pages_refuse_users_without_the_capability(client_for, url, world):
    assert client_for("longhui_window").get(url).status_code == 403


def test_station_locations_page(stations, client_for):
    assert client_for("longhui_station").get("/rescue/sightings/stations/").status_code == 403
    manager = client_for("longhui_stationmgr")
    page = manager.get("/rescue/sightings/stations/").content.decode()
    assert "隆回县救助管理站" in page and "洞口县救助管理站" not in page
    bad = manager.post("/rescue/sightings/stations/", {"station": str(stations["longhui"].pk), "latitude": "27.1",
                                                       "longitude": "", "coordinate_system": "wgs84"})
    assert bad.status_code == 400 and "经度和纬度须同时填写" in bad.content.decode()
    ok = manager.post("/rescue/sightings/stations/", {"station": str(stations["longhui"].pk), "latitude": "27.2",
                                                      "longitude": "111.1", "coordinate_system": "wgs84",
                                                      "address": "桃洪东路"})
    assert ok.status_code == 302
    stations["longhui"].street_location.refresh_from_db()
    assert str(stations["longhui"].street_location.latitude) == "27.200000"
    city = client_for("shaoyang_regional").get("/rescue/sightings/stations/").content.decode()
    assert "洞口县救助管理站" in city and "隆回县救助管理站" in city


def test_the_list_shows_the_average_response_time(report, persona, client_for):
    from jiuzhu.rescue import street_selectors as selectors

    for minutes in (20, 40):
        sighting = report()
        Sighting.objects.filter(pk=sighting.pk).update(reported_at=timezone.now() - dt.timedelta(minutes=minutes))
        sighting.refresh_from_db()
        services.sighting_contact(actor=persona("longhui_station"), sighting=sighting)
    figures = selectors.response_figures(persona("longhui_station"))
    assert (figures.contacted, figures.average_minutes) == (2, 30)
    assert selectors.response_figures(persona("dongkou_station")).contacted == 0
    page = client_for("longhui_station").get("/rescue/sightings/").content.decode()
    assert "近 30 天接触 2 人次，平均响应时间 30 分钟" in page


def test_hand_a_sighting_to_a_team_through_the_page(report, persona, client_for):
    team = services.patrol_team_create(actor=persona("longhui_station"), name="城区夜巡队", area="汽车站",
                                       members=[persona("longhui_station")])
    sighting = report()
    worker = client_for("longhui_station")
    assert "派给巡查队" in worker.get(f"/rescue/sightings/{sighting.pk}/").content.decode()
    bad = worker.post(f"/rescue/sightings/{sighting.pk}/team/", {"team": ""})
    assert bad.status_code == 400 and "请选择派遣站的在用巡查队" in bad.content.decode()
    assert worker.post(f"/rescue/sightings/{sighting.pk}/team/", {"team": str(team.pk)}).status_code == 302
    sighting.refresh_from_db()
    assert sighting.team == team
    mine = worker.get("/rescue/sightings/?mine=1").content.decode()
    assert "桃洪镇汽车站候车厅" in mine
    manager = client_for("longhui_stationmgr")  # not a member of the team
    assert "桃洪镇汽车站候车厅" not in manager.get("/rescue/sightings/?mine=1").content.decode()
