"""A township window officer (窗口经办, 桃洪镇) takes an application on a desk and on a 390×844 phone: fills the
一表登记 form with two items (临时救助 and 医疗救助) and the one material brought, saves, prints the receipt
(受理回执) and the one-time notice (一次性告知书, every missing material listed at once), then marks the
materials brought in later as received: the application moves on to 办理中."""

# ruff: noqa: F811 - the fixtures imported below are the tests' arguments
import pytest

from jiuzhu.intake.catalog import ITEM_BY_CODE
from jiuzhu.intake.models import Application, ApplicationStatus, MaterialChecklist
from jiuzhu.intake.tests.conftest import (  # noqa: F401 - fixtures
    applicant_number,
    receive_all,
    take_application,
    village_a,
)
from tests.e2e.conftest import open_menu, shooter, sign_in

BROUGHT = "申请人居民身份证、户口簿"


shot = shooter("intake-window")


@pytest.fixture
def missing() -> list[str]:
    temporary = [m for m in ITEM_BY_CODE["temporary"].materials if m != BROUGHT]
    return temporary + list(ITEM_BY_CODE["medical"].materials)


def test_window_officer_takes_an_application_prints_receipt_and_notice_and_receives_materials(page, missing):
    sign_in(page, "longhui_window")
    open_menu(page, "受理登记")
    assert "受理登记（一表登记）" in page.locator("h1").inner_text()

    page.get_by_label("申请人姓名").fill("王桂兰")
    page.get_by_label("身份证号码", exact=True).fill(applicant_number(52))
    page.evaluate("window.__samePage = true")
    page.get_by_role("button", name="查询是否在低收入人口库").click()  # htmx: the answer in place, no reload
    assert "未在您管辖范围内的低收入人口库中找到" in page.locator("#lookup-result").inner_text()
    assert page.evaluate("window.__samePage === true")
    assert page.get_by_label("申请人姓名").input_value() == "王桂兰"  # nothing typed lost
    page.get_by_label("联系电话").fill("13900002222")
    page.get_by_label("现住址").fill("红星社区5组3号")
    page.get_by_label("按名称查找").fill("红星社区")
    page.get_by_label("临时救助（10 个工作日）").check()
    page.get_by_label("医疗救助（20 个工作日）").check()
    block = page.locator("#item-block-temporary")
    assert block.locator("details").evaluate("d => d.open")  # ticking the item opened its materials
    block.get_by_label(f"已带来：{BROUGHT}").check()
    page.get_by_label("困难情况", exact=True).fill("丈夫突发疾病住院，家中无其他收入")
    shot(page, "1-form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存并受理").click()

    app = Application.objects.get()
    assert f"已受理，查询码 {app.query_code}" in page.locator(".messages").inner_text()
    assert app.status == ApplicationStatus.MATERIALS_PENDING
    assert set(app.items.values_list("item", flat=True)) == {"temporary", "medical"}
    assert "待补正材料" in page.locator("main").inner_text()
    shot(page, "2-detail")

    # 受理回执
    with page.expect_navigation():
        page.get_by_role("link", name="打印受理回执").click()
    receipt = page.locator(".sheet").inner_text()
    assert "社会救助申请受理回执" in receipt and app.query_code in receipt
    assert "桃洪镇社会救助服务窗口" in receipt and "桃洪镇窗口经办员" in receipt
    assert "临时救助" in receipt and "医疗救助" in receipt
    assert page.get_by_role("button", name="打印").is_visible()
    shot(page, "3-receipt")
    with page.expect_navigation():
        page.get_by_role("link", name="返回申请").click()

    # 一次性告知书: every missing material of both items at once
    with page.expect_navigation():
        page.get_by_role("button", name="出具一次性告知书").click()
    notice = MaterialChecklist.objects.get()
    sheet = page.locator(".sheet").inner_text()
    assert "社会救助申请一次性告知书" in sheet and notice.number in sheet
    for name in missing:
        assert name in sheet, name
    assert page.locator("tr.missing").count() == len(missing)
    assert BROUGHT not in page.locator("tr.missing", has_text="临时救助").inner_text()
    shot(page, "4-notice")
    with page.expect_navigation():
        page.get_by_role("link", name="返回申请").click()

    # the materials brought in later: 补正
    form = page.locator("#materials-form form")
    boxes = form.get_by_role("checkbox")
    assert boxes.count() == len(missing)
    for i in range(boxes.count()):
        boxes.nth(i).check()
    with page.expect_navigation():
        form.get_by_role("button", name="登记收到").click()
    assert "已登记收到的材料" in page.locator(".messages").inner_text()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_PROGRESS
    assert "办理中" in page.locator("main").inner_text()
    assert "材料已齐全" in page.locator("#history ~ ol").inner_text()
    shot(page, "5-received")


def test_approver_decides_a_proposed_item_from_the_work_list(page, take_application, receive_all):
    """The county approver (审批) finds the township's 初审意见 on the work list and grants the item."""
    app = receive_all(take_application())
    from jiuzhu.intake.application_services import item_propose

    temporary = app.items.get(item="temporary")
    item_propose(actor=app.first_officer, item=temporary, proposal="入户核实属实，建议给予临时救助")
    sign_in(page, "longhui_approver")
    with page.expect_navigation():
        page.get_by_role("link", name="有事项已初审、待审核确认的申请").click()
    assert "待审核确认" in page.locator("form.filters").inner_text()
    shot(page, "6-list")
    with page.expect_navigation():
        page.get_by_role("link", name=app.query_code).click()
    card = page.locator(f"#item-{temporary.pk}")
    assert "入户核实属实，建议给予临时救助" in card.inner_text()
    form = card.locator("form")
    form.get_by_label("给予救助").check()
    form.get_by_label("救助金额（元，可选）").fill("800")
    shot(page, "7-decide")
    with page.expect_navigation():
        form.get_by_role("button", name="确认").click()
    assert "临时救助：给予救助" in page.locator(".messages").inner_text()
    temporary.refresh_from_db()
    assert temporary.status == "granted" and str(temporary.amount) == "800.00"
    assert "给予救助，800.00 元" in page.locator("#history ~ ol").inner_text()
    # the medical item is referred to 医保 (the referrals part): the application cannot be closed yet
    page.locator("#close-form summary").click()
    page.guard.allow_status(400)  # the refusal comes back as 400 with the form
    with page.expect_navigation():
        page.locator("#close-form").get_by_role("button", name="办结").click()
    assert "还有事项未办理完毕（医疗救助），不能办结" in page.locator("#close-form").inner_text()
