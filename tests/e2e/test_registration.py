"""窗口经办 registers a household through the real form (issue 14 found that no household could be
registered: every member block was named `_name`). Desk and phone, fields found by their labels."""

import datetime as dt

from jiuzhu.core.identity import make_id_number
from jiuzhu.registry.models import Household
from tests.e2e.conftest import open_menu, sign_in


def test_window_officer_registers_a_household_through_the_form(page):
    sign_in(page, "longhui_window")
    open_menu(page, "登记家庭")
    page.get_by_label("所在村（社区）").select_option(index=1)
    page.get_by_label("住址").fill("红星社区3组12号")
    page.get_by_label("户籍类型").select_option(label="农村")
    head = page.locator("fieldset", has_text="成员 1")
    head.get_by_label("姓名").fill("张建国")
    head.get_by_label("身份证号码").fill(make_id_number("430524", dt.date(1970, 5, 17), 21))
    head.get_by_label("与户主关系").select_option(label="户主")
    spouse = page.locator("fieldset", has_text="成员 2")
    spouse.get_by_label("姓名").fill("李秀英")
    spouse.get_by_label("身份证号码").fill(make_id_number("430524", dt.date(1972, 1, 9), 22))
    spouse.get_by_label("与户主关系").select_option(label="配偶")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    household = Household.objects.get()
    assert page.url == f"{page.base_url}/registry/households/{household.pk}/"
    assert f"已登记家庭（户号 {household.pk}）" in page.locator(".messages").inner_text()
    members = page.locator("table").first.inner_text()
    assert "张建国" in members and "李秀英" in members and "1970-05-17" in members
    assert household.members.count() == 2 and household.head.name == "张建国"
