"""Each role's main task touched by issue 13, through the real forms, on a desk and on a phone
(the `page` fixture runs every journey on both; its guards are in conftest.py)."""

import datetime as dt
import re

from conftest import COUNTY_A, member
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region
from tests.e2e.conftest import open_menu, open_site_menu, sign_in

ON = dt.date(2026, 6, 30)


def local_standards(persona) -> None:
    """邵阳市's 低保 standards, set by the city's administrator (as jiuzhu/registry/tests/conftest.py)."""
    from jiuzhu.registry.standards import standard_set

    city = Region.objects.get(code="430500")
    for key, value in {"dibao_standard_rural": 600, "dibao_standard_urban": 780, "rigid_expense_ratio": "0.5",
                       "disposable_income_last_year": 30000}.items():
        standard_set(actor=persona("shaoyang_admin"), region=city, key=key, value=value,
                     effective_from=dt.date(2025, 1, 1))


def test_officer_runs_a_tier_assessment_and_follows_it_to_the_end(page, persona, register):
    local_standards(persona)
    register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21),
                      member("李秀英", "spouse", born=dt.date(1982, 7, 9), seq=22)])
    sign_in(page, "longhui_officer")
    open_menu(page, "分层评估")
    assert page.locator("h1").inner_text() == "分层评估（批量）"
    # H4: the place is chosen with the region picker by name; none chosen is the whole jurisdiction (隆回县)
    assert page.get_by_label("乡镇（街道）").input_value() == ""
    page.get_by_label("评估基准日").fill(ON.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="开始评估").click()
    assert re.fullmatch(re.escape(page.base_url) + r"/tasks/[0-9a-f-]{36}/", page.url), page.url
    assert page.locator("h1").inner_text() == "分层评估：湖南省邵阳市隆回县（基准日 2026-06-30）"
    progress = page.locator("#task-run-progress[data-status=succeeded]")
    progress.wait_for()
    assert progress.locator("h2").inner_text() == "已完成"
    assert progress.locator("progress").get_attribute("value") == "100"
    result = progress.locator("p").first.inner_text()
    assert result == ("评估 1 户：建议低保 1 户 / 特困 0 户 / 低保边缘 0 户 / 不符合 0 户；\n"
                      "未重新建议（认定在有效期内、数据未变）0 户；\n收入记录覆盖不足 1 户；\n"
                      "新生成建议 1 条，与待审批建议相同未重复生成 0 条。\n"
                      "新建议请审批人员在审批队列或家庭页确认或改定。")
    assert not re.search(r"[A-Za-z_]{2,}", result)  # no raw codes (dibao, none, …)
    page.screenshot(path=f"var/screenshots/assessment-task-run-{page.viewport_size['width']}.png", full_page=True)

    open_menu(page, "任务")
    row = page.get_by_role("row").filter(has_text="分层评估：湖南省邵阳市隆回县")
    assert row.count() == 1
    assert row.get_by_role("cell").nth(3).inner_text() == "已完成"
    assert "评估 1 户" in row.inner_text()

    open_menu(page, "分层评估")  # the run's history on the assessment page, with its Chinese result
    run = page.locator("table.assessment-runs tbody tr")
    assert run.count() == 1
    assert "湖南省邵阳市隆回县" in run.inner_text() and "已完成" in run.inner_text()
    assert "建议低保 1 户 / 特困 0 户 / 低保边缘 0 户 / 不符合 0 户" in run.inner_text()
    assert not re.search(r"[A-Za-z_]{2,}", run.inner_text())


def test_admin_adds_a_future_version_of_a_local_standard(page):
    sign_in(page, "longhui_admin")
    open_menu(page, "地方标准")
    page.get_by_label("区划").select_option(label="湖南省邵阳市隆回县")
    with page.expect_navigation():
        page.get_by_role("button", name="查看").click()
    assert page.locator("h1").inner_text() == "地方标准和参数 · 湖南省邵阳市隆回县"
    future = dt.date.today() + dt.timedelta(days=30)
    page.get_by_label("参数").select_option(label="农村低保标准（元/人·月）")
    page.get_by_label("数值").fill("650")
    page.get_by_label("生效日期").fill(future.isoformat())
    page.get_by_label("依据（文号）").fill("隆民发〔2026〕8号")
    with page.expect_navigation():
        page.get_by_role("button", name="保存为新版本").click()
    assert page.locator(".messages").inner_text() == (
        f"已新增“农村低保标准”的版本，自 {future:%Y-%m-%d} 起在隆回县执行（历史版本保持不变）")
    history = page.locator("h2", has_text="历史版本").locator("xpath=following-sibling::div[1]")
    row = history.get_by_role("row").filter(has_text="隆民发〔2026〕8号")
    assert [cell.inner_text() for cell in row.get_by_role("cell").all()[:5]] == [
        "农村低保标准", "隆回县", future.isoformat(), "650 元/人·月", "隆民发〔2026〕8号"]
    assert "dibao_standard_rural" not in page.inner_text("body")


def test_admin_issues_a_token_sees_it_once_and_revokes_it(page):
    sign_in(page, "longhui_admin")
    open_menu(page, "接口令牌")
    page.get_by_label("机构").select_option(label="隆回县 · 隆回县医疗保障局")
    page.get_by_label("用途").fill("医保结算数据推送")
    with page.expect_navigation():
        page.get_by_role("button", name="签发").click()
    raw = page.locator("#issued-token").inner_text()
    assert re.fullmatch(r"jz_[\w-]{43}", raw), raw
    row = page.get_by_role("row").filter(has_text="医保结算数据推送")
    assert row.get_by_role("cell").nth(6).inner_text() == "有效"
    page.reload()
    assert page.locator("#issued-token").count() == 0  # shown once
    assert raw not in page.inner_text("body")
    with page.expect_navigation():
        row.get_by_role("button", name="吊销").click()
    row = page.get_by_role("row").filter(has_text="医保结算数据推送")
    assert row.get_by_role("cell").nth(6).inner_text() == "已吊销"
    assert row.get_by_role("button", name="吊销").count() == 0


