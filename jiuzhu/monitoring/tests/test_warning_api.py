"""The warnings API (/api/v1/monitoring/warnings, referrals) over real HTTP (`requests` against the live server):
a township window's session with CSRF visits and refers, the department's token sees only what was referred to it
and answers, the county officer disposes by case conference (one grant) and proposes a termination the approver
decides, the death rebuttal with its file; the refusals (out of scope 404, without the capability 403, a
department acting as the owner 403, another department's referral 404, CSRF)."""

import datetime as dt

import pytest
import requests

from conftest import signed_in_session
from jiuzhu.core.auth import api_token_issue
from jiuzhu.core.models import AuditLog, Organization
from jiuzhu.monitoring.models import Disposition, Warning, WarningStatus
from jiuzhu.monitoring.tests.conftest import PDF, PNG
from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, TierDecision

pytestmark = pytest.mark.django_db
API = "/api/v1/monitoring"
TODAY = dt.date.today().isoformat()




def _token(persona, organization: Organization) -> requests.Session:
    _, raw = api_token_issue(actor=persona("longhui_admin"), organization=organization, name="预警对接")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {raw}"
    return session


VISIT = {"visited_on": TODAY, "visitors": "李明、王芳", "findings": "入户查看，自付费用属实", "result": "confirmed"}


def test_visit_refer_and_the_departments_answer_over_http(live_server, media, make_warning, dibao_household,
                                                          persona):
    referred, other = make_warning(household=dibao_household), make_warning(household=dibao_household)
    web = signed_in_session(live_server.url, "longhui_window")
    base = f"{live_server.url}{API}/warnings"

    listed = web.get(f"{base}?status=open", timeout=60)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 2 and {r["id"] for r in page["results"]} == {referred.pk, other.pk}
    assert page["results"][0]["status_label"] == "待核实" and page["results"][0]["name"] == dibao_household.head.name
    assert AuditLog.objects.filter(action="read", detail__purpose="api_warning_list").exists()
    assert web.get(f"{base}?status=closed", timeout=60).json()["total"] == 0
    assert web.get(f"{base}?region=430102", timeout=60).status_code == 400  # another city's district

    detail = web.get(f"{base}/{referred.pk}", timeout=60).json()
    assert "*" in detail["id_number_masked"] and "birth_date" not in detail
    assert {"label": "个人自付（元）", "value": "32000"} in detail["evidence"]

    # A session POST without the CSRF header is refused; nothing recorded.
    bare = web.post(f"{base}/{referred.pk}/visit", data=VISIT, headers={"X-CSRFToken": None}, timeout=60)
    assert bare.status_code == 403 and not referred.visits.exists()
    visited = web.post(f"{base}/{referred.pk}/visit", data=VISIT, files={"file": ("现场.png", PNG, "image/png")},
                       timeout=60)
    assert visited.status_code == 200, visited.text
    assert visited.json()["status"] == "visited" and visited.json()["visits"][0]["has_file"]

    clerk_org = persona("longhui_clerk").organization
    refused = web.post(f"{base}/{referred.pk}/refer", json={"organization_id": clerk_org.pk, "request": "请核实",
                                                            "working_days": 0}, timeout=60)
    assert refused.status_code == 400 and "工作日" in refused.json()["message"]
    sent = web.post(f"{base}/{referred.pk}/refer", json={"organization_id": clerk_org.pk,
                                                         "request": "请核实医保报销情况"}, timeout=60)
    assert sent.status_code == 200 and sent.json()["status"] == "referred", sent.text
    early = web.post(f"{base}/{referred.pk}/close", json={"note": "已办结"}, timeout=60)
    assert early.status_code == 400 and early.json()["code"] == "not_answered"

    # The department's token: only the warning referred to it, and its inbox.
    department = _token(persona, clerk_org)
    mine = department.get(base, timeout=60).json()
    assert [r["id"] for r in mine["results"]] == [referred.pk]
    assert department.get(f"{base}/{other.pk}", timeout=60).status_code == 404
    assert department.get(f"{base}/{referred.pk}", timeout=60).status_code == 200
    owner_step = department.post(f"{base}/{other.pk}/visit", data=VISIT, timeout=60)
    assert owner_step.status_code == 404  # not referred to it: not even seen
    owner_step = department.post(f"{base}/{referred.pk}/conference", json={
        "held_on": TODAY, "participants": "医保局", "decision": "给予临时救助"}, timeout=60)
    assert owner_step.status_code == 403 and owner_step.json()["code"] == "forbidden"
    inbox = department.get(f"{live_server.url}{API}/referrals", timeout=60).json()
    assert inbox["total"] == 1 and inbox["results"][0]["warning_id"] == referred.pk
    referral_id = inbox["results"][0]["id"]
    stranger = _token(persona, Organization.objects.get(name="隆回县人力资源和社会保障局"))
    assert stranger.get(f"{live_server.url}{API}/referrals", timeout=60).json()["total"] == 0
    assert stranger.post(f"{live_server.url}{API}/referrals/{referral_id}/answer", data={"answer": "已办理完毕"},
                         timeout=60).status_code == 404
    answered = department.post(f"{live_server.url}{API}/referrals/{referral_id}/answer",
                               data={"answer": "已按规定报销医疗救助部分"},
                               files={"file": ("答复.pdf", PDF, "application/pdf")}, timeout=60)
    assert answered.status_code == 200 and answered.json()["answered"], answered.text
    again = department.post(f"{live_server.url}{API}/referrals/{referral_id}/answer", data={"answer": "再答一次"},
                            timeout=60)
    assert again.status_code == 400 and "已答复" in again.json()["message"]

    closed = web.post(f"{base}/{referred.pk}/close", json={"note": "部门已落实"}, timeout=60)
    assert closed.status_code == 200 and closed.json()["disposition"] == Disposition.REFER_DEPARTMENT
    assert [s["kind"].split(".")[1] for s in closed.json()["history"]] == [
        "warning_visited", "warning_referred", "warning_answered", "warning_disposed"]


