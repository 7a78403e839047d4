import datetime as dt

from django.test import Client

from conftest import member
from jiuzhu.core.auth import api_token_issue, api_token_revoke
from jiuzhu.core.models import AuditLog, Organization


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
    assert Client().post("/login/", {"username": token.user.username, "password": ""}).status_code == 200


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
