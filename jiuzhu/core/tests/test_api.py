import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from config.api import api
from conftest import member
from jiuzhu.core.auth import api_token_issue, api_token_revoke
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import ApiToken, AuditLog, Organization, User


def test_department_token_is_scoped_like_its_organisation_and_revocable(register, persona):
    household = register("longhui_officer")
    org = Organization.objects.get(name="隆回县民政局")
    token, raw = api_token_issue(actor=persona("longhui_admin"), organization=org, name="低保系统对接")
    assert raw.startswith("jz_") and raw not in token.key_hash
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    ok = client.get(f"/api/v1/registry/persons/{household.head_id}", **headers)
    assert ok.status_code == 200 and ok.json()["name"] == "张建国"
    assert AuditLog.objects.filter(action="token_used", object_id=str(token.pk)).exists()
    assert AuditLog.objects.filter(action="read", person_id=household.head_id, detail__api_token=token.pk).exists()
    # A token of county B's bureau cannot read county A's person.
    b_org = Organization.objects.get(name="洞口县民政局")
    _, raw_b = api_token_issue(actor=persona("dongkou_admin"), organization=b_org, name="对接")
    assert client.get(f"/api/v1/registry/persons/{household.head_id}",
                      HTTP_AUTHORIZATION=f"Bearer {raw_b}").status_code == 404
    api_token_revoke(actor=persona("longhui_admin"), token=token)
    revoked = client.get(f"/api/v1/registry/persons/{household.head_id}", **headers)
    assert revoked.status_code == 401 and revoked.json()["code"] == "unauthenticated"


def test_service_account_cannot_sign_in_with_a_password(persona):
    org = Organization.objects.get(name="隆回县医疗保障局")
    token, _ = api_token_issue(actor=persona("longhui_admin"), organization=org, name="医保结算推送")
    assert not token.user.has_usable_password()
    # Give it a password anyway: even the correct one is refused, by the check itself, not the form.
    token.user.set_password("Svc#Pass2026x")
    token.user.save()
    client = Client()
    response = client.post("/login/", {"username": token.user.username, "password": "Svc#Pass2026x"})
    assert response.status_code == 200
    assert "用户名或密码错误，再错 4 次将锁定账号。" in response.content.decode()
    assert client.get("/api/v1/core/me").status_code == 401
    assert not AuditLog.objects.filter(action="sign_in", username=token.user.username).exists()


