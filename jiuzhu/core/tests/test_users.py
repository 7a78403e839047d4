"""Issue 14: administrators manage the users of their jurisdiction (users, roles, organisation, region,
deactivate, reset password, unlock), on pages that only administrators open. Each guard has a test here
that fails without it."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client

from jiuzhu.core.demo import DEMO_PASSWORD
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import CoreEvent
from jiuzhu.core.models import AuditLog, Event, Organization, Region, User
from jiuzhu.core.user_services import generate_password, user_create, user_update

WINDOW = "桃洪镇社会救助服务窗口"
TAOHONG = "430524100000"


@pytest.fixture
def form(world):
    """The create form's fields for a window officer of 桃洪镇's window, with a generated password."""
    return {"username": "taohong_window2", "full_name": "刘小红", "phone": "",
            "organization": Organization.objects.get(name=WINDOW).pk, "region": Region.objects.get(code=TAOHONG).pk,
            "roles": ["window_officer"], "password_mode": "generate", "password": ""}


def _created(client, data) -> tuple:
    response = client.post("/users/new/", data, follow=True)
    return response, response.content.decode()


# ---- The pages ----------------------------------------------------------------------------------------

def test_navigation_leads_to_the_admin_hub_and_the_user_list(client_for):
    admin = client_for("longhui_admin")
    home = admin.get("/").content.decode()
    assert 'href="/manage/">系统管理</a>' in home
    hub = admin.get("/manage/").content.decode()
    assert 'href="/users/"' in hub and "用户管理" in hub
    page = admin.get("/users/").content.decode()
    assert "longhui_window" in page and "桃洪镇窗口经办员" in page and "窗口经办" in page
    assert "dongkou_window" not in page and "shaoyang_admin" not in page  # other county, the level above


def test_the_list_filters_by_name_organisation_role_and_status(client_for, persona):
    admin = client_for("longhui_admin")
    names = lambda response: re.findall(r'href="/users/\d+/">([\w.-]+)</a>', response.content.decode())  # noqa: E731
    assert names(admin.get("/users/", {"text": "审批"})) == ["longhui_approver"]
    clerk_org = persona("longhui_clerk").organization
    assert names(admin.get("/users/", {"organization": clerk_org.pk})) == ["longhui_clerk"]
    assert names(admin.get("/users/", {"role": "coordinator"})) == ["longhui_coordinator"]
    stopped = persona("longhui_analyst")
    stopped.is_active = False
    stopped.save()
    assert names(admin.get("/users/", {"status": "inactive"})) == ["longhui_analyst"]
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.9").post("/login/", {"username": "longhui_officer", "password": "wrong"})
    assert names(admin.get("/users/", {"status": "locked"})) == ["longhui_officer"]
    active = names(admin.get("/users/", {"status": "active"}))
    assert "longhui_officer" not in active and "longhui_analyst" not in active and "longhui_admin" in active


def test_an_administrator_creates_a_user_with_a_generated_password_shown_once(client_for, form):
    admin = client_for("longhui_admin")
    response, page = _created(admin, form)
    user = User.objects.get(username="taohong_window2")
    assert response.redirect_chain[-1][0] == f"/users/{user.pk}/"
    shown = re.search(r'id="shown-password" class="secret">([^<]+)<', page).group(1)
    assert user.check_password(shown) and user.must_change_password is True
    assert (user.full_name, user.organization.name, user.region.code) == ("刘小红", WINDOW, TAOHONG)
    assert sorted(user.role_codes) == ["window_officer"] and not user.is_superuser and not user.is_staff
    assert shown not in admin.get(f"/users/{user.pk}/").content.decode()  # shown once only
    row = AuditLog.objects.get(action="create", object_type="core.user", object_id=str(user.pk))
    assert row.username == "longhui_admin"
    assert row.detail["changes"]["roles"] == {"before": [], "after": ["窗口经办"]}
    assert row.detail["changes"]["organization"] == {"before": "", "after": WINDOW}
    event = Event.objects.get(kind=CoreEvent.USER_CREATED)
    assert (event.subject_id, event.actor.username, event.region.code) == (str(user.pk), "longhui_admin", TAOHONG)
    assert event.payload["roles"] == ["window_officer"]


def test_the_new_user_must_change_the_password_before_anything_else(client_for, form):
    admin = client_for("longhui_admin")
    _response, page = _created(admin, form)
    shown = re.search(r'id="shown-password" class="secret">([^<]+)<', page).group(1)
    new = Client()
    assert new.post("/login/", {"username": "taohong_window2", "password": shown}).status_code == 302
    landed = new.get("/", follow=True)
    assert landed.redirect_chain == [("/password/", 302)]
    assert "请先设置自己的新密码" in landed.content.decode()
    assert new.get("/registry/households/").url == "/password/"
    assert new.get("/api/v1/core/me").status_code == 403
    changed = new.post("/password/", {"old_password": shown, "new_password1": "Taohong#2027x",
                                      "new_password2": "Taohong#2027x"})
    assert changed.url == "/"
    assert User.objects.get(username="taohong_window2").must_change_password is False
    assert new.get("/").status_code == 200


def test_an_administrator_may_set_the_initial_password_within_the_policy(client_for, form):
    admin = client_for("longhui_admin")
    _response, page = _created(admin, form | {"password_mode": "set", "password": "short"})
    assert not User.objects.filter(username="taohong_window2").exists()
    assert 'class="error"' in page and "初始密码：" in page
    assert 'value="刘小红"' in page  # what was typed is kept
    _created(admin, form | {"password_mode": "set", "password": "Liuxiaohong#2026"})
    user = User.objects.get(username="taohong_window2")
    assert user.check_password("Liuxiaohong#2026") and user.must_change_password


def test_generated_passwords_meet_the_policy():
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        password = generate_password()
        validate_password(password)
        assert re.fullmatch(r"([A-Z][a-z][2-9]-){4}[A-Z][a-z][2-9]", password)


# ---- Guards ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["longhui_officer", "longhui_approver", "longhui_auditor", "longhui_window"])
def test_only_administrators_open_or_use_user_management(client_for, persona, form, username):
    client = client_for(username)
    target = persona("longhui_coordinator")
    for url in ("/manage/", "/users/", "/users/new/", f"/users/{target.pk}/", f"/users/{target.pk}/edit/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/users/new/", form).status_code == 403
    for action in ("password-reset", "deactivate", "unlock"):
        assert client.post(f"/users/{target.pk}/{action}/").status_code == 403
    target.refresh_from_db()
    assert target.is_active and target.check_password(DEMO_PASSWORD)
    assert not User.objects.filter(username="taohong_window2").exists()
    assert "系统管理" not in client.get("/").content.decode()


def test_the_service_refuses_a_non_administrator(persona):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        user_create(actor=persona("longhui_officer"), username="x_user", name="某某",
                    organization=persona("longhui_window").organization, region=persona("longhui_window").region,
                    roles=["window_officer"])


def test_a_user_outside_the_jurisdiction_is_not_found(client_for, persona):
    admin = client_for("longhui_admin")
    other = persona("dongkou_window")
    above = persona("shaoyang_analyst")
    for target in (other, above):
        assert admin.get(f"/users/{target.pk}/").status_code == 404
        assert admin.get(f"/users/{target.pk}/edit/").status_code == 404
        for action in ("password-reset", "deactivate", "unlock"):
            assert admin.post(f"/users/{target.pk}/{action}/").status_code == 404
        target.refresh_from_db()
        assert target.is_active and target.check_password(DEMO_PASSWORD)
    assert not AuditLog.objects.filter(object_type="core.user").exists()


def test_a_role_is_never_granted_on_a_region_above_the_administrators_own(client_for, form):
    admin = client_for("longhui_admin")
    city = Region.objects.get(code="430500")
    _response, page = _created(admin, form | {"region": city.pk})
    assert not User.objects.filter(username="taohong_window2").exists()
    assert "请选择管辖区域" in page  # the picker offers the jurisdiction only


def test_the_service_refuses_a_region_or_organisation_above_the_administrators_own(persona):
    admin = persona("longhui_admin")
    city = Region.objects.get(code="430500")
    city_org = Organization.objects.get(name="邵阳市民政局")
    window = Organization.objects.get(name=WINDOW)
    with pytest.raises(DomainError) as refused:
        user_create(actor=admin, username="up_user", name="某某", organization=window, region=city,
                    roles=["window_officer"])
    assert (refused.value.field, refused.value.message) == (
        "region", "管辖区域“湖南省邵阳市”高于或不在您的管辖范围内，不能在该区域授予角色")
    with pytest.raises(DomainError) as refused:
        user_create(actor=admin, username="up_user", name="某某", organization=city_org, region=city,
                    roles=["analyst"])
    assert (refused.value.field, refused.value.message) == ("organization", "机构“邵阳市民政局”不在您的管辖范围内")
    target = persona("longhui_window")
    with pytest.raises(DomainError) as refused:
        user_update(actor=admin, user=target, name=target.full_name, organization=target.organization, region=city,
                    roles=["window_officer"])
    assert refused.value.field == "region"
    target.refresh_from_db()
    assert target.region.code == TAOHONG
    assert not User.objects.filter(username="up_user").exists()


def test_no_administrator_makes_a_superuser(client_for, persona, form):
    admin = client_for("longhui_admin")
    _created(admin, form | {"is_superuser": "on", "is_staff": "on"})
    created = User.objects.get(username="taohong_window2")
    assert (created.is_superuser, created.is_staff) == (False, False)
    me = persona("longhui_admin")
    admin.post(f"/users/{me.pk}/edit/", {"full_name": me.full_name, "organization": me.organization_id,
                                         "region": me.region_id, "roles": ["administrator"], "is_superuser": "on"})
    me.refresh_from_db()
    assert (me.is_superuser, me.is_staff) == (False, False)


def test_a_superuser_account_is_not_managed_by_administrators(client_for, persona):
    root = User.objects.create_superuser("longhui_root", password="Root#Pass2026x", full_name="根账号",
                                         region=persona("longhui_admin").region)
    admin = client_for("longhui_admin")
    assert "longhui_root" not in admin.get("/users/").content.decode()
    assert admin.get(f"/users/{root.pk}/").status_code == 404
    assert admin.post(f"/users/{root.pk}/password-reset/").status_code == 404
    root.refresh_from_db()
    assert root.check_password("Root#Pass2026x")


def test_an_administrator_does_not_change_their_own_roles_or_status(client_for, persona):
    me = persona("longhui_admin")
    admin = client_for("longhui_admin")
    page = admin.post(f"/users/{me.pk}/edit/", {"full_name": me.full_name, "organization": me.organization_id,
                                                "region": me.region_id,
                                                "roles": ["administrator", "assistance_officer"]}).content.decode()
    assert "不能修改自己的账号，请由其他系统管理员办理" in page
    assert sorted(User.objects.get(pk=me.pk).role_codes) == ["administrator"]
    refused = admin.post(f"/users/{me.pk}/deactivate/", follow=True).content.decode()
    assert re.search(r'<li class="error"[^>]*>不能停用自己的账号，请由其他系统管理员办理</li>', refused)
    assert User.objects.get(pk=me.pk).is_active


def test_roles_must_suit_the_organisation(persona):
    admin = persona("longhui_admin")
    window = Organization.objects.get(name=WINDOW)
    with pytest.raises(DomainError) as refused:
        user_create(actor=admin, username="mis_user", name="某某", organization=window,
                    region=window.region, roles=["department_clerk"])
    assert refused.value.message == "角色“部门经办”只能授予协同部门的人员"
    clerk_org = persona("longhui_clerk").organization
    with pytest.raises(DomainError) as refused:
        user_create(actor=admin, username="mis_user", name="某某", organization=clerk_org,
                    region=clerk_org.region, roles=["department_clerk", "approver"])
    assert refused.value.message == "协同部门的人员只能担任“部门经办”"


# ---- Changes, audited, with events ------------------------------------------------------------------------

def test_editing_roles_is_audited_with_before_and_after(client_for, persona):
    admin = client_for("longhui_admin")
    target = persona("longhui_window")
    response = admin.post(f"/users/{target.pk}/edit/", {
        "full_name": target.full_name, "organization": target.organization_id, "region": target.region_id,
        "roles": ["window_officer", "coordinator"]}, follow=True)
    assert "已保存修改。" in response.content.decode()
    assert sorted(User.objects.get(pk=target.pk).role_codes) == ["coordinator", "window_officer"]
    row = AuditLog.objects.get(action="update", object_type="core.user", object_id=str(target.pk))
    assert row.detail["changes"] == {"roles": {"before": ["窗口经办"], "after": ["社会救助协理员", "窗口经办"]}}
    event = Event.objects.get(kind=CoreEvent.USER_CHANGED)
    assert (event.subject_id, event.summary) == (str(target.pk), "修改用户 longhui_window：角色")
    assert "隆回县系统管理员：修改用户 longhui_window：角色" in response.content.decode()  # the user's history
    # Saving the same again changes nothing and writes nothing.
    admin.post(f"/users/{target.pk}/edit/", {
        "full_name": target.full_name, "organization": target.organization_id, "region": target.region_id,
        "roles": ["window_officer", "coordinator"]})
    assert AuditLog.objects.filter(action="update", object_type="core.user").count() == 1


def test_deactivate_and_reactivate(client_for, persona):
    admin = client_for("longhui_admin")
    target = persona("longhui_window")
    session = client_for("longhui_window")
    admin.post(f"/users/{target.pk}/deactivate/")
    assert User.objects.get(pk=target.pk).is_active is False
    assert session.get("/").status_code == 302  # the open session ends
    assert Client().post("/login/", {"username": "longhui_window", "password": DEMO_PASSWORD}).status_code == 200
    admin.post(f"/users/{target.pk}/reactivate/")
    assert User.objects.get(pk=target.pk).is_active is True
    assert [e.kind for e in Event.objects.filter(subject_id=str(target.pk)).order_by("id")] == [
        CoreEvent.USER_DEACTIVATED, CoreEvent.USER_REACTIVATED]
    changes = [r.detail["changes"] for r in AuditLog.objects.filter(object_type="core.user").order_by("id")]
    assert changes == [{"status": {"before": "正常", "after": "已停用"}},
                       {"status": {"before": "已停用", "after": "正常"}}]


def test_password_reset_shows_a_new_password_once_and_forces_a_change(client_for, persona):
    admin = client_for("longhui_admin")
    target = persona("longhui_window")
    page = admin.post(f"/users/{target.pk}/password-reset/", follow=True).content.decode()
    shown = re.search(r'id="shown-password" class="secret">([^<]+)<', page).group(1)
    target.refresh_from_db()
    assert target.check_password(shown) and not target.check_password(DEMO_PASSWORD)
    assert target.must_change_password is True
    assert shown not in str(AuditLog.objects.filter(object_id=str(target.pk)).values_list("detail", flat=True))
    assert Event.objects.filter(kind=CoreEvent.USER_PASSWORD_RESET, subject_id=str(target.pk)).count() == 1
    assert AuditLog.objects.get(action="update", object_id=str(target.pk)).detail["changes"]["password"] == {
        "before": "", "after": "已重置"}


def test_unlock_from_the_user_page(client_for, persona):
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.9").post("/login/", {"username": "longhui_officer", "password": "wrong"})
    target = persona("longhui_officer")
    admin = client_for("longhui_admin")
    page = admin.get(f"/users/{target.pk}/").content.decode()
    assert "已锁定" in page and "解除登录锁定" in page
    assert client_for("dongkou_admin").post(f"/users/{target.pk}/unlock/").status_code == 404
    assert AccessAttempt.objects.filter(username="longhui_officer").exists()
    done = admin.post(f"/users/{target.pk}/unlock/", follow=True).content.decode()
    assert "已解除用户 longhui_officer 的登录锁定。" in done
    assert not AccessAttempt.objects.filter(username="longhui_officer").exists()
    assert Client(REMOTE_ADDR="10.0.0.9").post("/login/", {"username": "longhui_officer",
                                                           "password": DEMO_PASSWORD}).status_code == 302
    assert Event.objects.get(kind=CoreEvent.USER_UNLOCKED).payload == {"attempts_cleared": 1}
    assert AuditLog.objects.get(action="update", object_id=str(target.pk)).detail == {
        "sign_in_unlocked": "longhui_officer", "attempts_cleared": 1}


def test_the_user_page_links_to_the_organisations_tokens(client_for, persona):
    from jiuzhu.core.auth import api_token_issue

    admin_user = persona("longhui_admin")
    clerk = persona("longhui_clerk")
    api_token_issue(actor=admin_user, organization=clerk.organization, name="医保结算数据推送")
    api_token_issue(actor=admin_user, organization=persona("longhui_officer").organization, name="民政数据")
    admin = client_for("longhui_admin")
    page = admin.get(f"/users/{clerk.pk}/").content.decode()
    url = f"/tokens/?organization={clerk.organization_id}"
    assert f'href="{url}"' in page
    tokens = admin.get(url).content.decode()
    assert "医保结算数据推送" in tokens and "民政数据" not in tokens and "只列出隆回县医疗保障局的令牌" in tokens


def test_an_administrator_cannot_reset_their_own_password(persona):
    """Resetting one's own password here would bypass the old password: another administrator does it."""
    from jiuzhu.core.user_services import user_password_reset

    admin = persona("shaoyang_admin")
    before = admin.password
    with pytest.raises(DomainError) as refused:
        user_password_reset(actor=admin, user=admin)
    assert refused.value.message == "不能重置自己的账号，请由其他系统管理员办理"
    admin.refresh_from_db()
    assert admin.password == before and not admin.must_change_password
    assert not Event.objects.filter(kind=CoreEvent.USER_PASSWORD_RESET).exists()
