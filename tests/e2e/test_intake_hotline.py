"""The hotline operator (桃洪镇 window officer) logs a call on a desk and on a phone: the caller complains, the
call becomes a complaint with its deadline in working days; the operator answers it in writing later."""

from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake.models import CallOutcome, ComplaintStatus, HotlineCall
from jiuzhu.intake.services import today
from tests.e2e.conftest import open_menu, shooter, sign_in

shot = shooter("hotline")


def test_call_becomes_a_complaint_and_is_answered(page):
    sign_in(page, "longhui_window")
    open_menu(page, "热线来电")
    with page.expect_navigation():
        page.get_by_role("link", name="登记来电").click()
    page.get_by_label("来电人姓名").fill("周九")
    page.get_by_label("来电号码").fill("13700003333")
    page.get_by_label("乡镇（街道）").select_option(label="桃洪镇")
    page.locator("#village option", has_text="红星社区").wait_for(state="attached")
    page.get_by_label("村（社区）").select_option(label="红星社区")
    page.get_by_label("来电内容").fill("反映村里评议低保时不公开，要求复核")
    page.get_by_label("投诉", exact=True).check()
    shot(page, "form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存来电").click()

    call = HotlineCall.objects.get()
    assert call.outcome == CallOutcome.COMPLAINT and call.complaint_status == ComplaintStatus.OPEN
    assert call.complaint_due_date == add_working_days(today(), 15)
    body = page.inner_text("body")
    assert "投诉已登记" in body and f"{call.complaint_due_date:%Y-%m-%d}" in body
    shot(page, "complaint")

    page.get_by_label("答复内容").fill("已责成村委会公开评议过程，重新组织民主评议")
    with page.expect_navigation():
        page.get_by_role("button", name="保存答复").click()
    assert "投诉已答复" in page.inner_text("body")
    call.refresh_from_db()
    assert call.complaint_status == ComplaintStatus.ANSWERED

    open_menu(page, "热线来电")
    assert "周九" in page.inner_text("body")
