"""A citizen reports a person on the street from the public page — on a 390×844 phone and on a desk — with the
browser's location (WGS-84) and a photo; the report goes to 隆回县救助管理站. Its station worker finds it in 发现报告,
records the first contact (the response time appears) and the outcome (引导入站)."""

# ruff: noqa: F811 - the fixtures imported below are the tests' arguments
import base64

from jiuzhu.rescue.models import CoordinateSystem, ReporterKind, Sighting, SightingOutcome, SightingStatus
from jiuzhu.rescue.tests.conftest import TAOHONG, media, stations  # noqa: F401 - fixtures
from tests.e2e.conftest import open_menu, shooter, sign_in

# A real 1×1 PNG, so the worker's page shows the photo.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJ"
                       "RU5ErkJggg==")
HERE = {"latitude": TAOHONG[0] + 0.0021, "longitude": TAOHONG[1] - 0.0013}  # near the station, on the street


shot = shooter("rescue-street")


def test_citizen_reports_with_location_and_the_station_worker_contacts_and_closes(open_page, stations, media):
    citizen = open_page()
    citizen.context.grant_permissions(["geolocation"], origin=citizen.base_url)
    citizen.context.set_geolocation(HERE)
    citizen.goto(citizen.base_url + "/report/")
    citizen.get_by_label("发现地点").fill("汽车站候车厅门口")
    citizen.get_by_label("所在乡镇（街道）").select_option(label="隆回县 桃洪镇")
    citizen.locator("#village option", has_text="红星社区").wait_for(state="attached")
    citizen.get_by_label("所在村（社区）").select_option(label="红星社区")
    citizen.get_by_role("button", name="使用我当前的位置").click()
    citizen.get_by_text("已定位").wait_for()
    assert citizen.get_by_label("纬度", exact=True).input_value() == f"{HERE['latitude']:.6f}"
    citizen.get_by_label("情况描述").fill("一位老人衣着单薄，躺在长椅上，叫不太醒")
    citizen.get_by_label("照片（可选，JPEG 或 PNG，不超过 10 MB）").set_input_files(
        files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}])
    shot(citizen, "report")
    with citizen.expect_navigation():
        citizen.get_by_role("button", name="提交报告").click()
    assert citizen.url.endswith("/report/done/")
    assert "隆回县救助管理站" in citizen.locator("#report-done").inner_text()
    sighting = Sighting.objects.get()
    assert sighting.reporter_kind == ReporterKind.CITIZEN and sighting.coordinate_system == CoordinateSystem.WGS84
    assert float(sighting.latitude) == round(HERE["latitude"], 6) and sighting.photo_key
    assert sighting.station == stations["longhui"] and 100 < sighting.dispatch_distance_m < 400
    shot(citizen, "done")

    worker = open_page()
    sign_in(worker, "longhui_station")
    open_menu(worker, "发现报告")
    with worker.expect_navigation():
        worker.locator(f"a[href='/rescue/sightings/{sighting.pk}/']").click()
    assert "已派遣，待接触" in worker.locator("#sighting-status").inner_text()
    worker.get_by_label("接触情况").fill("到达现场，见到本人，意识清楚")
    with worker.expect_navigation():
        worker.get_by_role("button", name="登记接触").click()
    assert "分钟" in worker.locator("#response-time").inner_text()
    worker.get_by_label("引导（护送）入站").check()
    worker.get_by_label("处置说明").fill("本人同意随工作人员入站")
    with worker.expect_navigation():
        worker.get_by_role("button", name="登记处置结果").click()
    assert "引导（护送）入站" in worker.locator("#outcome").inner_text()
    sighting.refresh_from_db()
    assert sighting.status == SightingStatus.CLOSED and sighting.outcome == SightingOutcome.BROUGHT_IN
    assert sighting.contacted_by.username == "longhui_station" and sighting.response_minutes is not None
    worker.get_by_role("img", name="现场照片").wait_for()
    shot(worker, "closed")


