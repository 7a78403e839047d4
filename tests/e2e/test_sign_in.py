"""A real browser (Debian's chromium, driven by Playwright) signs in and sees the home page."""

import shutil

import pytest

from jiuzhu.core.demo import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("chromium"), reason="需要 Debian 的 chromium（scripts/test.sh 会安装）"),
]
# Offline machine: keep chromium from calling home (see the env notes on closed networks).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page(live_server, world, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test database teardown is still
    # plain synchronous code in the same thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
        page = context.new_page()
        page.base_url = live_server.url
        external = []
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
        yield page
        browser.close()
    assert external == [], f"页面向外部地址发出了请求：{external}"


@pytest.mark.django_db(transaction=True)
def test_officer_signs_in_and_lands_on_role_home(page):
    page.goto(page.base_url + "/")
    assert page.url.endswith("/login/?next=/")
    assert page.locator("h1").inner_text() == "用户登录"
    page.fill("input[name=username]", "longhui_officer")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    assert "您好" in page.locator("h1").inner_text()
    assert "民政经办" in page.locator(".meta").inner_text()
    assert page.locator(".card.module strong", has_text="登记家庭").count() == 1
    # The page loaded its own CSS and htmx, and the CSP did not block them.
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
    page.click("text=退出")
    page.wait_for_url("**/login/")


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_a_chinese_message(page):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", "dongkou_window")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator(".error").inner_text()
