"""The referral API (/api/v1/intake/referrals): the department's system with its token over real HTTP, the clerk's
session, the error shape, scope (404) and the applicant's number masked."""

import json
import urllib.error
import urllib.request

import pytest

from jiuzhu.core.auth import api_token_issue
from jiuzhu.core.models import Organization
from jiuzhu.intake.models import ApplicationItem, ItemStatus, Referral, ReferralStatus

pytestmark = pytest.mark.django_db


def _call(url: str, raw: str, payload: dict | None = None, method: str | None = None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"),
                                     headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.django_db(transaction=True)
def test_the_departments_system_answers_over_real_http_with_its_token(live_server, referred, persona):
    org = Organization.objects.get(name="隆回县医疗保障局")
    _, raw = api_token_issue(actor=persona("longhui_admin"), organization=org, name="医保救助系统对接")
    base = f"{live_server.url}/api/v1/intake/referrals"
    status, rows = _call(base, raw)
    assert status == 200 and [r["id"] for r in rows] == [referred["referral"].pk]
    row = rows[0]
    assert row["item_label"] == "医疗救助" and row["status"] == "sent" and row["applicant_name"] == "李秀英"
    assert row["applicant_id_masked"].startswith("430524********") and row["working_days_left"] > 0
    referral_id = row["id"]
    # Return without a reason: the shared error shape, in Chinese; nothing changes.
    status, refused = _call(f"{base}/{referral_id}/return", raw, {"reason": ""})
    assert status == 400 and refused["code"] == "validation_error" and "退回理由" in refused["message"]
    assert refused["errors"] == [{"path": "reason", "message": refused["message"]}]
    status, accepted = _call(f"{base}/{referral_id}/accept", raw, {})
    assert status == 200 and accepted["status"] == "accepted" and accepted["accepted_at"]
    status, again = _call(f"{base}/{referral_id}/accept", raw, {})
    assert status == 400 and again["code"] == "invalid_status"
    status, done = _call(f"{base}/{referral_id}/complete", raw,
                         {"result": "granted", "outcome": "核定医疗救助 3200 元", "amount": "3200"})
    assert status == 200 and done["status"] == "completed" and done["amount"] == "3200.00"
    assert "医疗费用票据及结算单" in {m["name"] for m in done["materials"]}
    item = ApplicationItem.objects.get(pk=referred["referral"].application_item_id)
    assert item.status == ItemStatus.GRANTED
    # Another county's department token sees nothing of it.
    other = Organization.objects.get(name="洞口县医疗保障局")
    _, other_raw = api_token_issue(actor=persona("dongkou_admin"), organization=other, name="洞口医保")
    status, none = _call(f"{base}?status=all", other_raw)
    assert status == 200 and none == []
    status, missing = _call(f"{base}/{referral_id}", other_raw)
    assert status == 404 and missing["code"] == "not_found"
    status, missing = _call(f"{base}/{referral_id}/return", other_raw, {"reason": "不是本部门事项"})
    assert status == 404


def test_the_clerks_session_returns_and_lists(referred, client_for):
    client = client_for("longhui_clerk")
    referral = referred["referral"]
    answer = client.post(f"/api/v1/intake/referrals/{referral.pk}/return", {"reason": "缺少诊断证明"},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["return_reason"] == "缺少诊断证明"
    assert Referral.objects.get().status == ReferralStatus.RETURNED
    assert client.get("/api/v1/intake/referrals").json() == []  # open only by default
    rows = client.get("/api/v1/intake/referrals?status=returned").json()
    assert [r["id"] for r in rows] == [referral.pk] and rows[0]["working_days_left"] is None


def test_the_window_cannot_answer_for_the_department(referred, client_for):
    client = client_for("longhui_window")
    answer = client.post(f"/api/v1/intake/referrals/{referred['referral'].pk}/accept", {},
                         content_type="application/json")
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert client.get("/api/v1/intake/referrals").json()[0]["id"] == referred["referral"].pk  # it may read


def test_bad_complete_payload(referred, client_for):
    client = client_for("longhui_clerk")
    answer = client.post(f"/api/v1/intake/referrals/{referred['referral'].pk}/complete",
                         {"result": "refused", "outcome": "", "amount": None}, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["errors"][0]["path"] == "outcome"
    answer = client.post(f"/api/v1/intake/referrals/{referred['referral'].pk}/complete", {"outcome": "x"},
                         content_type="application/json")
    assert answer.status_code == 422 and answer.json()["message"]


def test_without_sign_in_401(referred, client):
    assert client.get("/api/v1/intake/referrals").status_code == 401
