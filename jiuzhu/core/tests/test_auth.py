import datetime as dt

from django.test import Client
from django.utils import timezone

from jiuzhu.core.demo import DEMO_PASSWORD
from jiuzhu.core.models import AuditLog, SignInThrottle


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


def test_five_failures_lock_the_account_for_fifteen_minutes(world):
    client = Client()
    for i in range(5):
        response = client.post("/login/", {"username": "longhui_officer", "password": "wrong-password"})
        assert response.status_code == 200
    assert "已锁定" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post("/login/", {"username": "longhui_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 200 and "已锁定" in response.content.decode()
    assert AuditLog.objects.filter(action="sign_in_failed", username="longhui_officer").count() == 5
    assert AuditLog.objects.filter(action="sign_in_locked", username="longhui_officer").exists()
    # After the lock runs out, the right password works again.
    SignInThrottle.objects.filter(username="longhui_officer").update(
        locked_until=timezone.now() - dt.timedelta(seconds=1))
    response = client.post("/login/", {"username": "longhui_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_four_failures_do_not_lock(world):
    client = Client()
    for _ in range(4):
        client.post("/login/", {"username": "dongkou_officer", "password": "nope"})
    response = client.post("/login/", {"username": "dongkou_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert not SignInThrottle.objects.filter(username="dongkou_officer").exists()


def test_logout_ends_the_session(client_for):
    client = client_for("longhui_officer")
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_session_expires_after_thirty_idle_minutes(client_for, settings):
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    from django.contrib.sessions.models import Session

    client = client_for("longhui_officer")
    client.get("/")
    expires = Session.objects.get(session_key=client.session.session_key).expire_date
    # Every request renews the server-side expiry, so 30 minutes count from the last activity.
    assert abs((expires - timezone.now()).total_seconds() - 1800) < 60
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get("/").status_code == 302


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
