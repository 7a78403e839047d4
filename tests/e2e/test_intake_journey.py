"""The one-window journey end to end (issue 17), on a desk and on a 390×844 phone: the 桃洪镇 window officer
takes an application with two items (临时救助, 医疗救助) through the 一表登记 form, prints the receipt and the
one-time notice, and refers the medical item to 隆回县医疗保障局 from the application page; the department clerk
returns it with a reason; the officer re-sends it, saying what changed; the applicant checks the progress on the
public portal with the query code and the last four digits of the ID number."""

import pytest

from jiuzhu.intake.models import Application, Referral, ReferralStatus
from jiuzhu.intake.tests.conftest import applicant_number
from tests.e2e.conftest import open_menu, shooter, sign_in

NUMBER = applicant_number(64)
RETURN_REASON = "缺少住院费用结算单，请补齐后重新转办"


shot = shooter("intake-journey")


def take_application(page) -> Application:
    open_menu(page, "受理登记")
    page.get_by_label("申请人姓名").fill("赵春梅")
    page.get_by_label("身份证号码", exact=True).fill(NUMBER)
    page.get_by_label("联系电话").fill("13900003333")
    page.get_by_label("现住址").fill("红星社区2组8号")
    page.get_by_label("按名称查找").fill("红星社区")
    page.get_by_label("临时救助（10 个工作日）").check()
    page.get_by_label("医疗救助（20 个工作日）").check()
    page.get_by_label("困难情况", exact=True).fill("丈夫住院手术，自付费用高，家中无其他收入")
    with page.expect_navigation():
        page.get_by_role("button", name="保存并受理").click()
    application = Application.objects.get()
    assert f"已受理，查询码 {application.query_code}" in page.locator(".messages").inner_text()
    return application


def test_window_refers_clerk_returns_window_resends_applicant_checks(open_page):
    officer = open_page()
    officer.guard.allow_status(400)
    sign_in(officer, "longhui_window")
    application = take_application(officer)
    detail_url = officer.url

    with officer.expect_navigation():
        officer.get_by_role("link", name="打印受理回执").click()
    assert application.query_code in officer.locator(".sheet").inner_text()
    officer.goto(detail_url)
    with officer.expect_navigation():
        officer.get_by_role("button", name="出具一次性告知书").click()
    sheet = officer.locator(".sheet").inner_text()
    assert "一次性告知书" in sheet and "医疗费用票据及结算单" in sheet and "困难情况说明" in sheet
    shot(officer, "notice")
    officer.goto(detail_url)

    medical = application.items.get(item="medical")
    section = officer.locator(f"#item-{medical.pk}-referrals")
    section.get_by_label("转办说明（可选）").fill("住院自付费用较高，请核定医疗救助")
    with officer.expect_navigation():
        section.get_by_role("button", name="转办", exact=True).click()
    first = Referral.objects.get()
    assert first.organization.name == "隆回县医疗保障局" and first.status == ReferralStatus.SENT
    assert "待接收" in officer.locator(f"#item-{medical.pk}-referrals").inner_text()
    shot(officer, "referred")

    clerk = open_page()
    clerk.guard.allow_status(400)
    sign_in(clerk, "longhui_clerk")
    open_menu(clerk, "转办事项")
    with clerk.expect_navigation():
        clerk.get_by_role("link", name="医疗救助").first.click()
    form = clerk.locator("#return-form")
    form.get_by_label("退回理由").fill(RETURN_REASON)
    with clerk.expect_navigation():
        form.get_by_role("button", name="退回", exact=True).click()
    assert "已退回窗口" in clerk.locator(".messages").inner_text()
    shot(clerk, "returned")

    officer.goto(detail_url)
    section = officer.locator(f"#item-{medical.pk}-referrals")
    assert RETURN_REASON in section.inner_text() and "已退回" in section.inner_text()
    section.get_by_label("重新转办说明（补正或修改了什么）").fill("已补齐住院费用结算单")
    with officer.expect_navigation():
        section.get_by_role("button", name="重新转办").click()
    second = Referral.objects.get(previous=first)
    assert second.status == ReferralStatus.SENT and second.organization_id == first.organization_id
    assert "重新转办至隆回县医疗保障局" in officer.locator(f"#item-{medical.pk}-referrals").inner_text()
    shot(officer, "resent")

    applicant = open_page()
    applicant.guard.allow_status(400)
    applicant.goto(applicant.base_url + "/portal/")
    with applicant.expect_navigation():
        applicant.get_by_role("link", name="查询办理进度").first.click()
    applicant.get_by_label("查询码").fill(application.query_code)
    applicant.get_by_label("身份证号码后四位").fill(NUMBER[-4:])
    with applicant.expect_navigation():
        applicant.get_by_role("button", name="查询").click()
    body = applicant.inner_text("body")
    assert "办理经过" in body and "临时救助" in body and "医疗救助" in body and "医疗保障局" in body
    assert "赵春梅" not in body and NUMBER not in body
    shot(applicant, "portal")


pytestmark = pytest.mark.usefixtures("world")
