"""Finding 7: administrators issue and revoke department tokens only for organisations of their jurisdiction,
on the page and in the API; nobody else may."""

import re

import pytest
from django.test import Client

from jiuzhu.core.models import ApiToken, AuditLog, Organization


@pytest.fixture
def orgs(world):
    return {"a": Organization.objects.get(name="隆回县医疗保障局"), "b": Organization.objects.get(name="洞口县民政局")}


def test_the_page_issues_a_token_once_for_an_organisation_in_scope(orgs, client_for):
    admin = client_for("longhui_admin")
    page = admin.get("/tokens/").content.decode()
    assert "隆回县医疗保障局" in page and "洞口县民政局" not in page  # the picker lists the jurisdiction only
    shown = admin.post("/tokens/issue/", {"organization": orgs["a"].pk, "name": "医保结算数据推送"}, follow=True)
    raw = re.search(r"jz_[\w-]+", shown.content.decode()).group(0)
    token = ApiToken.objects.get()
    assert token.prefix == raw[:10] and raw not in token.key_hash
    assert "jz_" not in admin.get("/tokens/").content.decode().replace(token.prefix, "")  # never shown again
    assert AuditLog.objects.filter(action="token_issued", username="longhui_admin").count() == 1
    # The token works, as the organisation's service account.
    assert Client().get("/api/v1/core/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()[
        "organization"] == "隆回县医疗保障局"


def test_the_page_refuses_an_organisation_out_of_scope(orgs, client_for):
    admin = client_for("longhui_admin")
    admin.post("/tokens/issue/", {"organization": orgs["b"].pk, "name": "越权"})
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("username", ["longhui_officer", "longhui_approver", "longhui_auditor", "longhui_clerk"])
def test_only_administrators_see_or_issue_tokens(orgs, client_for, username):
    client = client_for(username)
    assert client.get("/tokens/").status_code == 403
    assert client.post("/tokens/issue/", {"organization": orgs["a"].pk, "name": "x"}).status_code == 403
    api = client.post("/api/v1/core/tokens", {"organization_id": orgs["a"].pk, "name": "x"},
                      content_type="application/json")
    assert api.status_code == 403 and api.json()["code"] == "forbidden"
    assert not ApiToken.objects.exists()


def test_the_api_issues_lists_and_revokes_within_the_jurisdiction(orgs, client_for):
    admin = client_for("longhui_admin")
    issued = admin.post("/api/v1/core/tokens", {"organization_id": orgs["a"].pk, "name": "残联数据"},
                        content_type="application/json")
    assert issued.status_code == 201 and issued.json()["token"].startswith("jz_")
    out = admin.post("/api/v1/core/tokens", {"organization_id": orgs["b"].pk, "name": "越权"},
                     content_type="application/json")
    assert out.status_code == 404
    listed = admin.get("/api/v1/core/tokens").json()
    assert [t["name"] for t in listed] == ["残联数据"] and "token" not in listed[0]
    assert client_for("dongkou_admin").get("/api/v1/core/tokens").json() == []  # other county sees none
    other = client_for("dongkou_admin").post(f"/api/v1/core/tokens/{issued.json()['id']}/revoke")
    assert other.status_code == 404
    revoked = admin.post(f"/api/v1/core/tokens/{issued.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    gone = Client().get("/api/v1/core/me", HTTP_AUTHORIZATION=f"Bearer {issued.json()['token']}")
    assert gone.status_code == 401
