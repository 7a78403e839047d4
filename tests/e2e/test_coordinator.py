"""协理员 works a household of their village in the field, on a phone (390×844) and a desk: updates a member's
phone number and employment, records an income, voids a wrong one with a reason; no page scrolls sideways.
The officer prints the household's 审批表 (print media: no menu or buttons; an A4 PDF).
Issue 14: "the coordinator updates a household on a 390×844 viewport with no horizontal scroll"."""

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone

from conftest import VILLAGE_A, member
from jiuzhu.core.models import User
from jiuzhu.registry.models import AssistanceGrant, IncomeItem, Person, TierDecision
from tests.e2e.conftest import SCREENSHOTS, shooter, sign_in


def no_sideways_scroll(page) -> None:
    widths = page.evaluate("({scroll: document.documentElement.scrollWidth, "
                           "client: document.documentElement.clientWidth})")
    assert widths["scroll"] <= widths["client"], f"{page.url} 横向滚动：{widths}"


SMALL_TAP_TARGETS = """() => [...document.querySelectorAll(
    '.hh a, .hh button, .hh summary, .hh select, .hh input:not([type=hidden]):not([type=checkbox])')]
  .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
  .map((e) => `${e.tagName} ${(e.textContent || e.name || '').trim().slice(0, 20)} `
              + `${e.getBoundingClientRect().height}`)"""


def large_tap_targets(page) -> None:
    """On a phone every link, button, summary and field of the page is at least 44 px tall."""
    assert page.evaluate(SMALL_TAP_TARGETS) == [], page.url


shot = shooter("", check=False)


def test_coordinator_updates_a_household_in_the_field(page, register, viewport):
    household = register("longhui_coordinator", village=VILLAGE_A, members=[
        member("张建国", "head", seq=21), member("李秀英", "spouse", born=dt.date(1972, 1, 9), seq=22)])
    sign_in(page, "longhui_coordinator")
    no_sideways_scroll(page)
    page.goto(f"{page.base_url}/registry/households/{household.pk}/")
    no_sideways_scroll(page)
    if viewport == "phone":
        large_tap_targets(page)
    shot(page, "coordinator-household", viewport)

    # A member's phone number and employment, from the household page and back to it.
    with page.expect_navigation():
        page.get_by_role("link", name="修改张建国的信息").click()
    no_sideways_scroll(page)
    page.get_by_label("联系电话").fill("13807391234")
    page.get_by_label("就业情况").select_option(label="灵活就业")
    shot(page, "coordinator-person-edit", viewport)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert page.url == f"{page.base_url}/registry/households/{household.pk}/#members"
    assert "已保存张建国的信息" in page.locator(".messages").first.inner_text()
    members = page.locator("#members + .messages + .table-wrap").inner_text()
    assert "13807391234" in members and "灵活就业" in members
    no_sideways_scroll(page)
    head = Person.objects.get(name="张建国")
    assert (head.phone, head.employment) == ("13807391234", "flexible")

    # Two incomes recorded; the second is a mistake (a duplicate 3,000).
    page.get_by_text("登记收入、财产或刚性支出").click()
    form = page.locator("#means-income")
    for amount in ("1200", "3000"):
        form.get_by_label("类型").select_option(label="工资性收入")
        form.get_by_label("金额（元）").fill(amount)
        form.get_by_label("起始日期").fill("2026-01-01")
        form.get_by_label("截止日期").fill("2026-12-31")
        with page.expect_navigation():
            form.get_by_role("button", name="登记收入").click()
        assert page.url.endswith("#means")
        assert f"已登记收入：工资性收入 {amount} 元" in page.locator("#means + .messages").inner_text()
        if amount == "1200":
            page.get_by_text("登记收入、财产或刚性支出").click()
    wrong = IncomeItem.objects.get(household=household, amount=Decimal(3000))
    no_sideways_scroll(page)

    # The wrong one is voided with a reason: it stays, struck through, and no longer counts.
    row = page.locator(f"#income-{wrong.pk}")
    row.get_by_text("作废", exact=True).click()
    row.get_by_label("作废理由").fill("与另一条重复登记")
    with page.expect_navigation():
        row.get_by_role("button", name="确认作废").click()
    row = page.locator(f"#income-{wrong.pk}")
    assert row.get_attribute("class") == "voided"
    assert re.search(r"已作废\s*红星社区社会救助协理员 于 .* 作废，理由：与另一条重复登记", row.inner_text())
    assert "有效收入合计 1200 元" in page.locator("#means ~ p.meta").first.inner_text()
    assert "已作废收入：工资性收入 3000 元" in page.locator("#means + .messages").inner_text()
    no_sideways_scroll(page)
    if viewport == "phone":
        page.get_by_text("登记收入、财产或刚性支出").click()  # the forms open, their fields too
        large_tap_targets(page)
    shot(page, "coordinator-voided", viewport)
    wrong.refresh_from_db()
    assert (wrong.void_reason, wrong.voided_by.username) == ("与另一条重复登记", "longhui_coordinator")
    assert IncomeItem.objects.filter(household=household).count() == 2
    chain = page.locator("ol.timeline").inner_text()
    assert "家计调查：作废收入 工资性收入 3000 元（2026-01-01 至 2026-12-31）；理由：与另一条重复登记" in chain


