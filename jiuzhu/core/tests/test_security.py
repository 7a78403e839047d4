import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

from jiuzhu.core.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[3]


def test_security_headers_and_a_csp_without_external_origins(world):
    response = Client().get("/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp and "*" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_csrf_is_enforced_on_forms(world):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "x", "password": "y"}).status_code == 403


def _start(env_extra: dict) -> subprocess.CompletedProcess:
    """Starts Django in a fresh process with only the given JIUZHU_/DJANGO_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIUZHU_", "DATABASE_URL"))}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_production_refuses_to_start_without_secrets_from_the_environment():
    missing = _start({"JIUZHU_ENV": "production"})
    assert missing.returncode != 0 and "DJANGO_SECRET_KEY" in missing.stderr
    dev_key = _start({"JIUZHU_ENV": "production",
                      "DJANGO_SECRET_KEY": "dev-only-insecure-secret-key-for-jiuzhu-local-use-0123456789abcdef"})
    assert dev_key.returncode != 0 and "开发密钥" in dev_key.stderr
    full = _start({"JIUZHU_ENV": "production", "DJANGO_SECRET_KEY": "x" * 60,
                   "JIUZHU_FIELD_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "JIUZHU_HASH_KEY": "h",
                   "DJANGO_ALLOWED_HOSTS": "jiuzhu.example.gov.cn", "DATABASE_URL": "sqlite:///var/prod-test.db"})
    assert full.returncode == 0, full.stderr
    assert "started" in full.stdout


# Words of Django's English catalogue that must never reach a user, whatever the browser asks.
ENGLISH = ["Page not found", "Not Found", "Forbidden", "Bad Request", "Server Error", "CSRF verification failed",
           "This password", "This field is required", "didn’t match", "incorrectly", "Old password",
           "New password", "Please enter", "too similar", "Home"]


def _chinese_only(response, *chinese: str) -> str:
    html = response.content.decode()
    for word in ENGLISH:
        assert word not in html, word
    for text in chinese:
        assert text in html, text
    assert response.get("Content-Language", "zh-hans") == "zh-hans"
    return html


def test_pages_stay_chinese_when_the_browser_asks_for_english(client_for):
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    anonymous = Client(**english)
    _chinese_only(anonymous.post("/login/", {"username": "longhui_officer", "password": "wrong"}),
                  "用户名或密码错误，再错 4 次将锁定账号。")
    _chinese_only(anonymous.post("/login/", {"username": "", "password": ""}), "这个字段是必填项。")
    missing = anonymous.get("/no-such-page/")
    assert missing.status_code == 404
    _chinese_only(missing, "页面不存在（404）", '<a href="/">返回首页</a>')
    csrf = Client(enforce_csrf_checks=True, **english).post("/login/", {"username": "x", "password": "y"})
    assert csrf.status_code == 403
    _chinese_only(csrf, "无法提交（403）", '<a href="/">返回首页</a>')

    officer = client_for("longhui_officer")
    officer.defaults.update(english)
    denied = officer.get("/sign-in-locks/")
    assert denied.status_code == 403
    _chinese_only(denied, "无权访问（403）", "您没有“用户、令牌、区划、地方标准和目录管理”的权限",
                  '<a href="/">返回首页</a>')
    page = _chinese_only(officer.get("/password/"), "原密码", "新密码", "确认新密码")
    assert "Password" not in page
    for data, message in [
        ({"old_password": "wrong", "new_password1": "Xq7#mountain", "new_password2": "Xq7#mountain"},
         "原密码不正确，请重新输入。"),
        ({"old_password": DEMO_PASSWORD, "new_password1": "Xq7#mountain", "new_password2": "Xq7#mountainX"},
         "两次输入的新密码不一致。"),
        ({"old_password": DEMO_PASSWORD, "new_password1": "Ab1#", "new_password2": "Ab1#"},
         "密码太短，至少须有 10 个字符。"),
        ({"old_password": DEMO_PASSWORD, "new_password1": "1234567890", "new_password2": "1234567890"},
         "这个密码太常见了。"),
        ({"old_password": DEMO_PASSWORD, "new_password1": "9081726354", "new_password2": "9081726354"},
         "密码只包含数字。"),
        ({"old_password": DEMO_PASSWORD, "new_password1": "longhui_officer1", "new_password2": "longhui_officer1"},
         "密码跟 用户名 太相似了。"),
        ({"old_password": "", "new_password1": "", "new_password2": ""}, "请填写原密码。"),
    ]:
        _chinese_only(officer.post("/password/", data), message)


def test_error_pages_render_in_chinese_without_a_request(rf):
    """400 and 500 render with no request context (the 500 page even with no template tags at all)."""
    from django.core.exceptions import SuspiciousOperation
    from django.views import defaults

    bad = defaults.bad_request(rf.get("/"), SuspiciousOperation("bad"))
    assert bad.status_code == 400
    _chinese_only(bad, "请求有误（400）", '<a href="/">返回首页</a>')
    broken = defaults.server_error(rf.get("/"))
    assert broken.status_code == 500
    html = _chinese_only(broken, "系统错误（500）", '<a href="/">返回首页</a>', "/static/jiuzhu/jiuzhu.css")
    assert "{%" not in html and "{{" not in html