def test_admin_unlocks_an_account_locked_by_failed_sign_ins(page, open_page):
    window = open_page()  # another browser: the window officer's own
    window.goto(window.base_url + "/login/")
    for attempt in range(1, 6):
        window.get_by_label("用户名").fill("longhui_window")
        window.get_by_label("密码").fill("wrong-password")
        with window.expect_navigation():
            window.get_by_role("button", name="登录").click()
        message = window.locator(".error").inner_text()
        if attempt < 5:
            assert message == f"用户名或密码错误，再错 {5 - attempt} 次将锁定账号。"
    assert message == "连续登录失败 5 次，账号已锁定 15 分钟，也可请系统管理员解锁。"

    sign_in(page, "longhui_admin")
    open_menu(page, "登录锁定")
    row = page.get_by_role("row").filter(has_text="longhui_window")
    assert row.get_by_role("cell").nth(4).inner_text() == "5"
    with page.expect_navigation():
        row.get_by_role("button", name="解锁").click()
    assert page.locator(".messages").inner_text() == "已解除账号 longhui_window 的登录锁定。"
    assert page.get_by_role("row").filter(has_text="longhui_window").count() == 0

    sign_in(window, "longhui_window")
    assert window.url == window.base_url + "/"
    assert "窗口经办" in window.inner_text("main")


def test_auditor_finds_the_officers_views_of_a_household(page, open_page, register):
    household = register(members=[member("张建国", "head", seq=21), member("李秀英", "spouse", seq=22)])
    officer = open_page()
    sign_in(officer, "longhui_officer")
    officer.goto(f"{officer.base_url}/registry/households/{household.pk}/")
    assert officer.locator("h1").inner_text() == f"家庭（户号 {household.pk}）"

    sign_in(page, "longhui_auditor")
    open_menu(page, "审计日志")
    page.get_by_label("用户名").fill("longhui_officer")
    page.get_by_label("操作").select_option(label="查看")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    rows = page.locator("tbody tr")
    shown = sorted(rows.nth(i).locator("td").nth(6).inner_text().removeprefix("人员 #") for i in range(rows.count()))
    members = sorted(str(pk) for pk in household.members.values_list("pk", flat=True))
    assert shown == members
    # The object's kind in Chinese (人员, or 家庭 for the household row that names its head), never registry.person.
    kinds = sorted(rows.nth(i).locator("td").nth(5).inner_text().split(" ")[0] for i in range(rows.count()))
    assert set(kinds) <= {"人员", "家庭"} and kinds, kinds
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        assert cells.nth(1).inner_text() == "民政经办 longhui_officer"
        assert cells.nth(4).inner_text() == "查看"


def test_officer_sees_full_id_numbers_and_the_analyst_is_refused_the_persons_list(page, open_page, register):
    born = dt.date(1980, 3, 1)
    household = register(members=[member("张建国", "head", born=born, seq=21)])
    sign_in(page, "longhui_officer")
    page.goto(f"{page.base_url}/registry/households/{household.pk}/")
    members = page.locator("h2", has_text="家庭成员").locator("xpath=following-sibling::div[1]")
    assert [h.inner_text() for h in members.locator("th").all()][2:4] == ["身份证号码", "出生日期"]
    cells = members.locator("tbody tr").first.locator("td")
    assert cells.nth(2).inner_text() == make_id_number(COUNTY_A, born, 21)
    assert cells.nth(3).inner_text() == "1980-03-01"

    open_menu(page, "人员")
    assert [h.inner_text() for h in page.locator("thead th").all()][1:4] == ["身份证号码", "性别", "出生日期"]
    row = page.get_by_role("row").filter(has_text="张建国")
    assert row.get_by_role("cell").nth(1).inner_text() == make_id_number(COUNTY_A, born, 21)
    assert row.get_by_role("cell").nth(3).inner_text() == "1980-03-01"
    export = page.get_by_role("link", name="导出 Excel")
    assert export.get_attribute("href") == "/registry/persons/export.xlsx"

    analyst = open_page()
    analyst.guard.allow_status(403)
    sign_in(analyst, "longhui_analyst")
    response = analyst.goto(analyst.base_url + "/registry/persons/")
    assert response.status == 403
    assert analyst.locator("h1").inner_text() == "无权访问（403）"
    assert analyst.locator(".topbar .brand").inner_text() == "社会救助综合管理平台"
    assert analyst.get_by_role("link", name="返回首页").get_attribute("href") == "/"
    assert "张建国" not in analyst.inner_text("body")


def test_a_missing_page_is_chinese_with_the_layout_and_a_way_home(page):
    page.guard.allow_status(404)
    response = page.goto(page.base_url + "/no-such-page/")
    assert response.status == 404
    assert response.request.headers["accept-language"].startswith("en-US")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "页面不存在（404）"
    assert page.locator(".topbar .brand").inner_text() == "社会救助综合管理平台"
    assert page.locator(".foot").is_visible()
    assert page.get_by_role("link", name="返回首页").get_attribute("href") == "/"

    sign_in(page, "longhui_officer")  # signed in, the same page carries the user's menu
    response = page.goto(page.base_url + "/no-such-page/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "页面不存在（404）"
    open_site_menu(page)  # folded behind 菜单 on a phone
    assert page.get_by_role("navigation", name="主导航").get_by_role("link", name="家庭", exact=True).is_visible()
    assert page.get_by_role("link", name="返回首页").get_attribute("href") == "/"