def test_conference_termination_rebuttal_and_scope_over_http(live_server, media, make_warning, dibao_household,
                                                            death_indicator, persona):
    from jiuzhu.monitoring import warning_services as services

    meeting, ending = make_warning(household=dibao_household), make_warning(household=dibao_household)
    death = make_warning(household=dibao_household, of=death_indicator,
                         evidence={"feed": "death_public_security", "death_date": "2026-05-01"})
    for w in (meeting, ending):
        services.warning_visit_record(actor=persona("longhui_window"), warning=w, visited_on=dt.date.today(),
                                      visitors="李明", findings="入户查看情况属实", result="confirmed")
    base = f"{live_server.url}{API}/warnings"
    officer = signed_in_session(live_server.url, "longhui_officer")

    made = officer.post(f"{base}/{meeting.pk}/conference", json={
        "held_on": TODAY, "participants": "镇长、村支书", "decision": "给予一次性临时救助", "amount": "1500"},
        timeout=60)
    assert made.status_code == 200, made.text
    grant = AssistanceGrant.objects.get(household=dibao_household, category="temporary")
    assert made.json()["conferences"][0]["grant_id"] == grant.pk and made.json()["status"] == "closed"
    twice = officer.post(f"{base}/{meeting.pk}/conference", json={
        "held_on": TODAY, "participants": "镇长、村支书", "decision": "给予一次性临时救助", "amount": "1500"},
        timeout=60)
    assert twice.status_code == 400 and AssistanceGrant.objects.filter(category="temporary").count() == 1

    tier = TierDecision.objects.get(household=dibao_household, status=DecisionStatus.CONFIRMED)
    proposed = officer.post(f"{base}/{ending.pk}/terminate", json={
        "target": f"tier:{tier.pk}", "end_date": "2026-12-31", "reason": "家庭收入已超过低保标准"}, timeout=60)
    assert proposed.status_code == 200 and proposed.json()["terminations"][0]["status"] == "pending", proposed.text
    termination_id = proposed.json()["terminations"][0]["id"]
    decide = f"{live_server.url}{API}/warning-terminations/{termination_id}"
    assert officer.post(decide, json={"approve": True}, timeout=60).status_code == 403
    approver = signed_in_session(live_server.url, "longhui_approver")
    decided = approver.post(decide, json={"approve": True, "note": "同意"}, timeout=60)
    assert decided.status_code == 200 and decided.json()["status"] == "closed", decided.text
    tier.refresh_from_db()
    assert tier.status == DecisionStatus.ENDED

    window = signed_in_session(live_server.url, "longhui_window")
    rebutted = window.post(f"{base}/{death.pk}/rebut", data={"note": "本人健在，户籍注销系误报"},
                           files={"file": ("未死亡证明.pdf", PDF, "application/pdf")}, timeout=60)
    assert rebutted.status_code == 200 and rebutted.json()["disposition"] == "rebutted", rebutted.text

    # Scope and capability: another county's officer 404, an analyst without HANDLE_WARNINGS 403.
    elsewhere = signed_in_session(live_server.url, "dongkou_window")
    assert elsewhere.get(f"{base}/{ending.pk}", timeout=60).status_code == 404
    assert elsewhere.get(base, timeout=60).json()["total"] == 0
    assert elsewhere.post(f"{base}/{death.pk}/visit", data=VISIT, timeout=60).status_code == 404
    analyst = signed_in_session(live_server.url, "longhui_analyst")
    assert analyst.get(base, timeout=60).status_code == 403
    assert Warning.objects.filter(status=WarningStatus.CLOSED).count() == 3
