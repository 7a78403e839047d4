"""A real browser (Debian's chromium, driven by Playwright) signs in and sees the home page."""

from tests.e2e.conftest import open_site_menu, sign_in


def test_officer_signs_in_and_lands_on_role_home(page):
    page.goto(page.base_url + "/")
    assert page.url.endswith("/login/?next=/")
    assert page.locator("h1").inner_text() == "用户登录"
    sign_in(page, "longhui_officer")
    assert page.url == page.base_url + "/"
    assert "您好" in page.locator("h1").inner_text()
    assert "民政经办" in page.locator(".meta").inner_text()
    assert page.locator(".card.module strong", has_text="登记家庭").count() == 1
    # The page loaded its own CSS and htmx, and the CSP did not block them.
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
    open_site_menu(page)  # 退出 is in the menu, folded behind 菜单 on a phone
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    assert page.url.endswith("/login/")
    assert page.locator(".messages").inner_text() == "您已安全退出。"


def test_wrong_password_shows_a_chinese_message(page):
    page.goto(page.base_url + "/login/")
    page.get_by_label("用户名").fill("dongkou_window")
    page.get_by_label("密码").fill("wrong")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.locator(".error").inner_text() == "用户名或密码错误，再错 4 次将锁定账号。"