def test_patrol_member_records_a_finding_on_the_street(open_page, persona, stations):
    """A patrol planned for now: its member opens it from 街面巡查, registers a person found (with the phone's
    location), then ends the patrol with what it found."""
    import datetime as dt

    from django.utils import timezone

    from jiuzhu.core.models import Region
    from jiuzhu.rescue import street_services as services
    from jiuzhu.rescue.models import Patrol, PatrolStatus

    worker = persona("longhui_station")
    team = services.patrol_team_create(actor=worker, name="城区夜巡队", area="汽车站、资江桥桥洞", members=[worker])
    start = timezone.now() - dt.timedelta(minutes=30)
    patrol = services.patrol_plan(actor=worker, team=team, region=Region.objects.get(code="430524100000"),
                                  shift_start=start, shift_end=start + dt.timedelta(hours=3))
    page = open_page()
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation(HERE)
    sign_in(page, "longhui_station")
    open_menu(page, "街面巡查")
    assert "应巡查" in page.locator("#patrol-day").inner_text()
    with page.expect_navigation():
        page.locator(f"a[href='/rescue/patrols/{patrol.pk}/']").click()
    page.get_by_label("发现地点").fill("资江桥桥洞")
    page.get_by_label("情况描述").fill("男性，五十岁左右，腿部有伤")
    page.get_by_role("button", name="使用我当前的位置").click()
    page.get_by_text("已定位").wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="登记发现").click()
    assert "资江桥桥洞" in page.locator("#found-list").inner_text()
    page.get_by_label("巡查情况").fill("巡查汽车站、资江桥桥洞，发现 1 人，腿部有伤")
    with page.expect_navigation():
        page.get_by_role("button", name="登记巡查情况").click()
    assert page.locator("#patrol-status").inner_text() == "已巡查"
    patrol = Patrol.objects.get()
    assert patrol.status == PatrolStatus.RECORDED
    finding = patrol.sightings.get()
    assert finding.latitude is not None and finding.contacted_at == finding.seen_at
    shot(page, "patrol")


def test_station_manager_sets_up_teams_alerts_and_locations(open_page, stations):
    """The manager's pages on a desk and a phone: a new patrol team, a shift, an extreme-weather alert (today's
    frequency rises), and the station's location."""
    import datetime as dt

    from django.utils import timezone

    from jiuzhu.rescue.models import Patrol, PatrolTeam, WeatherAlert

    page = open_page()
    sign_in(page, "longhui_stationmgr")
    open_menu(page, "街面巡查")
    with page.expect_navigation():
        page.get_by_role("link", name="新建巡查队").click()
    page.get_by_label("巡查队名称").fill("城区夜巡队")
    page.get_by_label("巡查区域").fill("火车站、汽车站、资江桥桥洞")
    page.get_by_label("隆回县救助站站长").check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert PatrolTeam.objects.get().members.count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name="巡查排班").click()
    page.get_by_label("巡查队", exact=True).select_option(label="城区夜巡队")
    start = timezone.localtime() + dt.timedelta(hours=1)
    page.get_by_label("开始时间").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("结束时间").fill(f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}")
    with page.expect_navigation():
        page.get_by_role("button", name="保存排班").click()
    assert Patrol.objects.count() == 1
    open_menu(page, "街面巡查")
    with page.expect_navigation():
        page.get_by_role("link", name="登记极端天气预警").click()
    page.get_by_label("预警类型").select_option(label="寒潮、低温、冰冻")
    today = timezone.localdate()
    page.get_by_label("开始日期").fill(today.isoformat())
    page.get_by_label("结束日期").fill((today + dt.timedelta(days=2)).isoformat())
    page.get_by_label("预警内容").fill("寒潮蓝色预警")
    with page.expect_navigation():
        page.get_by_role("button", name="保存预警").click()
    assert WeatherAlert.objects.count() == 1
    assert "寒潮、低温、冰冻预警" in page.locator("#patrol-day").inner_text()
    open_menu(page, "发现报告")
    with page.expect_navigation():
        page.get_by_role("link", name="救助管理站位置").click()
    page.get_by_label("救助管理站", exact=True).select_option(label="隆回县救助管理站")
    page.get_by_label("纬度", exact=True).fill("27.111900")
    page.get_by_label("经度", exact=True).fill("111.035600")
    with page.expect_navigation():
        page.get_by_role("button", name="保存位置").click()
    assert "北纬 27.111900" in page.locator("table").inner_text()
    shot(page, "locations")
