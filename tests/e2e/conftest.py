"""Browser journeys (Debian's chromium driven by Playwright) against the live test server.

Every page a journey opens is guarded: the journey fails on a server error (status >= 500), a console
error or page error, a request to anything but the live server, horizontal scrolling on the phone, and
English words in the visible text. The browser asks for English (locale en-US): the interface must stay
Chinese whatever it asks. The page a journey ends on is saved to var/screenshots/<test>-<viewport>.png."""

import os
import re
import shutil
from pathlib import Path

import pytest

from jiuzhu.core.demo import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Offline machine: keep chromium from calling home (see the env notes on closed networks).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
HERE = Path(__file__).resolve().parent

# Latin words a Chinese page may show. Keep this short: anything else of 3+ letters is an English leak.
ALLOWED_WORDS = {
    "Excel",  # 导出 Excel
    "API",
    "Authorization", "Bearer",  # the HTTP header the token page names
    "HTML",
    "xlsx", "csv",  # file formats
    "CSV", "Parquet", "GBK", "UTF-8",  # the import page names the formats and encodings it reads
    "PDF", "JPEG", "PNG", "pdf", "jpg", "jpeg", "png",  # scanned documents' formats and file names' extensions
    "DNA",  # DNA 比对: the term the 2015 意见 and the police use, written so in Chinese
}
ALLOWED_TOKENS = re.compile(
    r"jz_[\w-]+"  # an API token or its prefix
    r"|(?:longhui|dongkou|shaoyang)_[a-z]+"  # demo account names (usernames are identifiers, not prose)
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # a task run's number (UUID)
)
TOKEN = re.compile(r"[A-Za-z0-9_.\-]+")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Chromium's console line for a document answered with a 4xx status: allowed only for statuses a journey
# expects (guard.allow_status(403) before opening a page the user may not see).
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


def english_words(text: str) -> list[str]:
    """The Latin words of 3+ letters in `text` that are not on the allowlist."""
    found = []
    for token in TOKEN.findall(text):
        token = token.strip(".-_")
        if LATIN_WORD.search(token) and token not in ALLOWED_WORDS and not ALLOWED_TOKENS.fullmatch(token):
            found.append(token)
    return found


def _viewport_wanted(item, wanted: set[str]) -> bool:
    """JIUZHU_E2E_VIEWPORTS=desk runs the desk journeys and those without a viewport; =phone the phone ones.
    scripts/test.sh gives each database half one viewport, so every journey runs on both viewports and both
    databases see browser traffic, in half the time of running every journey twice on each."""
    callspec = getattr(item, "callspec", None)
    viewport = callspec.params.get("viewport") if callspec else None
    return viewport in wanted if viewport else "desk" in wanted


def pytest_collection_modifyitems(config, items):
    wanted = {v for v in os.environ.get("JIUZHU_E2E_VIEWPORTS", "").split(",") if v}
    kept, dropped = [], []
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            if wanted and not _viewport_wanted(item, wanted):
                dropped.append(item)
                continue
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.django_db(transaction=True))
            if not shutil.which("chromium"):
                item.add_marker(pytest.mark.skip(reason="需要 Debian 的 chromium（scripts/test.sh 会安装）"))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test database setup and teardown are
    # still plain synchronous code in the same thread.
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        patch.undo()


