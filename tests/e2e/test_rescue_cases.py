"""A station worker of 隆回县救助管理站 admits a person (入站登记) on a desk and on a 390×844 phone, records care on
two days, transfers the client to hospital and back, and discharges by escorted return (护送返乡, cross-province);
the station manager, signed in beside, sees the dashboard change at each step. The three official forms
(求助登记表, 在站服务及离站登记表, 自行离站声明书) print on one A4 page each, and so does a refusal's 不予救助通知书."""

import datetime as dt
import re

from django.utils import timezone

from jiuzhu.rescue.models import CaseStatus, RescueCase
from tests.e2e.conftest import open_menu, shooter, sign_in

shot = shooter("rescue-cases")


def figure(page, fid: str) -> str:
    return page.locator(f"#{fid} .n").inner_text()


def manager_sees(manager, *, in_station: str, hospital: str) -> None:
    manager.reload()
    assert figure(manager, "fig-in-station") == in_station
    assert figure(manager, "fig-hospital") == hospital


def open_panel(page, title: str) -> None:
    summary = page.locator("summary", has_text=title)
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()


def submit(page, panel: str, button: str) -> None:
    with page.expect_navigation():
        page.locator(f"#panel-{panel}").get_by_role("button", name=button).click()


def one_a4_page(page) -> None:
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    sizes = {tuple(round(float(x)) for x in m) for m in
             re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert sizes == {(595, 842)}, sizes  # A4 in points
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # the form fits one sheet


def test_station_worker_admits_cares_hospital_and_back_and_escorts_home_while_the_manager_watches(
        page, open_page, viewport):
    manager = open_page()
    sign_in(manager, "longhui_stationmgr")
    manager.goto(manager.base_url + "/rescue/")
    assert figure(manager, "fig-in-station") == "0"

    sign_in(page, "longhui_station")
    page.guard.allow_status(400)  # a refused form comes back with 400, its errors beside the fields
    open_menu(page, "入站登记")
    assert "入站登记" in page.locator("h1").inner_text()
    page.get_by_label("姓名（不知道的留空，记为无名氏）").fill("刘大明")
    page.get_by_label("性别").select_option("M")
    page.get_by_label("年龄或估计年龄（目测）").fill("52")
    page.get_by_label("户口所在地").fill("河南省周口市川汇区")
    page.get_by_label("来站方式").select_option("police")
    page.get_by_label("流浪乞讨原因").fill("外出务工被拖欠工资，身无分文")
    page.get_by_label("滞留务工人员").check()
    page.get_by_label("已采集指纹").check()
    with page.expect_navigation():
        page.get_by_role("button", name="入站登记").click()
    # the hand-over form's number is missing: said beside the field, nothing typed lost
    assert "请填写公安机关护送交接表编号" in page.locator("main").inner_text()
    assert page.get_by_label("姓名（不知道的留空，记为无名氏）").input_value() == "刘大明"
    assert page.get_by_label("滞留务工人员").is_checked()
    shot(page, "1-admission-error")
    page.get_by_label("公安机关护送交接表编号（公安护送的必填）").fill("隆公交〔2026〕57号")
    with page.expect_navigation():
        page.get_by_role("button", name="入站登记").click()
    case = RescueCase.objects.get()
    assert case.status == CaseStatus.IN_STATION and case.is_stranded_worker
    assert "已入站登记：刘大明" in page.locator(".messages").inner_text()
    assert page.locator("#case-status").inner_text() == "在站"
    manager_sees(manager, in_station="1", hospital="0")

    # Care on two days: the client came in yesterday (moved back a day here), care logged for both days.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    RescueCase.objects.filter(pk=case.pk).update(
        admitted_on=yesterday, admitted_at=case.admitted_at - dt.timedelta(days=1),
        period_end=yesterday + dt.timedelta(days=10))
    page.reload()
    open_panel(page, "记录今日照料")
    page.get_by_label("照料日期").fill(yesterday.isoformat())
    page.get_by_label("身体状况").fill("体弱，有轻微咳嗽")
    page.get_by_label("饮食").fill("三餐正常")
    submit(page, "care", "保存照料记录")
    open_panel(page, "记录今日照料")
    page.get_by_label("身体状况").fill("咳嗽加重，发热 38.5 度")
    submit(page, "care", "保存照料记录")
    assert case.care_logs.count() == 2
    logs = page.locator("#care-logs").inner_text()
    assert "体弱，有轻微咳嗽" in logs and "发热 38.5 度" in logs
    open_panel(page, "送医")
    shot(page, "2-record-in-station")

    # To hospital and back.
    open_panel(page, "送医")
    page.get_by_label("医院", exact=True).fill("隆回县人民医院")
    page.get_by_label("送医原因").fill("持续发热，疑似肺炎")
    submit(page, "hospital", "登记送医")
    assert page.locator("#case-status").inner_text() == "送医"
    manager_sees(manager, in_station="0", hospital="1")
    shot(manager, "2-dashboard-hospital")
    open_panel(page, "返回站内")
    page.get_by_label("返回情况").fill("治愈出院")
    submit(page, "return", "登记返回站内")
    assert page.locator("#case-status").inner_text() == "在站"
    manager_sees(manager, in_station="1", hospital="0")

    # Discharge by escorted return, cross-province.
    open_panel(page, "办理离站")
    page.get_by_label("离站方式").select_option("escorted_return")
    page.get_by_label("去向（接领、护送、乘车的目的地）").fill("河南省周口市救助管理站")
    page.get_by_label("跨省").check()
    page.get_by_label("寄存物品已归还").check()
    submit(page, "discharge", "办理离站")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISCHARGED and case.discharge.cross_province
    assert page.locator("#case-status").inner_text() == "已离站"
    timeline = page.locator(".timeline").inner_text()
    for step in ("入站登记：刘大明", "照料记录", "送医：隆回县人民医院", "出院返回站内", "离站：护送返乡"):
        assert step in timeline, step
    shot(page, "3-record")
    manager_sees(manager, in_station="0", hospital="0")

    # The three forms, each on one A4 sheet.
    for link, title in (("打印求助登记表", "求助登记表"), ("打印在站服务及离站登记表", "在站服务及离站登记表"),
                        ("打印自行离站声明书", "自行离站声明书")):
        with page.expect_navigation():
            page.get_by_role("link", name=link).click()
        assert title in page.locator("#sheet h1").inner_text()
        assert "刘大明" in page.locator("#sheet").inner_text()
        shot(page, f"4-print-{title}")
        page.emulate_media(media="print")
        assert page.locator(".print-toolbar").is_hidden()
        if viewport == "desk":
            one_a4_page(page)
        page.emulate_media(media="screen")
        with page.expect_navigation():
            page.get_by_role("link", name="返回救助记录").click()
    sheet_text = "护送返乡"
    with page.expect_navigation():
        page.get_by_role("link", name="打印在站服务及离站登记表").click()
    assert sheet_text in page.locator("#sheet").inner_text()


