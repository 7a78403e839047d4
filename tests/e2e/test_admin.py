"""系统管理员 (issue 14): creates a user and unlocks a locked one, and adds a new version of a standard, through
the real pages on a desk and a phone. Fields found by their labels."""

from jiuzhu.core.demo import DEMO_PASSWORD
from jiuzhu.core.models import AuditLog, RegionSetting, User
from tests.e2e.conftest import SCREENSHOTS, open_menu, sign_in


def _shot(page, name: str) -> None:
    """A page on the way (the fixture saves only the last one), to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"admin-{name}-{page.guard.viewport}.png", full_page=True)


def _menu(page, name: str) -> None:
    """The main navigation's link; on a phone the menu first opens behind its 菜单 button."""
    toggle = page.get_by_role("button", name="菜单")
    if toggle.is_visible():
        toggle.click()
    open_menu(page, name)


def _open_users(page) -> None:
    _menu(page, "系统管理")
    _shot(page, "hub")
    with page.expect_navigation():
        page.get_by_role("link", name="用户管理").click()


def test_administrator_creates_a_window_officer_who_must_change_the_password(page, open_page):
    sign_in(page, "longhui_admin")
    _open_users(page)
    _shot(page, "users")
    with page.expect_navigation():
        page.get_by_role("link", name="新增用户").click()
    page.get_by_label("用户名").fill("longhui_taohong")
    page.get_by_label("姓名").fill("刘小红")
    page.get_by_label("所属机构").select_option(label="桃洪镇 · 桃洪镇社会救助服务窗口")
    page.get_by_label("管辖区域").select_option(label="隆回县 / 桃洪镇")
    page.get_by_label("窗口经办", exact=True).check()
    assert page.get_by_label("系统生成（只显示一次）").is_checked()
    _shot(page, "user-new")
    with page.expect_navigation():
        page.get_by_role("button", name="新增用户").click()
    assert "已新增用户 longhui_taohong（刘小红）" in page.locator(".messages").inner_text()
    password = page.locator("#shown-password").inner_text().strip()
    _shot(page, "user-created")
    user = User.objects.get(username="longhui_taohong")
    assert user.check_password(password) and user.must_change_password
    assert sorted(user.role_codes) == ["window_officer"] and user.organization.name == "桃洪镇社会救助服务窗口"

    # The new officer signs in elsewhere and is asked to choose a password first.
    officer = open_page()
    officer.goto(officer.base_url + "/login/")
    officer.get_by_label("用户名").fill("longhui_taohong")
    officer.get_by_label("密码").fill(password)
    with officer.expect_navigation():
        officer.get_by_role("button", name="登录").click()
    officer.wait_for_url("**/password/")
    assert "请先设置自己的新密码" in officer.inner_text("main")
    _shot(officer, "must-change")
    officer.get_by_label("原密码").fill(password)
    officer.get_by_label("新密码", exact=True).fill("Taohong#2027x")
    officer.get_by_label("确认新密码").fill("Taohong#2027x")
    with officer.expect_navigation():
        officer.get_by_role("button", name="保存").click()
    assert officer.url == officer.base_url + "/"
    assert "密码已修改。" in officer.locator(".messages").inner_text()
    assert User.objects.get(username="longhui_taohong").must_change_password is False


def test_administrator_unlocks_a_user_locked_by_five_wrong_passwords(page, open_page):
    locked = open_page()
    locked.goto(locked.base_url + "/login/")
    for _ in range(5):
        locked.get_by_label("用户名").fill("longhui_officer")
        locked.get_by_label("密码").fill("wrong-password")
        with locked.expect_navigation():
            locked.get_by_role("button", name="登录").click()
    assert "账号已锁定" in locked.locator(".error").inner_text()

    sign_in(page, "longhui_admin")
    _open_users(page)
    page.get_by_label("状态").select_option(label="已锁定")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    with page.expect_navigation():
        page.get_by_role("link", name="longhui_officer").click()
    assert "已锁定" in page.inner_text("main")
    _shot(page, "user-locked")
    with page.expect_navigation():
        page.get_by_role("button", name="解除登录锁定").click()
    assert "已解除用户 longhui_officer 的登录锁定。" in page.locator(".messages").inner_text()

    locked.get_by_label("用户名").fill("longhui_officer")
    locked.get_by_label("密码").fill(DEMO_PASSWORD)
    with locked.expect_navigation():
        locked.get_by_role("button", name="登录").click()
    assert "/login/" not in locked.url
    assert AuditLog.objects.filter(action="sign_in", username="longhui_officer").count() == 1


def test_administrator_adds_a_dibao_standard_version_and_sees_it_in_the_history(page):
    sign_in(page, "longhui_admin")
    _menu(page, "系统管理")
    with page.expect_navigation():
        page.get_by_role("link", name="地方标准和参数").click()
    form = page.locator("form", has=page.get_by_role("button", name="保存为新版本"))
    form.get_by_label("参数").select_option(label="农村低保标准（元/人·月）")
    form.get_by_label("数值").fill("六百八")
    page.guard.allow_status(400)  # the refused form comes back with its errors as 400 Bad Request
    form.get_by_label("生效日期").fill("2027-01-01")
    form.get_by_label("依据（文号）").fill("隆政发〔2026〕12号")
    with page.expect_navigation():
        form.get_by_role("button", name="保存为新版本").click()
    # Refused in red at the field, nothing lost.
    assert "农村低保标准应为数字" in page.locator("form .error").inner_text()
    assert form.get_by_label("依据（文号）").input_value() == "隆政发〔2026〕12号"
    assert page.locator(".messages").count() == 0
    _shot(page, "standard-refused")
    form.get_by_label("数值").fill("680")
    with page.expect_navigation():
        form.get_by_role("button", name="保存为新版本").click()
    assert "已新增“农村低保标准”的版本" in page.locator(".messages").inner_text()
    history = page.locator("table", has_text="设定时间").last.inner_text()
    for text in ("农村低保标准", "隆回县", "2027-01-01", "680 元/人·月", "隆政发〔2026〕12号", "隆回县系统管理员"):
        assert text in history, text
    assert "dibao_standard_rural" not in page.inner_text("body")
    assert RegionSetting.objects.get(key="dibao_standard_rural").value == "680"
    _shot(page, "standards")
    # The category matrix: a grid the administrator ticks, saved as a new version, its history as a table.
    page.goto(page.base_url + "/registry/categories/")
    page.get_by_label("低保边缘家庭 就业救助").uncheck()
    page.get_by_label("生效日期").fill("2027-01-01")
    with page.expect_navigation():
        page.get_by_role("button", name="保存为新版本").click()
    assert "已新增“分层对应的救助类别”的版本" in page.locator(".messages").inner_text()
    history = " ".join(page.locator("table.matrix").first.inner_text().split())
    assert "低保边缘家庭 医疗救助、教育救助、住房救助、受灾人员救助、临时救助、慈善帮扶" in history
    assert "employment" not in RegionSetting.objects.get(key="tier_categories").value["near_dibao"]
