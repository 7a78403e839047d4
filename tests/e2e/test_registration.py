"""窗口经办 registers a household through the step form (issue 14): household → members one at a time →
income → documents → 完成, on a desk and a phone, fields found by their labels; and a wrong ID number
comes back at the member's step with everything typed kept."""

import datetime as dt

import pytest

from jiuzhu.core.identity import make_id_number
from jiuzhu.registry.models import Document, Household, IncomeItem
from tests.e2e.conftest import SCREENSHOTS, open_menu, shooter, sign_in

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000
HEAD = make_id_number("430524", dt.date(1968, 3, 2), 21)
SPOUSE = make_id_number("430524", dt.date(1970, 8, 9), 22)
CHILD = make_id_number("430524", dt.date(2009, 5, 1), 23)


@pytest.fixture
def scan(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "户主身份证.jpg"
    path.write_bytes(JPEG)
    return path


shot = shooter("registration")


def next_step(page, name: str) -> None:
    page.get_by_role("button", name=name).click()


def fill_member(page, n: int, name: str, number: str, relation: str | None) -> None:
    block = page.locator("fieldset.member", has_text=f"第 {n} 位成员")
    block.get_by_label("姓名").fill(name)
    block.get_by_label("身份证号码").fill(number)
    if relation:
        block.get_by_label("与户主关系").select_option(label=relation)


def fill_until_documents(page, scan, *, spouse_number: str) -> None:
    open_menu(page, "登记家庭")
    page.get_by_label("所在村（社区）").select_option(index=1)
    page.get_by_label("住址").fill("红星社区3组12号")
    page.get_by_label("户籍类型").select_option(label="农村")
    shot(page, "1-household")
    next_step(page, "下一步：成员")
    fill_member(page, 1, "张建国", HEAD, None)  # the first is the head, already chosen
    page.get_by_role("button", name="添加下一位成员").click()
    fill_member(page, 2, "李秀英", spouse_number, "配偶")
    page.get_by_role("button", name="添加下一位成员").click()
    fill_member(page, 3, "张小明", CHILD, "子女")
    page.locator("fieldset.member", has_text="第 3 位成员").get_by_role("button", name="填好了").click()
    summaries = page.locator("fieldset.member .summary:visible").all_inner_texts()
    assert summaries == [f"张建国 · 户主 · {HEAD}", f"李秀英 · 配偶 · {spouse_number}", f"张小明 · 子女 · {CHILD}"]
    shot(page, "2-members")
    next_step(page, "下一步：收入与财产")
    row = page.locator("fieldset.means-row", has_text="第 1 条")
    row.get_by_label("类型").select_option(label="收入：工资性收入")
    row.get_by_label("金额（元）").fill("7200")
    row.get_by_label("起始日期").fill("2025-12-01")
    row.get_by_label("截止日期").fill("2026-11-30")
    row.get_by_label("成员").select_option(label="第 2 位成员 李秀英")
    shot(page, "3-means")
    next_step(page, "下一步：材料")
    document = page.locator("fieldset.doc-row", has_text="第 1 份")
    document.get_by_label("材料类型").select_option(label="身份证")
    document.get_by_label("文件").set_input_files(scan)
    shot(page, "4-documents")


def test_window_officer_registers_a_household_of_three_with_income_and_id_card(page, scan):
    sign_in(page, "longhui_window")
    fill_until_documents(page, scan, spouse_number=SPOUSE)
    next_step(page, "下一步：核对")
    review = page.locator(".review").inner_text()
    assert "3 人：张建国（户主）、李秀英（配偶）、张小明（子女）" in review
    assert "收入：工资性收入 7200 元 2025-12-01 至 2026-11-30（第 2 位成员 李秀英）" in review
    assert "身份证：户主身份证.jpg" in review
    shot(page, "5-review")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    household = Household.objects.get()
    assert page.url == f"{page.base_url}/registry/households/{household.pk}/"
    assert f"已登记家庭（户号 {household.pk}）：成员 3 人，收入与财产 1 条，材料 1 份" in \
        page.locator(".messages").inner_text()
    members = page.locator("table").first.inner_text()
    assert all(name in members for name in ("张建国", "李秀英", "张小明"))
    assert page.locator("#means").locator("xpath=following::table[1]").inner_text().count("7200") == 1
    page.evaluate("document.getElementById('documents').scrollIntoView()")
    viewport = "phone" if page.viewport_size["width"] < 500 else "desk"
    page.screenshot(path=SCREENSHOTS / f"registration-6-documents-section-{viewport}.png")
    documents = page.locator(".doclist").inner_text()
    assert "身份证" in documents and "户主身份证.jpg" in documents
    income = IncomeItem.objects.get(household=household)
    assert (income.amount, income.person.name) == (7200, "李秀英")
    assert Document.objects.get(household=household).original_filename == "户主身份证.jpg"


def test_wrong_id_number_returns_to_the_member_with_everything_kept(page, scan):
    sign_in(page, "longhui_window")
    wrong = SPOUSE[:-1] + ("0" if SPOUSE[-1] != "0" else "1")
    fill_until_documents(page, scan, spouse_number=wrong)
    next_step(page, "下一步：核对")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    assert Household.objects.count() == 0
    assert page.locator('[role="alert"]').inner_text().startswith("尚未登记：有 1 处需要更正")
    spouse = page.locator("fieldset.member", has_text="第 2 位成员")
    assert spouse.get_by_label("身份证号码").is_visible()  # back at the members step, this member open
    assert not page.get_by_label("住址").is_visible()
    assert "校验" in spouse.locator(".error").inner_text()
    assert spouse.get_by_label("身份证号码").input_value() == wrong
    assert page.get_by_label("住址").input_value() == "红星社区3组12号"
    assert page.locator("fieldset.means-row", has_text="第 1 条").get_by_label("金额（元）").input_value() == "7200"
    assert page.locator("fieldset.member .summary:visible").all_inner_texts() == [
        f"张建国 · 户主 · {HEAD}", f"张小明 · 子女 · {CHILD}"]
    shot(page, "error-at-member")
    spouse.get_by_label("身份证号码").fill(SPOUSE)
    next_step(page, "下一步：收入与财产")
    next_step(page, "下一步：材料")
    document = page.locator("fieldset.doc-row", has_text="第 1 份")
    assert "请重新选择文件" in document.inner_text()
    document.get_by_label("文件").set_input_files(scan)
    next_step(page, "下一步：核对")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    household = Household.objects.get()
    assert household.members.count() == 3 and household.documents.count() == 1


def test_without_javascript_the_steps_are_one_long_form(browser, live_server, world, scan):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.base_url = live_server.url
    try:
        sign_in(page, "longhui_window")
        page.goto(live_server.url + "/registry/households/new/")
        for heading in ("1 家庭", "2 家庭成员", "3 收入与财产（可不填）", "4 材料（可不传）", "5 完成"):
            assert page.get_by_role("heading", name=heading).is_visible()
        assert not page.get_by_role("button", name="下一步：成员").is_visible()  # step buttons need the script
        assert not page.get_by_role("button", name="添加下一位成员").is_visible()
        page.get_by_label("所在村（社区）").select_option(index=1)
        page.get_by_label("住址").fill("红星社区3组12号")
        fill_member(page, 1, "张建国", HEAD, None)
        fill_member(page, 2, "李秀英", SPOUSE, "配偶")
        page.locator("fieldset.doc-row", has_text="第 1 份").get_by_label("材料类型").select_option(label="身份证")
        page.locator("fieldset.doc-row", has_text="第 1 份").get_by_label("文件").set_input_files(scan)
        with page.expect_navigation():
            page.get_by_role("button", name="登记", exact=True).click()
        household = Household.objects.get()
        assert page.url == f"{live_server.url}/registry/households/{household.pk}/"
        assert household.members.count() == 2 and household.documents.count() == 1
    finally:
        context.close()
