"""The journeys' guards (conftest.py) catch what they are there for: each check below fails without its guard."""

from tests.e2e.conftest import english_words


def test_english_words_outside_the_allowlist_are_found():
    assert english_words("农村低保标准 dibao_standard_rural 600 元") == ["dibao_standard_rural"]
    assert english_words("Page not found. 返回首页") == ["Page", "not", "found"]
    assert english_words("导出 Excel · Authorization: Bearer jz_Ab-9_xYz · longhui_officer · 127.0.0.1 · IP · "
                         "任务编号 488ba6c7-57a0-4bad-a595-716f09c6b182 · 430524198003010021") == []


def test_the_guards_catch_errors_leaks_and_sideways_scrolling(page, viewport):
    guard = page.guard
    page.route(page.base_url + "/boom/", lambda route: route.fulfill(status=500, body="服务器错误"))
    page.route("http://example.invalid/**", lambda route: route.fulfill(status=200, body="外部"))
    page.goto(page.base_url + "/login/")
    assert guard.problems == []

    with page.expect_console_message(), page.expect_response(page.base_url + "/boom/"):
        page.evaluate("fetch('/boom/')")
    assert guard.problems == [
        f"服务器错误 500：{page.base_url}/boom/",
        f"控制台错误（{page.base_url}/login/）：Failed to load resource: the server responded with a status of 500 "
        "(Internal Server Error)"]
    guard.problems.clear()

    page.goto("http://example.invalid/x")  # (the site's CSP already blocks a script's request elsewhere)
    assert guard.problems == ["页面向外部地址发出了请求：http://example.invalid/x"]
    guard.problems.clear()
    page.goto(page.base_url + "/login/")

    with page.expect_console_message():
        page.evaluate("console.error('出错了')")
    assert guard.problems == [f"控制台错误（{page.base_url}/login/）：出错了"]
    guard.problems.clear()

    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('脚本异常') })")
    assert guard.problems == ["页面脚本错误：脚本异常"]
    guard.problems.clear()

    page.evaluate("""() => { const p = document.createElement("p");
        p.textContent = "Sign in"; p.style.width = "2000px"; document.body.append(p); }""")
    guard.check_page(page)
    sideways = [f"手机上横向滚动：{page.url} 宽 2000 > 390"] if viewport == "phone" else []
    assert guard.problems == [*sideways, f"英文文字：{page.url}：['Sign']"]
    guard.problems.clear()
    page.evaluate("document.body.lastElementChild.remove()")
