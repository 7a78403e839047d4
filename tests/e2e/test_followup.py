"""The coordinator (协理员) of a village in 洞口县, on a 390×844 phone and on a desk, opens the week's visits from the
home page, records a home visit of a returnee (escorted home by 隆回县救助管理站) that finds hardship, and hands it
over to intake in one step: one 主动发现 application, for the window to take up. Issue #20."""

import datetime as dt

from django.utils import timezone

from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region, User
from jiuzhu.followup import services
from jiuzhu.followup.models import FollowupVisit, ReturneeEntry, VisitStatus
from jiuzhu.intake.models import Application, Channel
from jiuzhu.rescue.cases_services import case_admit, case_discharge
from tests.e2e.conftest import open_menu, shooter, sign_in

VILLAGE = "430525100200"  # the dongkou coordinator's village


shot = shooter("followup")


def returnee_due_this_week() -> FollowupVisit:
    """Through the services, as in production: admitted and escorted home (the discharge event makes the ledger
    entry), the home made precise by the county, the first visit brought to this week."""
    station = User.objects.get(username="longhui_station")
    case = case_admit(actor=station, sex="M", arrival_channel="self_request", name="刘小河",
                      id_number=make_id_number("430525", dt.date(1975, 3, 8), 31), vagrancy_reason="外出务工无着")
    case_discharge(actor=station, case=case, kind="escorted_return", destination="洞口县洞口镇")
    entry = ReturneeEntry.objects.get(case=case)
    services.returnee_set_home(actor=User.objects.get(username="dongkou_officer"), entry=entry,
                               region=Region.objects.get(code=VILLAGE))
    visit = entry.visits.get(sequence=1)
    FollowupVisit.objects.filter(pk=visit.pk).update(due_on=timezone.localdate())
    return visit


