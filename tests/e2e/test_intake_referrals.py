"""转办 between the window and a department, on a desk and on a 390×844 phone: an application with two items is
taken at 桃洪镇's window and its medical item referred to 隆回县医疗保障局 (through the services, in setup); the
department clerk opens the inbox from the menu and returns the referral with a reason; the window officer sees it
returned on the item's referral page and re-sends it through the partial's form, saying what changed; the clerk
accepts the re-sent referral and completes it with the outcome and the amount."""

import datetime as dt

import pytest

from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region, User
from jiuzhu.intake.models import ApplicationItem, ItemStatus, Referral, ReferralStatus
from tests.e2e.conftest import open_menu, shooter, sign_in

VILLAGE = "430524100200"  # 桃洪镇 红星社区


@pytest.fixture
def referred(world):
    from jiuzhu.intake.models import Channel
    from jiuzhu.intake.referral_services import referral_send
    from jiuzhu.intake.services import application_create

    window = User.objects.select_related("organization", "region").get(username="longhui_window")
    application = application_create(
        actor=window, channel=Channel.WINDOW, region=Region.objects.get(code=VILLAGE), applicant_name="李秀英",
        applicant_id_number=make_id_number("430524", dt.date(1968, 3, 9), 31), items=["temporary", "medical"],
        circumstances="丈夫重病住院，自付医疗费用较多，家中无劳动力", applicant_phone="13800001111")
    item = application.items.select_related("application__region").get(item="medical")
    return referral_send(actor=window, item=item, note="住院自付费用较高，请核定医疗救助")


shot = shooter("referrals")


def submit(page, form, button: str) -> None:
    with page.expect_navigation():
        form.get_by_role("button", name=button, exact=True).click()


def open_referral_from_inbox(page) -> None:
    open_menu(page, "转办事项")
    assert "转给本部门的事项" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="医疗救助").first.click()


def test_clerk_returns_window_resends_clerk_accepts_and_completes(open_page, referred):
    clerk = open_page()
    clerk.guard.allow_status(400)  # a refused form comes back with status 400 and the message beside the field
    sign_in(clerk, "longhui_clerk")
    assert "待接收的转办事项" in clerk.locator("main").inner_text()
    open_menu(clerk, "转办事项")
    inbox = clerk.locator("main").inner_text()
    assert "李秀英" in inbox and "430524********" in inbox and "桃洪镇社会救助服务窗口" in inbox
    assert "个工作日" in inbox
    shot(clerk, "inbox")
    with clerk.expect_navigation():
        clerk.get_by_role("link", name="医疗救助").first.click()
    assert "丈夫重病住院" in clerk.locator("main").inner_text()

    # Return without a reason is refused beside the field; then with the reason.
    form = clerk.locator("#return-form")
    submit(clerk, form, "退回")
    form = clerk.locator("#return-form")
    assert "请填写退回理由" in form.inner_text()
    form.get_by_label("退回理由").fill("缺少住院结算单和诊断证明，请补齐后重新转办")
    shot(clerk, "return")
    submit(clerk, form, "退回")
    assert "已退回窗口" in clerk.locator(".messages").inner_text()
    assert "已退回" in clerk.locator("main").inner_text()
    first = Referral.objects.get()
    assert first.status == ReferralStatus.RETURNED and first.returned_at is not None

    # The window officer sees it returned and re-sends it through the partial's form.
    window = open_page()
    window.guard.allow_status(400)
    sign_in(window, "longhui_window")
    assert "部门退回、待重新转办的事项" in window.locator("main").inner_text()
    window.goto(f"{window.base_url}/intake/items/{first.application_item_id}/referrals/")
    section = window.locator(f"#item-{first.application_item_id}-referrals")
    assert "缺少住院结算单和诊断证明" in section.inner_text() and "已退回" in section.inner_text()
    form = section.locator("form.referral-resend")
    submit(window, form, "重新转办")  # the note is required
    form = window.locator("form.referral-resend")
    assert "请填写重新转办说明" in form.inner_text()
    form.get_by_label("重新转办说明（补正或修改了什么）").fill("已补齐住院结算单和诊断证明")
    submit(window, form, "重新转办")
    assert "已重新转隆回县医疗保障局办理" in window.locator(".messages").inner_text()
    section = window.locator(f"#item-{first.application_item_id}-referrals")
    assert "重新转办至隆回县医疗保障局" in section.inner_text() and "待接收" in section.inner_text()
    shot(window, "resent")
    second = Referral.objects.get(previous=first)

    # The clerk accepts the re-sent referral and completes it.
    open_referral_from_inbox(clerk)
    assert "已补齐住院结算单和诊断证明" in clerk.locator("main").inner_text()
    submit(clerk, clerk.locator("#referral-actions"), "接收")
    assert "已接收" in clerk.locator(".messages").inner_text()
    form = clerk.locator("#complete-form")
    form.get_by_label("办理结果").select_option(label="给予救助")
    form.get_by_label("办理情况（不予救助时写明理由）").fill("经核，核定医疗救助 3200 元")
    form.get_by_label("救助金额（元，可选）").fill("3200")
    submit(clerk, form, "办结")
    assert "已办结" in clerk.locator(".messages").inner_text()
    second.refresh_from_db()
    assert second.status == ReferralStatus.COMPLETED and second.accepted_at and second.completed_at
    assert ApplicationItem.objects.get(pk=first.application_item_id).status == ItemStatus.GRANTED

    window.reload()
    section = window.locator(f"#item-{first.application_item_id}-referrals")
    assert "经核，核定医疗救助 3200 元" in section.inner_text() and "3200" in section.inner_text()


def test_administrator_enters_a_day_of_next_years_arrangement(page):
    """The administrator opens 工作日调整 from 系统管理 and enters a make-up working day for 2027 (a year the
    built-in calendar does not cover); a missing basis is refused beside the field, the date kept."""
    from jiuzhu.core.models import WorkdayOverride
    from jiuzhu.core.workdays import clear_override_cache

    page.guard.allow_status(400)
    sign_in(page, "longhui_admin")
    page.goto(f"{page.base_url}/manage/")
    with page.expect_navigation():
        page.get_by_role("link", name="工作日调整").click()
    page.get_by_label("年份").select_option(label=f"{dt.date.today().year + 1} 年")
    with page.expect_navigation():
        page.get_by_role("button", name="查看").click()
    form = page.locator("form[method=post]").last
    form.get_by_label("日期").fill("2027-01-02")
    form.get_by_label("当天").select_option(label="工作日（调休上班）")
    submit(page, form, "保存")
    form = page.locator("form[method=post]").last
    assert "请填写依据" in form.inner_text() and form.get_by_label("日期").input_value() == "2027-01-02"
    form.get_by_label("依据（放假通知文号）").fill("国办发明电〔2026〕9号")
    submit(page, form, "保存")
    assert "已设定：2027-01-02 为工作日（调休上班）" in page.locator(".messages").inner_text()
    assert "国办发明电〔2026〕9号" in page.locator("main").inner_text()
    shot(page, "workdays")
    assert WorkdayOverride.objects.get().is_working_day is True
    clear_override_cache()