class Guard:
    """Collects what a journey must not meet, for every page of one browser context."""

    # Runs in every document: reports, once loaded, what the visitor sees and whether it scrolls sideways.
    REPORT_ON_LOAD = """window.addEventListener("load", () => {
        const root = document.documentElement;
        window.__jiuzhuReport({url: location.href, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                               text: document.body ? document.body.innerText : ""});
    });"""

    def __init__(self, base_url: str, viewport: str):
        self.base_url = base_url
        self.viewport = viewport
        self.problems: list[str] = []
        self.allowed_statuses: set[int] = set()

    def allow_status(self, *statuses: int) -> None:
        self.allowed_statuses.update(statuses)

    def attach(self, context) -> None:
        context.expose_binding("__jiuzhuReport", lambda _source, report: self.check_report(report))
        context.add_init_script(self.REPORT_ON_LOAD)
        context.on("request", self._request)
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"页面脚本错误：{error.error}"))

    def _request(self, request) -> None:
        if not request.url.startswith(self.base_url):
            self.problems.append(f"页面向外部地址发出了请求：{request.url}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"服务器错误 {response.status}：{response.url}")

    def _console(self, message) -> None:
        if message.type != "error":
            return
        failed = FAILED_LOAD.search(message.text)
        if failed and int(failed.group(1)) in self.allowed_statuses:
            return
        self.problems.append(f"控制台错误（{message.page.url if message.page else ''}）：{message.text}")

    def check_report(self, report: dict) -> None:
        if self.viewport == "phone" and report["scrollWidth"] > report["clientWidth"] + 1:
            self.problems.append(f"手机上横向滚动：{report['url']} 宽 {report['scrollWidth']} > "
                                 f"{report['clientWidth']}")
        words = english_words(report["text"])
        if words:
            self.problems.append(f"英文文字：{report['url']}：{sorted(set(words))}")

    def check_page(self, page) -> None:
        """The page as it is now (after any htmx swaps): the same checks as on load."""
        self.check_report({"url": page.url, "text": page.inner_text("body"),
                           **page.evaluate("({scrollWidth: document.documentElement.scrollWidth, "
                                           "clientWidth: document.documentElement.clientWidth})")})


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def open_page(browser, live_server, world, viewport, request):
    """open_page() -> a new page in a new browser context (its own cookies), guarded; the first one opened
    is the `page` fixture. Each page's last state is checked and screenshotted at the end."""
    opened = []

    def make():
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="en-US")
        guard = Guard(live_server.url, viewport)
        guard.attach(context)
        page = context.new_page()
        page.base_url = live_server.url
        page.guard = guard
        opened.append(page)
        return page

    yield make
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for number, page in enumerate(opened, start=1):
        suffix = "" if number == 1 else f"-{number}"
        page.screenshot(path=SCREENSHOTS / f"{request.node.originalname}-{viewport}{suffix}.png", full_page=True)
        page.guard.check_page(page)
        problems += page.guard.problems
        page.context.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture
def page(open_page):
    return open_page()


def shooter(prefix: str, *, check: bool = True):
    """`shot = shooter("rescue-cases")` gives a journey file its `shot(page, name)`: a full-page screenshot
    var/screenshots/<prefix>-<name>-<desk|phone>.png for a person to look at, then (unless `check=False`) the
    guard's checks of the page as it is (no server or console error, no English, no sideways scrolling on the
    phone). Returns the page's height in px."""
    def shot(page, name: str, viewport: str | None = None) -> int:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        viewport = viewport or ("phone" if page.viewport_size["width"] < 500 else "desk")
        stem = f"{prefix}-{name}" if prefix else name
        page.screenshot(path=SCREENSHOTS / f"{stem}-{viewport}.png", full_page=True)
        if check:
            page.guard.check_page(page)
        return page.evaluate("document.documentElement.scrollHeight")
    return shot


def sign_in(page, username: str) -> None:
    """Signs in through the sign-in form, as a user would, and waits for the page it leads to."""
    page.goto(page.base_url + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/login/" not in page.url, page.locator(".error").all_inner_texts()


def open_site_menu(page) -> None:
    """Opens the phone's folded menu (a no-op on a desk, where the 菜单 button is hidden, or if already open)."""
    toggle = page.get_by_role("button", name="菜单")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def open_menu(page, name: str) -> None:
    """Follows the main navigation's link `name` (the way a user finds a page); on a phone the menu first
    opens behind its 菜单 button (base.html)."""
    open_site_menu(page)
    with page.expect_navigation():
        page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()

