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
from tests.e2e.conftest import SCREENSHOTS, sign_in

VILLAGE = "430525100200"  # the dongkou coordinator's village


def shot(page, name: str, viewport: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"followup-{name}-{viewport}.png", full_page=True)
    page.guard.check_page(page)


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
    with page.expect_navigation():
        page.get_by_role("link", name="本周应回访的返乡受助人员").click()
    assert "刘小河" in page.locator("#visits").inner_text()
    shot(page, "1-week", viewport)
    with page.expect_navigation():
        page.get_by_role("link", name="刘小河").click()

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