def test_officer_prints_the_approval_form(page, register, viewport):
    household = register("longhui_officer", members=[member("张建国", "head", seq=21)])
    approver = User.objects.get(username="longhui_approver")
    decision = TierDecision.objects.create(
        household=household, assessed_on=dt.date(2026, 11, 30), recommended_tier="dibao", tier="dibao",
        status="confirmed", members=1, per_capita_income=Decimal(300), dibao_standard=Decimal(600),
        reasons=["家庭人口 1 人，收入计算期 2025-12-01 至 2026-11-30", "人均月收入 300 元，低于低保标准 600 元"],
        facts={"income": 3600, "standard": 600, "window_start": "2025-12-01"}, decided_by=approver,
        decided_at=timezone.now(), valid_from=dt.date(2026, 12, 1), valid_to=dt.date(2027, 11, 30))
    sign_in(page, "longhui_officer")
    page.goto(f"{page.base_url}/registry/households/{household.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="打印审批表").click()
    assert page.url == f"{page.base_url}/registry/decisions/{decision.pk}/print/approval/"
    sheet = page.locator("article.sheet").inner_text()
    assert "最低生活保障审核确认审批表" in sheet and "张建国" in sheet and "县级人民政府民政部门审核确认意见" in sheet
    assert page.get_by_role("button", name="打印").is_visible()
    no_sideways_scroll(page)
    shot(page, "print-approval-screen", viewport)

    page.emulate_media(media="print")
    assert page.locator(".print-toolbar").is_hidden()
    assert page.get_by_role("button", name="打印").is_hidden()
    assert page.locator("article.sheet").is_visible()
    shot(page, "print-approval-print", viewport)
    if viewport == "desk":  # one PDF is enough: the paper does not depend on the screen
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        assert pdf.startswith(b"%PDF")
        (SCREENSHOTS / "print-approval.pdf").write_bytes(pdf)
        sizes = {tuple(round(float(x)) for x in m) for m in
                 re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
        assert sizes == {(595, 842)}, sizes  # A4 in points
    page.emulate_media(media="screen")

    # The notice to the applicant, from the household page as well.
    AssistanceGrant.objects.create(household=household, category="basic_living", monthly_amount=Decimal(300),
                                   period_start=dt.date(2026, 12, 1), tier_decision=decision,
                                   granting_organization=User.objects.get(username="longhui_officer").organization)
    with page.expect_navigation():
        page.get_by_role("link", name="返回家庭").click()
    with page.expect_navigation():
        page.get_by_role("link", name="打印告知书").click()
    notice = page.locator("article.sheet").inner_text()
    assert "社会救助审核确认告知书" in notice
    assert "月救助金额为 300.00 元，自 2026年12月1日 起发放" in notice
    assert "60 日内向隆回县人民政府申请行政复议" in notice and "6 个月内依法向人民法院提起行政诉讼" in notice
    no_sideways_scroll(page)
    shot(page, "print-notice-screen", viewport)


def test_officer_sees_the_grant_warning_beside_the_form_and_saves_knowingly(page, register, viewport):
    """Issue 14: the warning was 1,000 px above where the page landed and the form closed, losing input."""
    household = register("longhui_officer", members=[member("张建国", "head", seq=21)])
    officer = User.objects.get(username="longhui_officer")
    AssistanceGrant.objects.create(household=household, category="temporary", once_amount=Decimal(800),
                                   period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 12, 31),
                                   granting_organization=officer.organization, created_by=officer)
    sign_in(page, "longhui_officer")
    page.goto(f"{page.base_url}/registry/households/{household.pk}/")
    page.get_by_text("登记救助发放").click()
    form = page.locator("#grant-form")
    form.get_by_label("救助类别").select_option(label="临时救助")
    form.get_by_label("一次性金额（元）").fill("1500")
    form.get_by_label("服务内容").fill("火灾后临时生活救助")
    form.get_by_label("起始日期").fill("2026-12-01")
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()
    warning = page.locator("#grant-form .warn-box")
    assert "重复救助：同一对象同一类别救助期间重叠" in warning.inner_text()
    box = warning.bounding_box()
    height = page.viewport_size["height"]
    assert box and 0 <= box["y"] < height, f"提示不在屏幕内：{box}，屏高 {height}"
    assert form.get_by_label("一次性金额（元）").input_value() == "1500"
    assert form.get_by_label("服务内容").input_value() == "火灾后临时生活救助"
    assert page.locator(".messages li.success").count() == 0
    no_sideways_scroll(page)
    shot(page, "grant-warning", viewport)
    form.get_by_label("已知悉重复或过度救助提示，仍要保存").check()
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()
    assert page.url.endswith("#grants")
    assert page.locator("#grants + .messages li.success").inner_text() == "救助发放已登记"
    assert page.locator("#grant-form .warn-box").count() == 0
    grant = household.grants.get(period_start=dt.date(2026, 12, 1))
    assert (grant.category, grant.once_amount, grant.service) == ("temporary", Decimal(1500), "火灾后临时生活救助")