def test_validation_errors_have_one_shape_with_chinese_messages_and_paths(client_for):
    client = client_for("longhui_officer")
    response = client.post("/api/v1/registry/households", {"region_code": "430524100200"},
                           content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert {"path": "body.payload.address", "message": "必填"} in body["errors"]
    bad = client.post("/api/v1/registry/households", {
        "region_code": "430524100200", "address": "红星社区1组", "hukou_type": "农村",
        "members": [{**member("李四", "head"), "id_number": "430524197005170211"}]},
        content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "validation_error"
    assert "校验位" in bad.json()["message"]
    assert bad.json()["errors"][0]["path"] == "身份证号码"


def test_household_created_through_api_is_on_its_chain(client_for):
    client = client_for("longhui_officer")
    created = client.post("/api/v1/registry/households", {
        "region_code": "430524100200", "address": "红星社区1组8号", "hukou_type": "农村",
        "members": [member("刘桂兰", "户主", born=dt.date(1948, 2, 9), seq=42, sex="女"),
                    member("刘德明", "子女", born=dt.date(1975, 8, 1), seq=13)]},
        content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert len(body["members"]) == 2 and body["members"][0]["name"] == "刘桂兰"
    chain = client.get(f"/api/v1/registry/households/{body['id']}/chain").json()
    assert chain[0]["kind"] == "registry.household_registered"


def test_unauthenticated_api_gets_401_in_the_error_shape(world):
    response = Client().get("/api/v1/core/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_api_docs_and_schema_are_served_locally(client_for):
    client = client_for("longhui_admin")
    docs = client.get("/api/v1/docs")
    html = docs.content.decode()
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/registry/persons/{person_id}" in schema["paths"]


def test_me_reports_roles(client_for):
    me = client_for("longhui_approver").get("/api/v1/core/me").json()
    assert me["roles"] == ["approver"] and me["region_code"] == "430524"


def _household(name="刘桂兰", seq=42) -> dict:
    return {"region_code": "430524100200", "address": "红星社区1组8号", "hukou_type": "农村",
            "members": [member(name, "户主", born=dt.date(1948, 2, 9), seq=seq, sex="女")]}


def test_a_department_token_writes_although_csrf_is_enforced(persona):
    """Finding 6: with the token tried first, a POST carrying `Authorization: Bearer` is not refused by
    the session's CSRF check; a browser session still needs its CSRF token."""
    org = Organization.objects.get(name="隆回县民政局")
    _, raw = api_token_issue(actor=persona("longhui_admin"), organization=org, name="低保系统对接")
    client = Client(enforce_csrf_checks=True)
    created = client.post("/api/v1/registry/households", _household(), content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert created.status_code == 201, created.json()
    assert created.json()["members"][0]["name"] == "刘桂兰"
    # A signed-in browser without its CSRF token is refused, in Chinese, in the one error shape.
    browser = Client(enforce_csrf_checks=True)
    browser.get("/login/")
    csrf = browser.cookies["csrftoken"].value
    assert browser.post("/login/", {"username": "longhui_officer", "password": "Jiuzhu@2026",
                                    "csrfmiddlewaretoken": csrf}).status_code == 302
    refused = browser.post("/api/v1/registry/households", _household("王秀英", 44), content_type="application/json")
    assert refused.status_code == 403
    assert refused.json() == {"code": "csrf_failed", "errors": [],
                              "message": "安全校验（CSRF）未通过：浏览器请求须带 X-CSRFToken 头；部门系统请用接口令牌"}
    accepted = browser.post("/api/v1/registry/households", _household("王秀英", 44), content_type="application/json",
                            HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert accepted.status_code == 201


def test_a_department_token_writes_over_real_http(live_server, persona):
    org = Organization.objects.get(name="隆回县民政局")
    _, raw = api_token_issue(actor=persona("longhui_admin"), organization=org, name="低保系统对接")
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/registry/households", data=json.dumps(_household()).encode(), method="POST",
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        status, body = exc.code, json.loads(exc.read())
    assert status == 201, body
    assert body["members"][0]["name"] == "刘桂兰"


def test_an_administrator_issues_tokens_only_inside_its_jurisdiction(persona):
    """Finding 7: 隆回县's administrator cannot issue a token that reads 洞口县's persons."""
    b_org = Organization.objects.get(name="洞口县民政局")
    with pytest.raises(PermissionDenied) as refused:
        api_token_issue(actor=persona("longhui_admin"), organization=b_org, name="越权")
    assert str(refused.value) == "机构“洞口县民政局”不在您的管辖范围内，不能为其签发接口令牌"
    assert not ApiToken.objects.exists()
    assert not User.objects.filter(is_service_account=True).exists()
    # The city's administrator covers both counties.
    token, _ = api_token_issue(actor=persona("shaoyang_admin"), organization=b_org, name="市级对接")
    assert token.organization == b_org


def test_only_administrators_issue_and_revoke_tokens(persona):
    org = Organization.objects.get(name="隆回县民政局")
    with pytest.raises(PermissionDenied) as refused:
        api_token_issue(actor=persona("longhui_officer"), organization=org, name="自签")
    assert str(refused.value) == "您没有“用户、令牌、区划、地方标准和目录管理”的权限"
    assert not ApiToken.objects.exists()
    token, raw = api_token_issue(actor=persona("longhui_admin"), organization=org, name="低保系统对接")
    for actor, message in [("longhui_officer", "您没有“用户、令牌、区划、地方标准和目录管理”的权限"),
                           ("dongkou_admin", "机构“隆回县民政局”不在您的管辖范围内，不能为其吊销接口令牌")]:
        with pytest.raises(PermissionDenied) as refused:
            api_token_revoke(actor=persona(actor), token=token)
        assert str(refused.value) == message
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Client().get("/api/v1/core/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert not AuditLog.objects.filter(action="token_revoked").exists()


def test_issue_api_token_command_refuses_another_countys_organisation(world, capsys):
    with pytest.raises(CommandError) as refused:
        call_command("issue_api_token", organization="洞口县民政局", name="越权", by="longhui_admin")
    assert str(refused.value) == "机构“洞口县民政局”不在您的管辖范围内，不能为其签发接口令牌"
    assert not ApiToken.objects.exists()
    call_command("issue_api_token", organization="隆回县民政局", name="低保系统对接", by="longhui_admin")
    assert capsys.readouterr().out.startswith("令牌（只显示这一次，请妥善保存）：jz_")
    assert ApiToken.objects.get().organization.name == "隆回县民政局"


def test_a_refusal_of_the_actor_answers_403_in_the_error_shape(world):
    request = RequestFactory().get("/api/v1/core/me")
    forbidden = api.on_exception(request, DomainError("只有审批人员可以审批", code="forbidden"))
    assert forbidden.status_code == 403
    assert json.loads(forbidden.content) == {"code": "forbidden", "message": "只有审批人员可以审批", "errors": []}
    denied = api.on_exception(request, PermissionDenied("您没有“审批分层认定和救助”的权限"))
    assert denied.status_code == 403
    assert json.loads(denied.content)["message"] == "您没有“审批分层认定和救助”的权限"
    assert api.on_exception(request, DomainError("校验位不正确", code="validation_error")).status_code == 400