def test_the_coordinator_records_a_visit_finding_hardship_and_hands_it_over(page, viewport):
    visit = returnee_due_this_week()
    sign_in(page, "dongkou_coordinator")
    shot(page, "0-home", viewport)  # the home page: the work list, the week's visits on it
    with page.expect_navigation():
        page.get_by_role("link", name="本周应回访的人员").click()
    assert "刘小河" in page.locator("#visits").inner_text()
    shot(page, "1-week", viewport)
    with page.expect_navigation():
        page.get_by_role("link", name="刘小河").click()
    shot(page, "1-visit-form", viewport)

    page.guard.allow_status(400)
    page.get_by_label("实地走访").check()
    with page.expect_navigation():  # nothing written: said beside the field
        page.get_by_role("button", name="保存回访记录").click()
    assert "请填写回访情况" in page.locator("main").inner_text()
    page.get_by_label("回访情况").fill("母亲年迈多病，本人无稳定收入，家中无劳动力")
    page.get_by_label("发现困难").select_option(label="收入（生产）困难")
    with page.expect_navigation():
        page.get_by_role("button", name="保存回访记录").click()
    assert "已记录回访" in page.locator(".messages").inner_text()
    assert "收入（生产）困难" in page.locator("#visit-hardship").inner_text()
    shot(page, "2-recorded", viewport)

    page.get_by_label("最低生活保障").check()
    page.get_by_label("临时救助", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="一键转入救助申请").click()
    application = Application.objects.get()
    assert application.channel == Channel.DISCOVERY and application.source_ref == f"followup:visit:{visit.pk}"
    assert f"查询码 {application.query_code}" in page.locator("#handover-done").inner_text()
    assert page.get_by_role("button", name="一键转入救助申请").count() == 0  # exactly once: the step is gone
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.application_id == application.pk
    shot(page, "3-handed-over", viewport)
    # no sideways scrolling (the guard checks every page loaded; said here for the phone's last page too)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_the_station_prints_the_feedback_letter_on_a4_and_records_the_reply(page, viewport):
    """A home county whose office does not use the platform (郑州市中原区): the letter, on one A4 sheet; the reply
    recorded by the station that sent the client home."""
    import re

    station = User.objects.get(username="longhui_station")
    case = case_admit(actor=station, sex="F", arrival_channel="police", handover_form_number="隆公交〔2026〕9号",
                      name="赵春梅", id_number=make_id_number("410102", dt.date(1968, 7, 1), 42),
                      groups=["is_mentally_ill"])
    case_discharge(actor=station, case=case, kind="escorted_return", destination="郑州市中原区")
    entry = ReturneeEntry.objects.get(case=case)
    sign_in(page, "longhui_station")
    open_menu(page, "返乡台账")
    with page.expect_navigation():
        page.get_by_role("link", name="赵春梅").click()
    assert "书面函件反馈" in page.locator("#feedback").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="打印反馈函").click()
    sheet = page.locator("#sheet").inner_text()
    assert "赵春梅" in sheet and "护送返乡" in sheet and "精神障碍" in sheet
    shot(page, "4-letter", viewport)
    page.emulate_media(media="print")
    assert page.locator(".print-toolbar").is_hidden()
    if viewport == "desk":
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        sizes = {tuple(round(float(x)) for x in m) for m in
                 re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
        assert sizes == {(595, 842)}, sizes  # A4
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # one sheet
    page.emulate_media(media="screen")
    with page.expect_navigation():
        page.get_by_role("link", name="返回返乡台账").click()
    with page.expect_navigation():
        page.get_by_role("button", name="登记已寄送反馈函").click()
    with page.expect_navigation():
        page.get_by_role("button", name="登记流出地已收到反馈").click()
    page.get_by_label("到家情况").fill("由妹妹照看，已联系当地村委会")
    with page.expect_navigation():
        page.get_by_role("button", name="确认到家").click()
    entry.refresh_from_db()
    assert entry.feedback_sent_at and entry.receipt_confirmed_at and entry.arrived_on
    assert "到家" in page.locator("#feedback").inner_text()
    shot(page, "5-ledger", viewport)


def test_the_village_enters_an_at_risk_person_and_the_county_returns_then_lists_it(open_page, page, viewport):
    """The coordinator enters a person on the phone form (《易流浪走失人员信息登记表》); the county officer, signed in
    beside, returns it as incomplete; the coordinator completes it; the county lists it and the visits follow."""
    from jiuzhu.followup.models import AtRiskPerson, AtRiskStatus

    sign_in(page, "dongkou_coordinator")
    page.guard.allow_status(400)
    open_menu(page, "易流浪走失人员")
    page.locator("summary", has_text="登记易流浪走失人员").click()
    page.get_by_label("居住的村（社区）").select_option(label="湖南省邵阳市洞口县洞口镇红星社区")
    page.get_by_label("姓名").fill("陈阿婆")
    page.get_by_label("性别").select_option("F")
    page.get_by_label("身份证号码").fill(make_id_number("430525", dt.date(1942, 1, 9), 62))
    with page.expect_navigation():  # no condition chosen: said beside the field
        page.get_by_role("button", name="提交县级审核").click()
    assert "请至少选择一项易流浪走失情形" in page.locator("main").inner_text()
    page.get_by_label("阿尔茨海默病（认知症）").check()
    page.get_by_label("孤寡老人").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交县级审核").click()
    assert page.locator("#atrisk-status").inner_text() == "待县级审核"
    person = AtRiskPerson.objects.get()

    officer = open_page()
    sign_in(officer, "dongkou_officer")
    officer.goto(officer.base_url + f"/followup/at-risk/{person.pk}/")
    officer.get_by_label("退回补正").check()
    officer.get_by_label("退回理由").fill("缺监护人联系方式")
    with officer.expect_navigation():
        officer.get_by_role("button", name="提交审核意见").click()
    assert officer.locator("#atrisk-status").inner_text() == "退回补正"

    page.reload()
    assert "缺监护人联系方式" in page.locator("#return-reason").inner_text()
    page.get_by_label("监护人（联系人）及电话").fill("陈大军 13900001111")
    with page.expect_navigation():
        page.get_by_role("button", name="重新提交").click()
    officer.reload()
    officer.get_by_label("审核入库").check()
    with officer.expect_navigation():
        officer.get_by_role("button", name="提交审核意见").click()
    person.refresh_from_db()
    assert person.status == AtRiskStatus.LISTED and person.visits.count() == 6
    page.reload()
    assert page.locator("#atrisk-status").inner_text() == "已入库"
    assert "第 1 次" in page.locator("#atrisk-visits").inner_text()
    shot(page, "6-at-risk", viewport)


def test_a_visit_becomes_a_monitoring_lead_and_a_relapse_returnee_reaches_the_rural_office(open_page, page, viewport):
    """The coordinator records a phone call that finds hardship and turns it into a monitoring lead in one step;
    a returnee who is a 防止返贫监测对象 is notified to 洞口县乡村振兴局, whose clerk receives it from the home page."""
    from jiuzhu.monitoring.models import Warning
    from jiuzhu.rescue.models import RescueCase

    visit = returnee_due_this_week()
    RescueCase.objects.filter(pk=visit.entry.case_id).update(registry_tier="relapse_watch")
    ReturneeEntry.objects.filter(pk=visit.entry_id).update(relapse_watch=True)
    entry = ReturneeEntry.objects.get(pk=visit.entry_id)
    services.returnee_set_home(actor=User.objects.get(username="dongkou_officer"), entry=entry,
                               region=Region.objects.get(code=VILLAGE))

    sign_in(page, "dongkou_coordinator")
    page.goto(page.base_url + f"/followup/visits/{visit.pk}/")
    page.get_by_label("电话问询").check()
    page.get_by_label("回访情况").fill("本人腿伤未愈，无法外出务工，家中缺少收入")
    page.get_by_label("发现困难").select_option(label="医疗（健康）困难")
    with page.expect_navigation():
        page.get_by_role("button", name="保存回访记录").click()
    with page.expect_navigation():
        page.get_by_role("button", name="一键转为监测线索").click()
    assert "已转为监测线索" in page.locator(".messages").inner_text()
    warning = Warning.objects.get()
    assert warning.status == "open" and "腿伤未愈" in warning.evidence["发现的情况"]
    assert page.get_by_role("button", name="一键转入救助申请").count() == 0  # one hand-over per visit
    shot(page, "7-lead", viewport)

    rural = open_page()
    sign_in(rural, "dongkou_rural")
    with rural.expect_navigation():
        rural.get_by_role("link", name="防止返贫监测对象返乡通报：待接收").click()
    assert "刘小河" in rural.locator("#relapse-inbox").inner_text()
    with rural.expect_navigation():
        rural.get_by_role("button", name="确认接收").click()
    assert "已确认接收" in rural.locator(".messages").inner_text()
    entry.refresh_from_db()
    assert entry.relapse_received_at is not None
    shot(rural, "8-relapse-inbox", viewport)
