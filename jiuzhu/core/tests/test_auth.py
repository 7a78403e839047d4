import datetime as dt
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.utils import timezone

from jiuzhu.core.demo import DEMO_PASSWORD
from jiuzhu.core.models import AuditLog, User

ROOT = Path(__file__).resolve().parents[3]


def test_login_page_is_chinese_and_sign_in_lands_on_role_home(world):
    client = Client()
    page = client.get("/login/")
    assert "用户登录" in page.content.decode()
    response = client.post("/login/", {"username": "longhui_window", "password": DEMO_PASSWORD}, follow=True)
    html = response.content.decode()
    assert "窗口经办" in html and "桃洪镇社会救助服务窗口" in html
    assert "家庭" in html and "审计日志" not in html  # navigation follows the role
    assert AuditLog.objects.filter(action="sign_in", username="longhui_window").exists()


def test_auditor_home_offers_the_audit_log(client_for):
    html = client_for("longhui_auditor").get("/").content.decode()
    assert "审计日志" in html and "批量导入" not in html


def test_anonymous_user_is_sent_to_login(world):
    response = Client().get("/registry/persons/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def _fail(client, username="longhui_officer", password="wrong-password", ip="127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _age_failures(username: str, minutes: int) -> None:
    """Moves a username's recorded failures into the past (the clock of the cool-off)."""
    AccessAttempt.objects.filter(username=username).update(
        attempt_time=timezone.now() - dt.timedelta(minutes=minutes, seconds=1))


def test_five_failures_lock_the_account_for_fifteen_minutes(world):
    client = Client()
    texts = [_fail(client).content.decode() for _ in range(5)]
    assert "用户名或密码错误，再错 4 次将锁定账号。" in texts[0]
    assert "用户名或密码错误，再错 1 次将锁定账号。" in texts[3]
    assert "连续登录失败 5 次，账号已锁定 15 分钟，也可请系统管理员解锁。" in texts[4]
    # Even the right password is refused while locked, and is not counted as a failure.
    response = client.post("/login/", {"username": "longhui_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert "连续登录失败次数过多，账号已锁定，请于 " in response.content.decode()
    assert AuditLog.objects.filter(action="sign_in_failed", username="longhui_officer").count() == 5
    assert AuditLog.objects.filter(action="sign_in_locked", username="longhui_officer").count() == 2
    assert not AuditLog.objects.filter(action="sign_in", username="longhui_officer").exists()
    attempt = AccessAttempt.objects.get(username="longhui_officer")  # counted in the database
    assert (attempt.ip_address, attempt.failures_since_start) == ("127.0.0.1", 5)
    # After the lock runs out, the right password works again and the failures are cleared.
    _age_failures("longhui_officer", 15)
    response = client.post("/login/", {"username": "longhui_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="longhui_officer").exists()


def test_four_failures_do_not_lock_and_a_success_clears_them(world):
    client = Client()
    for _ in range(4):
        _fail(client, "dongkou_officer", "nope")
    assert AccessAttempt.objects.get(username="dongkou_officer").failures_since_start == 4
    response = client.post("/login/", {"username": "dongkou_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="dongkou_officer").exists()


def test_failures_decay_after_the_cool_off(world):
    client = Client()
    for _ in range(4):
        _fail(client)
    _age_failures("longhui_officer", 15)  # four failures, a quarter of an hour ago
    response = _fail(client)
    assert "用户名或密码错误，再错 4 次将锁定账号。" in response.content.decode()


def test_an_attacker_locks_the_account_only_from_their_own_address(world):
    """Lockout by username and address together: five wrong passwords from 10.0.0.66 cannot keep the
    real user (10.0.0.7) out, and the attacker's address stays locked even with the right password."""
    attacker, user = Client(), Client()
    for _ in range(5):
        _fail(attacker, ip="10.0.0.66")
    assert _fail(attacker, password=DEMO_PASSWORD, ip="10.0.0.66").status_code == 200
    assert user.post("/login/", {"username": "longhui_officer", "password": DEMO_PASSWORD},
                     REMOTE_ADDR="10.0.0.7").status_code == 302
    assert AuditLog.objects.get(action="sign_in", username="longhui_officer").ip == "10.0.0.7"
    assert AuditLog.objects.filter(action="sign_in_failed", username="longhui_officer",
                                   ip="10.0.0.66").count() == 5


def test_behind_a_trusted_proxy_the_lockout_and_audit_use_the_forwarded_address(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "longhui_officer", "password": "x"},
                    REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.66")  # 1.2.3.4: client-written
    attempt = AccessAttempt.objects.get(username="longhui_officer")
    assert attempt.ip_address == "10.0.0.66"
    assert set(AuditLog.objects.filter(username="longhui_officer").values_list("ip", flat=True)) == {"10.0.0.66"}
    ok = client.post("/login/", {"username": "longhui_officer", "password": DEMO_PASSWORD},
                     REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.0.0.7")
    assert ok.status_code == 302


def test_administrator_lists_and_unlocks_locked_accounts_of_its_jurisdiction(client_for):
    attacker = Client()
    for _ in range(5):
        _fail(attacker, ip="10.0.0.66")
    for _ in range(5):
        _fail(attacker, "dongkou_officer", ip="10.0.0.66")
    admin = client_for("longhui_admin")
    page = admin.get("/sign-in-locks/").content.decode()
    assert "longhui_officer" in page and "10.0.0.66" in page
    assert "dongkou_officer" not in page  # another county's account
    # Another county's administrator can neither see nor unlock it.
    other = client_for("dongkou_admin")
    assert "longhui_officer" not in other.get("/sign-in-locks/").content.decode()
    assert other.post("/sign-in-locks/unlock/", {"username": "longhui_officer"}).status_code == 404
    assert AccessAttempt.objects.filter(username="longhui_officer").exists()
    response = admin.post("/sign-in-locks/unlock/", {"username": "longhui_officer"}, follow=True)
    assert "已解除账号 longhui_officer 的登录锁定。" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="longhui_officer").exists()
    row = AuditLog.objects.get(action="update", username="longhui_admin", object_type="core.user")
    assert row.detail == {"sign_in_unlocked": "longhui_officer", "attempts_cleared": 1}
    assert _fail(attacker, password=DEMO_PASSWORD, ip="10.0.0.66").status_code == 302


def test_only_administrators_unlock(client_for):
    for _ in range(5):
        _fail(Client(), "longhui_window")
    officer = client_for("longhui_officer")
    listing = officer.get("/sign-in-locks/")
    assert listing.status_code == 403
    assert "您没有“用户、令牌、区划、地方标准和目录管理”的权限" in listing.content.decode()
    assert officer.post("/sign-in-locks/unlock/", {"username": "longhui_window"}).status_code == 403
    assert AccessAttempt.objects.get(username="longhui_window").failures_since_start == 5


def test_axes_admin_pages_are_chinese(world):
    User.objects.create_superuser("root_admin", password=DEMO_PASSWORD, region=None)
    for _ in range(5):
        _fail(Client())
    client = Client()
    assert client.post("/login/", {"username": "root_admin", "password": DEMO_PASSWORD}).status_code == 302
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录防护" in index and "登录失败记录" in index and "Access attempts" not in index
    listing = client.get("/admin/axes/accessattempt/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "longhui_officer" in listing and "来源地址" in listing and "失败次数" in listing
    assert "IP Address" not in listing and "Failed Logins" not in listing


def test_logout_ends_the_session(client_for):
    client = client_for("longhui_officer")
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_session_expires_after_thirty_idle_minutes(client_for, settings):
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_RENEW_SECONDS == 60
    from django.contrib.sessions.models import Session

    client = client_for("longhui_officer")
    client.get("/")
    expires = Session.objects.get(session_key=client.session.session_key).expire_date
    # The server-side expiry is renewed by requests (at most a minute apart), so 30 minutes count from the
    # last activity, less at most a minute.
    assert abs((expires - timezone.now()).total_seconds() - 1800) < 60
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get("/").status_code == 302


def test_session_expiry_is_renewed_at_most_once_a_minute(client_for, settings, monkeypatch):
    """A request does not rewrite the session row (a database write per page under load) unless the expiry
    was last renewed a minute or more ago; then it does, so an active officer is never signed out."""
    from django.contrib.sessions.models import Session

    from jiuzhu.core import sessions

    client = client_for("longhui_officer")
    client.get("/")
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    assert client.get("/registry/households/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == first  # within the minute: no write
    later = time.time() + 61
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert client.get("/registry/households/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > first  # a minute on: renewed
    assert Session.objects.get(session_key=key).get_decoded()[sessions.RENEWED_KEY] == int(later)


def test_a_session_idle_past_its_expiry_is_refused(client_for):
    """The row's expiry is what counts: once it has passed, the next request is sent to sign in, whether or
    not the session was due for renewal."""
    from django.contrib.sessions.models import Session

    client = client_for("longhui_officer")
    client.get("/")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/registry/households/").status_code == 302


def test_password_change_enforces_policy(client_for):
    client = client_for("longhui_officer")
    weak = client.post("/password/", {"old_password": DEMO_PASSWORD, "new_password1": "abcdefghij",
                                      "new_password2": "abcdefghij"})
    assert "三类" in weak.content.decode()
    ok = client.post("/password/", {"old_password": DEMO_PASSWORD, "new_password1": "Xq7#mountain",
                                    "new_password2": "Xq7#mountain"})
    assert ok.status_code == 302
    assert AuditLog.objects.filter(action="password_change", username="longhui_officer").exists()
    assert Client().post("/login/", {"username": "longhui_officer", "password": "Xq7#mountain"}).status_code == 302


def _over_http(url: str, data: dict | None = None, cookie: str = "") -> tuple[int, str, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:  # 4xx/5xx still carry a page
        return exc.code, exc.read().decode(), dict(exc.headers)


@pytest.fixture
def live_world(live_server, world):
    """The running server (real HTTP, one thread per request) over the demo world. PostgreSQL and a
    file SQLite give each request thread its own connection, like production; in-memory SQLite shares
    one connection between the threads, so nothing about concurrency can be shown there."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("内存 SQLite 的各请求线程共用一个连接，无法检验并发（PostgreSQL 或文件 SQLite 上运行）")
    # Django's test server queues 10 connections; production's gunicorn 2048. Let 40 arrive at once.
    live_server.thread.httpd.socket.listen(128)
    return live_server


def _forty_parallel_wrong_sign_ins(base_url: str) -> list[str]:
    """40 threads post a wrong password for longhui_officer at the same instant, over real HTTP."""
    _, html, headers = _over_http(f"{base_url}/login/")
    csrf_cookie = next(part for part in headers["Set-Cookie"].split(";") if part.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    start = threading.Barrier(40)

    def attempt(_):
        start.wait()
        return _over_http(f"{base_url}/login/", {"username": "longhui_officer", "password": "Wrong#Pass1",
                                                 "csrfmiddlewaretoken": token}, cookie=csrf_cookie)

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(attempt, range(40)))
    assert [status for status, _, _ in results] == [200] * 40
    return [html for _, html, _ in results]


def _assert_five_password_checks(pages: list[str], *, failed_rows: int, counted: int, locked_rows: int) -> None:
    assert sum("用户名或密码错误，再错" in page for page in pages) == 4
    assert sum("连续登录失败 5 次，账号已锁定 15 分钟" in page for page in pages) == 1
    assert sum("连续登录失败次数过多，账号已锁定，请于" in page for page in pages) == 35
    # Every password check that failed is one audit row and one counted failure; 36 refusals are audited.
    assert (failed_rows, counted, locked_rows) == (5, 5, 36)


def test_forty_parallel_wrong_sign_ins_check_the_password_five_times(live_world):
    """The finding: 40 parallel wrong passwords got 17 password checks. Now the attempts of one
    username from one address run one at a time: exactly 5 are checked, 35 are refused unchecked."""
    pages = _forty_parallel_wrong_sign_ins(live_world.url)
    _assert_five_password_checks(
        pages,
        failed_rows=AuditLog.objects.filter(action="sign_in_failed", username="longhui_officer").count(),
        counted=sum(AccessAttempt.objects.filter(username="longhui_officer")
                    .values_list("failures_since_start", flat=True)),
        locked_rows=AuditLog.objects.filter(action="sign_in_locked", username="longhui_officer").count())


@pytest.fixture
def demo_server(tmp_path):
    """On SQLite the test database lives in memory, where the live server cannot run requests in
    parallel; so serve a migrated SQLite file with gunicorn as scripts/demo.sh does, with 2 workers
    (two processes: an in-process lock would not help) of 20 threads (all 40 attempts in flight)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL 上由 live_server 的同名测试检验")
    db = tmp_path / "race.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIUZHU_", "DATABASE_URL"))}
    # DEBUG only so that static URLs need no collectstatic manifest; nothing else depends on it here.
    env.update(DATABASE_URL=f"sqlite:///{db}", DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1",
               JIUZHU_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend")
    python = sys.executable
    # Migrating a file waits on a disk sync per migration (two minutes of the suite); a throwaway file needs none.
    subprocess.run([python, "-c", "import django; django.setup(); "
                    "from django.db.backends.signals import connection_created; "
                    "connection_created.connect(lambda sender, connection, **kw: "
                    "connection.cursor().execute('PRAGMA synchronous=OFF')); "
                    "from django.core.management import call_command; "
                    "call_command('migrate', verbosity=0, skip_checks=True); from jiuzhu.core.models import User; "
                    "User.objects.create_user('longhui_officer', password='Jiuzhu@2026')"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(python).parent / "gunicorn"), "config.wsgi:application",
                               "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "20",
                               "--graceful-timeout", "2", "--log-level", "warning"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if _over_http(f"{url}/login/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield url, db
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_forty_parallel_wrong_sign_ins_on_the_demo_server_check_five_passwords(demo_server):
    url, db = demo_server
    pages = _forty_parallel_wrong_sign_ins(url)
    with sqlite3.connect(db) as con:
        def count(sql):
            return con.execute(sql, ["longhui_officer"]).fetchone()[0]

        _assert_five_password_checks(
            pages,
            failed_rows=count("SELECT count(*) FROM core_auditlog WHERE action = 'sign_in_failed' AND username = ?"),
            counted=count("SELECT sum(failures_since_start) FROM axes_accessattempt WHERE username = ?"),
            locked_rows=count("SELECT count(*) FROM core_auditlog WHERE action = 'sign_in_locked' AND username = ?"))