def test_a_refusal_at_reception_prints_its_notice_on_a4(page, viewport):
    """不予救助 at the 24-hour reception: the written reason, then the 不予救助通知书 on one A4 sheet."""
    sign_in(page, "longhui_station")
    page.guard.allow_status(400)
    open_menu(page, "入站登记")
    page.get_by_label("性别").select_option("M")
    page.get_by_label("年龄或估计年龄（目测）").fill("38")
    page.get_by_label("来站方式").select_option("self_request")
    with page.expect_navigation():  # no reason written: refused, beside the field
        page.get_by_role("button", name="不予救助").click()
    assert page.locator(".has-error .error").count() >= 1
    page.get_by_label("不予救助的理由（仅在“不予救助”时填写）").fill("拒不提供姓名、户籍等个人基本情况")
    with page.expect_navigation():
        page.get_by_role("button", name="不予救助").click()
    assert page.locator("#case-status").inner_text() == "不予救助"
    with page.expect_navigation():
        page.get_by_role("link", name="打印不予救助通知书").click()
    sheet = page.locator("#sheet").inner_text()
    assert "不予救助通知书" in sheet and "拒不提供姓名、户籍等个人基本情况" in sheet
    shot(page, "7-print-不予救助通知书")
    page.emulate_media(media="print")
    if viewport == "desk":
        one_a4_page(page)


def test_an_incident_reaches_the_manager_and_an_escalation_the_regional_centre(page, open_page, persona):
    """The worker reports a client's absconding and escalates identity verification; the station manager sees
    the incident on the dashboard at once and closes it; the regional centre sends staff down (下沉协助)."""
    from jiuzhu.rescue.cases_services import case_admit

    case = case_admit(actor=persona("longhui_station"), sex="F", arrival_channel="sighting", name="",
                      estimated_age=70, check_mental=True)
    sign_in(page, "longhui_station")
    page.goto(f"{page.base_url}/rescue/cases/{case.pk}/")
    assert "无名氏" in page.locator("h1").inner_text()
    open_panel(page, "报告异常事件")
    page.get_by_label("事件类型").select_option("absconding")
    page.get_by_label("地点").fill("站内院落")
    page.get_by_label("事件经过及已采取的措施").fill("午饭后未见，已报警并调取监控")
    submit(page, "incident", "报告异常事件")
    open_panel(page, "提级至区域性中心")
    page.get_by_label("提级事项").select_option("identity")
    page.get_by_label("提级理由").fill("老人不能表达，口音难辨，需人脸比对")
    submit(page, "escalate", "提级办理")
    assert "待区域性中心受理" in page.locator("main").inner_text()

    manager = open_page()
    sign_in(manager, "longhui_stationmgr")
    manager.goto(manager.base_url + "/rescue/")
    assert figure(manager, "fig-incidents") == "1"
    with manager.expect_navigation():
        manager.locator("#fig-incidents").click()
    with manager.expect_navigation():
        manager.get_by_role("link", name="走失", exact=True).click()
    manager.locator("#panel-close > summary").click()
    manager.get_by_label("结案意见").fill("当晚在车站找回，已加强夜间巡查")
    with manager.expect_navigation():
        manager.locator("#panel-close").get_by_role("button", name="结案").click()
    assert manager.locator("#incident-status").inner_text() == "已结案"
    shot(manager, "5-incident-closed")

    regional = open_page()
    sign_in(regional, "shaoyang_regional")
    regional.goto(regional.base_url + "/")
    assert "待受理的提级办理事项" in regional.locator("main").inner_text()
    regional.goto(f"{regional.base_url}/rescue/cases/?show=escalated")
    with regional.expect_navigation():
        regional.get_by_role("link", name=case.number).click()
    escalation = case.escalations.get()
    regional.locator(f"#panel-accept{escalation.pk} > summary").click()
    regional.get_by_label("下沉协助（派员到站协助）").check()
    regional.get_by_label("受理意见（下沉协助时写明派员情况）").fill("明日派 2 人携人脸比对设备到站")
    with regional.expect_navigation():
        regional.locator(f"#panel-accept{escalation.pk}").get_by_role("button", name="受理").click()
    escalation.refresh_from_db()
    assert escalation.status == "delegated"
    assert "下沉协助" in regional.locator(f"#escalation-{escalation.pk}").inner_text()
    shot(regional, "6-escalation-delegated")
    page.reload()
    assert "明日派 2 人携人脸比对设备到站" in page.locator(".timeline").inner_text()  # the shared timeline
