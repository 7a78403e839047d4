"""Follow-up's API (/api/v1/followup/): each endpoint's happy path over real HTTP (`requests` against the live server,
a browser session with its cookies and CSRF token, or a department system's token), the hand-over made once
whatever the retries, the refusals (out of scope 404, without the capability 403, CSRF, bad input a Chinese 400
naming the field with nothing written), the persons shown audited and the ID number masked as the pages do."""

import datetime as dt

import pytest
import requests

from conftest import signed_in_session
from jiuzhu.core.auth import api_token_issue
from jiuzhu.core.models import AuditLog, Organization
from jiuzhu.followup import services
from jiuzhu.followup.models import AtRiskPerson, AtRiskStatus, FollowupVisit, RepeatAlert, ReturneeEntry, VisitStatus
from jiuzhu.followup.tests.conftest import DONGKOU, DONGKOU_VILLAGE, id_in
from jiuzhu.intake.models import Application

pytestmark = pytest.mark.django_db
API = "/api/v1/followup"
NO_SCOPE = {"code": "not_found", "message": "记录不存在或不在您的管辖范围内", "errors": []}
NO_CAPABILITY = "您没有“回访、易流浪走失人员库”的权限"


@pytest.fixture
def due_visit(returnee, persona, village):
    """A returnee of the dongkou coordinator's village whose first visit is due today."""
    entry = returnee()
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    visit = entry.visits.get(sequence=1)
    FollowupVisit.objects.filter(pk=visit.pk).update(due_on=services.today())
    return visit


@pytest.fixture
def at_risk_person(persona, village):
    return services.at_risk_enter(actor=persona("dongkou_coordinator"), region=village, name="陈阿婆", sex="F",
                                  id_number=id_in(DONGKOU, 62, dt.date(1942, 1, 9)), conditions=["dementia"])


@pytest.fixture
def alert(returnee, admit):
    """刘小河, sent home to 洞口县, admitted again at 洞口's own station: the home region is alerted."""
    if not ReturneeEntry.objects.exists():  # else the due visit's returnee is the one
        returnee()
    case = admit(username="dongkou_station", id_number=id_in(DONGKOU))
    return RepeatAlert.objects.get(case=case)




def _read(purpose: str, object_type: str, object_id) -> bool:
    return AuditLog.objects.filter(action="read", object_type=object_type, object_id=str(object_id),
                                   detail__purpose=purpose).exists()


# ---- Happy paths over real HTTP ------------------------------------------------------------------------------

def test_the_coordinator_records_the_weeks_visit_and_hands_it_over_once(live_server, due_visit):
    web = signed_in_session(live_server.url, "dongkou_coordinator")
    base = f"{live_server.url}{API}/visits"
    week = web.get(base, timeout=60)
    assert week.status_code == 200, week.text
    page = week.json()
    assert page["total"] == 1 and page["limit"] == 50 and page["offset"] == 0
    row = page["results"][0]
    assert row["id"] == due_visit.pk and row["name"] == "刘小河" and row["subject_kind"] == "returnee"
    assert row["status"] == "planned" and row["status_label"] == "待回访" and row["region_code"] == DONGKOU_VILLAGE
    assert _read("api_visit_list", "followup.returneeentry", due_visit.entry_id)
    assert web.get(f"{base}?region={DONGKOU_VILLAGE}", timeout=60).json()["total"] == 1
    assert web.get(f"{base}?show=done", timeout=60).json()["total"] == 0

    detail = web.get(f"{base}/{due_visit.pk}", timeout=60).json()
    assert detail["may_record"] and not detail["may_hand_over"] and detail["station"] == "隆回县救助管理站"
    assert [s["sequence"] for s in detail["schedule"]][:2] == [1, 2] and "id_number" not in detail
    assert _read("api", "followup.returneeentry", due_visit.entry_id)

    # A session POST without the CSRF header is refused, nothing recorded.
    bare = web.post(f"{base}/{due_visit.pk}/record", json={"method": "home_visit", "findings": "x"}, timeout=60,
                    headers={"X-CSRFToken": None})  # None: requests leaves the header out
    assert bare.status_code == 403 and bare.json()["code"] == "csrf_failed"
    assert FollowupVisit.objects.get(pk=due_visit.pk).status == VisitStatus.PLANNED

    recorded = web.post(f"{base}/{due_visit.pk}/record", timeout=60, json={
        "method": "home_visit", "findings": "家中无收入，母亲患病", "hardship": "income"})
    assert recorded.status_code == 200, recorded.text
    done = recorded.json()
    assert done["status"] == "done" and done["method_label"] == "实地走访"
    assert done["hardship_label"] == "收入（生产）困难"
    assert done["visited_on"] == services.today().isoformat() and done["may_hand_over"]

    handed = web.post(f"{base}/{due_visit.pk}/handover", json={"items": ["dibao", "medical"]}, timeout=60)
    assert handed.status_code == 200, handed.text
    application = Application.objects.get()
    assert handed.json()["application"]["id"] == application.pk and handed.json()["handed_over"]
    assert handed.json()["application"]["query_code"] == application.query_code
    assert application.source_ref == f"followup:visit:{due_visit.pk}" and application.channel == "discovery"
    again = web.post(f"{base}/{due_visit.pk}/handover", json={"items": ["dibao", "medical"]}, timeout=60)
    assert again.status_code == 200 and again.json()["application"]["id"] == application.pk
    assert Application.objects.count() == 1
    assert web.get(f"{base}?show=hardship", timeout=60).json()["total"] == 0  # handed over: off the list


def test_the_home_office_confirms_receipt_and_arrival(live_server, returnee):
    entry = returnee()
    web = signed_in_session(live_server.url, "dongkou_station")
    base = f"{live_server.url}{API}/returnees"
    listed = web.get(f"{base}?name=小河", timeout=60).json()
    assert listed["total"] == 1 and listed["results"][0]["id"] == entry.pk
    assert listed["results"][0]["feedback_mode"] == "system" and "id_number" not in listed["results"][0]
    assert _read("api_entry_list", "followup.returneeentry", entry.pk)
    assert web.get(f"{base}?show=not_arrived", timeout=60).json()["total"] == 0

    detail = web.get(f"{base}/{entry.pk}", timeout=60).json()
    assert detail["id_number"] == id_in(DONGKOU)  # a station worker may see it in full
    assert "birth_date" not in detail and detail["may_confirm"] and detail["home_side"]
    assert detail["home_office"] == "洞口县救助管理站" and detail["discharge_kind_label"] == "护送返乡"
    assert not detail["relapse_watch"] and detail["relapse_notice_mode"] == "" and detail["relapse_office"] is None

    received = web.post(f"{base}/{entry.pk}/receipt", timeout=60)
    assert received.status_code == 200 and received.json()["receipt_confirmed_at"]
    twice = web.post(f"{base}/{entry.pk}/receipt", timeout=60)
    assert twice.status_code == 400 and twice.json()["message"] == "已确认收到"
    late = web.post(f"{base}/{entry.pk}/arrival", json={"arrived_on": "2099-01-01"}, timeout=60)
    assert late.status_code == 400 and late.json()["errors"][0]["path"] == "arrived_on"
    assert ReturneeEntry.objects.get(pk=entry.pk).arrived_on is None
    arrived = web.post(f"{base}/{entry.pk}/arrival", json={"note": "已到家，与母亲同住"}, timeout=60)
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["arrived_on"] == services.today().isoformat()
    assert arrived.json()["arrival_note"] == "已到家，与母亲同住"


def test_the_at_risk_registry_and_the_alerts(live_server, village, alert, persona):
    coordinator = signed_in_session(live_server.url, "dongkou_coordinator")
    entered = coordinator.post(f"{live_server.url}{API}/at-risk", timeout=60, json={
        "region_code": DONGKOU_VILLAGE, "name": "陈阿婆", "sex": "F",
        "id_number": id_in(DONGKOU, 62, dt.date(1942, 1, 9)), "conditions": ["dementia"],
        "guardian": "陈大军 13900001111"})
    assert entered.status_code == 201, entered.text
    person = entered.json()
    assert person["status"] == "submitted" and person["condition_labels"] == ["阿尔茨海默病（认知症）"]
    assert "id_number" not in person and AtRiskPerson.objects.get(pk=person["id"]).created_by.username == \
        "dongkou_coordinator"

    officer = signed_in_session(live_server.url, "dongkou_officer")
    to_check = officer.get(f"{live_server.url}{API}/at-risk?show=to_check", timeout=60).json()
    assert [p["id"] for p in to_check["results"]] == [person["id"]] and to_check["total"] == 1
    assert _read("api_at_risk_list", "followup.atriskperson", person["id"])
    url = f"{live_server.url}{API}/at-risk/{person['id']}"
    no_reason = officer.post(f"{url}/check", json={"decision": "return"}, timeout=60)
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["path"] == "reason"
    assert AtRiskPerson.objects.get(pk=person["id"]).status == AtRiskStatus.SUBMITTED
    listed = officer.post(f"{url}/check", json={"decision": "approve"}, timeout=60)
    assert listed.status_code == 200 and listed.json()["status"] == "listed" and listed.json()["visits"]
    assert officer.get(url, timeout=60).json()["guardian"] == "陈大军 13900001111"

    # The county's civil-affairs system reads and clears its alerts with its token (no CSRF: not a browser).
    _, raw = api_token_issue(actor=persona("dongkou_admin"), organization=Organization.objects.get(
        name="洞口县民政局"), name="回访系统对接")
    bearer = {"Authorization": f"Bearer {raw}"}
    alerts = requests.get(f"{live_server.url}{API}/alerts?seen=false", headers=bearer, timeout=60)
    assert alerts.status_code == 200, alerts.text
    row = alerts.json()["results"][0]
    assert row["id"] == alert.pk and row["name"] == "刘小河" and row["station"] == "洞口县救助管理站"
    assert _read("api_alert_list", "followup.returneeentry", alert.entry_id)
    seen = requests.post(f"{live_server.url}{API}/alerts/{alert.pk}/seen", headers=bearer, timeout=60)
    assert seen.status_code == 200 and seen.json()["seen_at"]
    assert requests.get(f"{live_server.url}{API}/alerts?seen=false", headers=bearer, timeout=60).json()["total"] == 0
    again = requests.post(f"{live_server.url}{API}/alerts/{alert.pk}/seen", headers=bearer, timeout=60)
    assert again.status_code == 400 and again.json()["message"] == "已阅"
    counts = requests.get(f"{live_server.url}{API}/counts", headers=bearer, timeout=60).json()
    assert counts["repeat_alerts"] == 1 and counts["at_risk_listed"] == 1


# ---- Refusals ------------------------------------------------------------------------------------------------

def test_another_countys_coordinator_gets_404_and_empty_lists(client_for, due_visit, at_risk_person, alert):
    web = client_for("longhui_coordinator")
    visit, entry = due_visit.pk, due_visit.entry_id
    for method, url, body in [
        ("get", f"{API}/visits/{visit}", None),
        ("post", f"{API}/visits/{visit}/record", {"method": "home_visit", "findings": "x"}),
        ("post", f"{API}/visits/{visit}/handover", {"items": ["dibao"]}),
        ("post", f"{API}/visits/{visit}/lead", {}),
        ("get", f"{API}/returnees/{entry}", None),
        ("post", f"{API}/returnees/{entry}/receipt", {}),
        ("post", f"{API}/returnees/{entry}/arrival", {}),
        ("get", f"{API}/at-risk/{at_risk_person.pk}", None),
        ("post", f"{API}/at-risk/{at_risk_person.pk}/check", {"decision": "approve"}),
        ("post", f"{API}/alerts/{alert.pk}/seen", {}),
    ]:
        answer = web.get(url) if method == "get" else web.post(url, body, content_type="application/json")
        assert answer.status_code == 404 and answer.json() == NO_SCOPE, url
    for url in ("/visits?show=planned", "/returnees", "/at-risk?show=all", "/alerts"):
        assert web.get(f"{API}{url}").json()["total"] == 0, url
    assert FollowupVisit.objects.get(pk=visit).status == VisitStatus.PLANNED
    assert AtRiskPerson.objects.get(pk=at_risk_person.pk).status == AtRiskStatus.SUBMITTED
    assert RepeatAlert.objects.get(pk=alert.pk).seen_at is None
    assert not AuditLog.objects.filter(actor__username="longhui_coordinator", action="read",
                                       object_type__startswith="followup.").exists()


def test_without_the_followup_capability_403(client_for, due_visit, alert):
    web = client_for("dongkou_analyst")
    for method, url in [("get", "/visits?show=bogus"), ("get", f"/visits/{due_visit.pk}"), ("get", "/returnees?show=x"),
                        ("get", f"/returnees/{due_visit.entry_id}"), ("get", "/at-risk"), ("get", "/alerts"),
                        ("post", f"/visits/{due_visit.pk}/record"), ("post", "/at-risk"),
                        ("post", f"/alerts/{alert.pk}/seen")]:
        answer = web.get(API + url) if method == "get" else web.post(
            API + url, {"method": "home_visit", "findings": "x", "name": "x"}, content_type="application/json")
        assert answer.status_code == 403, url
        assert answer.json() == {"code": "forbidden", "message": NO_CAPABILITY, "errors": []}, url
    assert FollowupVisit.objects.get(pk=due_visit.pk).status == VisitStatus.PLANNED
    assert not AtRiskPerson.objects.filter(name="x").exists() and RepeatAlert.objects.get(pk=alert.pk).seen_at is None
    assert web.get(f"{API}/counts").json()["entries"] == 1  # the analyst's statistics: figures, no persons
    assert client_for("dongkou_clerk").get(f"{API}/counts").status_code == 403


def test_without_sign_in_401(client, world):
    answer = client.get(f"{API}/visits")
    assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"


def _refused(answer, path: str, words: str) -> dict:
    assert answer.status_code == 400, (path, answer.content.decode())
    shape = answer.json()
    assert shape["code"] == "validation_error" and words in shape["message"], shape
    assert shape["errors"] == [{"path": path, "message": shape["message"]}]
    return shape


def test_bad_input_is_a_chinese_400_naming_the_field(client_for, persona, due_visit, at_risk_person):
    web = client_for("dongkou_coordinator")
    for query, path, words in [("show=bogus", "show", "范围“bogus”不可用"), ("limit=0", "limit", "每页条数"),
                               ("limit=201", "limit", "每页条数"), ("offset=-1", "offset", "起始位置"),
                               ("status=lost", "status", "回访状态“lost”不可用"),
                               ("region=999999999999", "region", "区划代码“999999999999”不存在")]:
        _refused(web.get(f"{API}/visits?{query}"), path, words)
    _refused(web.get(f"{API}/returnees?show=x"), "show", "可选")
    _refused(web.get(f"{API}/at-risk?show=x"), "show", "可选")

    record = f"{API}/visits/{due_visit.pk}/record"
    for body, path, words in [
        ({"findings": "电话无人接听"}, "method", "请选择回访方式"),
        ({"method": "home_visit", "findings": " "}, "findings", "请填写回访情况"),
        ({"method": "home_visit", "findings": "x", "hardship": "money"}, "hardship", "请选择发现的困难"),
        ({"method": "phone_call", "findings": "x", "visited_on": "2099-01-01"}, "visited_on", "不能晚于今天"),
    ]:
        _refused(web.post(record, body, content_type="application/json"), path, words)
    malformed = web.post(record, {"method": "home_visit", "findings": "x", "visited_on": "昨天"},
                         content_type="application/json")
    assert malformed.status_code == 422 and "日期格式应为 YYYY-MM-DD" in malformed.json()["message"]
    handover = f"{API}/visits/{due_visit.pk}/handover"
    early = web.post(handover, {"items": ["dibao"]}, content_type="application/json")
    assert early.status_code == 400 and early.json()["message"] == "只有发现困难的回访可以转入救助申请"
    assert FollowupVisit.objects.get(pk=due_visit.pk).status == VisitStatus.PLANNED

    services.visit_record(actor=persona("dongkou_coordinator"), visit=due_visit, visited_on=None,
                          method="phone_call", findings="无收入", hardship="income")
    _refused(web.post(handover, {"items": []}, content_type="application/json"), "items", "请至少选择一项")
    _refused(web.post(handover, {"items": ["pension"]}, content_type="application/json"), "items",
             "不能转入的救助事项：pension")
    assert not Application.objects.exists()

    new = f"{API}/at-risk"
    good = {"region_code": DONGKOU_VILLAGE, "name": "王老汉", "sex": "M", "id_number": "",
            "conditions": ["lonely_elderly"]}
    for change, path, words in [
        ({"region_code": "999999999999"}, "region_code", "不存在"),
        ({"region_code": DONGKOU}, "region_code", "请选择居住的村（社区）"),
        ({"name": ""}, "name", "请填写姓名"),
        ({"sex": "X"}, "sex", "请选择性别"),
        ({"conditions": []}, "conditions", "请至少选择一项易流浪走失情形"),
        ({"id_number": "430525194201091234"}, "id_number", "身份证号码有误"),
        ({"id_number": id_in(DONGKOU, 62, dt.date(1942, 1, 9))}, "id_number", "已在易流浪走失人员信息库中"),
    ]:
        _refused(web.post(new, {**good, **change}, content_type="application/json"), path, words)
    assert AtRiskPerson.objects.count() == 1

    officer = client_for("dongkou_officer")
    _refused(officer.post(f"{API}/at-risk/{at_risk_person.pk}/check", {"decision": "maybe"},
                          content_type="application/json"), "decision", "approve")
    # Only the county checks: the village's coordinator is refused (a rule, not the data: 400 refused).
    refused = web.post(f"{API}/at-risk/{at_risk_person.pk}/check", {"decision": "approve"},
                       content_type="application/json")
    assert refused.status_code == 400 and refused.json()["message"] == "易流浪走失人员由县级民政部门审核"
    assert AtRiskPerson.objects.get(pk=at_risk_person.pk).status == AtRiskStatus.SUBMITTED


# ---- Audit, masking, schema ----------------------------------------------------------------------------------

def test_each_person_shown_is_audited_once_per_answer(client_for, due_visit, at_risk_person):
    officer = client_for("dongkou_officer")
    before = AuditLog.objects.filter(action="read").count()
    officer.get(f"{API}/visits?show=planned&limit=5")
    assert _read("api_visit_list", "followup.returneeentry", due_visit.entry_id)
    assert AuditLog.objects.filter(action="read").count() == before + 1  # one returnee, several of its visits
    officer.get(f"{API}/at-risk?show=to_check")
    assert _read("api_at_risk_list", "followup.atriskperson", at_risk_person.pk)
    officer.get(f"{API}/at-risk/{at_risk_person.pk}")
    assert _read("api", "followup.atriskperson", at_risk_person.pk)
    officer.get(f"{API}/returnees/{due_visit.entry_id}")
    assert _read("api", "followup.returneeentry", due_visit.entry_id)
    read = AuditLog.objects.filter(action="read", object_type__startswith="followup.")
    assert all(id_in(DONGKOU) not in str(row.detail) and "刘小河" not in row.object_repr for row in read)


def test_the_id_number_is_masked_for_a_role_without_the_full_view(client_for, returnee, monkeypatch):
    from jiuzhu.core.permissions import Capability, can
    from jiuzhu.followup import api

    entry = returnee()
    monkeypatch.setattr(api, "can", lambda actor, cap: cap != Capability.VIEW_FULL_ID and can(actor, cap))
    detail = client_for("dongkou_officer").get(f"{API}/returnees/{entry.pk}").json()
    number = id_in(DONGKOU)
    assert detail["id_number"] == number[:6] + "********" + number[-4:]
    assert "birth" not in str(detail.keys())


def test_the_schema_lists_the_followup_endpoints(client_for):
    schema = client_for("longhui_admin").get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for path in ("/visits", "/visits/{visit_id}", "/visits/{visit_id}/record", "/visits/{visit_id}/handover",
                 "/visits/{visit_id}/lead", "/returnees", "/returnees/{entry_id}", "/returnees/{entry_id}/receipt",
                 "/returnees/{entry_id}/arrival", "/returnees/{entry_id}/home", "/at-risk", "/at-risk/{person_id}",
                 "/at-risk/{person_id}/check", "/at-risk/{person_id}/resubmit", "/alerts", "/alerts/{alert_id}/seen",
                 "/counts", "/relapse-notices", "/relapse-notices/{entry_id}/receive"):
        assert f"/api/v1/followup{path}" in paths, path


def test_a_county_officer_hands_over_to_the_village_named(client_for, returnee, persona):
    """The home found by the ID number is the county: the application needs the township or village."""
    entry = returnee()
    assert entry.home_region.code == DONGKOU
    visit = entry.visits.get(sequence=1)
    officer = persona("dongkou_officer")
    services.visit_record(actor=officer, visit=visit, visited_on=None, method="phone_call",
                          findings="母亲住院，无收入", hardship="health")
    web = client_for("dongkou_officer")
    url = f"{API}/visits/{visit.pk}/handover"
    _refused(web.post(url, {"items": ["medical"]}, content_type="application/json"), "region_code",
             "请先将流出地细化到乡镇（街道）或村（社区）")
    _refused(web.post(url, {"items": ["medical"], "region_code": "430525999999"}, content_type="application/json"),
             "region_code", "不存在")
    assert not Application.objects.exists()
    handed = web.post(url, {"items": ["medical"], "region_code": DONGKOU_VILLAGE}, content_type="application/json")
    assert handed.status_code == 200, handed.content.decode()
    assert Application.objects.get().region.code == DONGKOU_VILLAGE


def test_a_list_costs_the_same_queries_for_one_row_or_many(client_for, returnee, persona, village):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = persona("dongkou_officer")
    web = client_for("dongkou_officer")

    def cost(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert web.get(url).status_code == 200
        return len(queries)

    first = returnee()
    services.returnee_set_home(actor=officer, entry=first, region=village)
    one = {url: cost(url) for url in (f"{API}/visits?show=planned", f"{API}/returnees")}
    for seq in (32, 33):
        more = returnee(id_number=id_in(DONGKOU, seq), name=f"刘小河{seq}")
        services.returnee_set_home(actor=officer, entry=more, region=village)
    for url, queries in one.items():
        assert cost(url) == queries, url
    assert web.get(f"{API}/returnees").json()["total"] == 3


def test_unseen_alerts_come_first_on_either_database(client_for, alert, returnee, admit, persona):
    """NULL sorts last ascending on PostgreSQL and first on SQLite: the list says NULLS FIRST itself."""
    returnee(id_number=id_in(DONGKOU, 32), name="王大山")
    newer = RepeatAlert.objects.get(case=admit(username="dongkou_station", id_number=id_in(DONGKOU, 32)))
    services.alert_mark_seen(actor=persona("dongkou_officer"), alert=newer)
    rows = client_for("dongkou_officer").get(f"{API}/alerts").json()["results"]
    assert [(r["id"], bool(r["seen_at"])) for r in rows] == [(alert.pk, False), (newer.pk, True)]


def test_the_home_is_made_precise_and_a_returned_entry_resubmitted(client_for, returnee, at_risk_person):
    entry = returnee()  # home found by the ID number: 洞口县, visits planned there
    officer = client_for("dongkou_officer")
    home = f"{API}/returnees/{entry.pk}/home"
    _refused(officer.post(home, {"region_code": "430000"}, content_type="application/json"), "region_code",
             "流出地应选到县（区）、乡镇（街道）或村（社区）")
    _refused(officer.post(home, {"region_code": "43x"}, content_type="application/json"), "region_code", "不存在")
    precise = officer.post(home, {"region_code": DONGKOU_VILLAGE}, content_type="application/json")
    assert precise.status_code == 200, precise.content.decode()
    assert precise.json()["home_region_code"] == DONGKOU_VILLAGE and precise.json()["home_source"] == "manual"
    assert set(entry.visits.values_list("region__code", flat=True)) == {DONGKOU_VILLAGE}
    assert client_for("longhui_coordinator").post(home, {"region_code": DONGKOU_VILLAGE},
                                                  content_type="application/json").status_code == 404

    url = f"{API}/at-risk/{at_risk_person.pk}"
    coordinator = client_for("dongkou_coordinator")
    early = coordinator.post(f"{url}/resubmit", {"conditions": ["dementia"]}, content_type="application/json")
    assert early.status_code == 400 and early.json()["message"] == "只有退回补正的人员可以重新提交"
    returned = officer.post(f"{url}/check", {"decision": "return", "reason": "缺监护人联系方式"},
                            content_type="application/json")
    assert returned.json()["status"] == "returned" and returned.json()["return_reason"] == "缺监护人联系方式"
    _refused(coordinator.post(f"{url}/resubmit", {"conditions": []}, content_type="application/json"),
             "conditions", "请至少选择一项")
    again = coordinator.post(f"{url}/resubmit", {"conditions": ["dementia", "lonely_elderly"],
                                                 "guardian": "陈大军 13900001111"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["status"] == "submitted"
    assert again.json()["guardian"] == "陈大军 13900001111" and again.json()["conditions"] == ["dementia",
                                                                                            "lonely_elderly"]
    assert officer.post(f"{url}/check", {"decision": "approve"}, content_type="application/json").json()[
        "status"] == "listed"


def test_a_visit_becomes_a_monitoring_lead_once_and_then_not_an_application(client_for, due_visit, persona):
    from jiuzhu.monitoring.models import Warning

    web = client_for("dongkou_coordinator")
    url = f"{API}/visits/{due_visit.pk}"
    early = web.post(f"{url}/lead", {}, content_type="application/json")
    assert early.status_code == 400 and early.json()["message"] == "只有发现困难的回访可以转为监测线索"
    web.post(f"{url}/record", {"method": "home_visit", "findings": "母亲患病，收入不稳", "hardship": "health"},
             content_type="application/json")
    detail = web.get(url).json()
    assert detail["may_lead"] and detail["may_hand_over"] and detail["lead"] is None
    made = web.post(f"{url}/lead", {}, content_type="application/json")
    assert made.status_code == 200, made.content.decode()
    lead = Warning.objects.get()
    assert made.json()["lead"]["id"] == lead.pk and made.json()["handed_over_to"] == "lead"
    assert not made.json()["may_lead"] and not made.json()["may_hand_over"]
    again = web.post(f"{url}/lead", {}, content_type="application/json")
    assert again.status_code == 200 and again.json()["lead"]["id"] == lead.pk and Warning.objects.count() == 1
    other = web.post(f"{url}/handover", {"items": ["dibao"]}, content_type="application/json")
    assert other.status_code == 400 and other.json()["message"] == "该次回访已转为监测线索"
    assert not Application.objects.exists()
    assert web.get(f"{API}/visits?show=hardship").json()["total"] == 0


def test_the_rural_revitalisation_offices_system_takes_its_notices(live_server, admit, send_home, persona):
    """A 防止返贫监测对象 of 洞口县 sent home: the county's 乡村振兴局 reads and receives it with its token."""
    from jiuzhu.rescue.models import RescueCase

    case = admit()
    RescueCase.objects.filter(pk=case.pk).update(registry_tier="relapse_watch")
    send_home(case)
    entry = ReturneeEntry.objects.get(case=case)
    _, raw = api_token_issue(actor=persona("dongkou_admin"), organization=persona("dongkou_rural").organization,
                             name="防返贫监测系统对接")
    bearer = {"Authorization": f"Bearer {raw}"}
    base = f"{live_server.url}{API}/relapse-notices"
    inbox = requests.get(base, headers=bearer, timeout=60)
    assert inbox.status_code == 200, inbox.text
    row = inbox.json()["results"][0]
    assert inbox.json()["total"] == 1 and row["entry_id"] == entry.pk and row["name"] == "刘小河"
    assert row["id_number"] == id_in(DONGKOU) and "birth_date" not in row  # a department clerk sees it in full
    assert _read("api_relapse_inbox", "followup.returneeentry", entry.pk)
    bad = requests.get(f"{base}?show=unread", headers=bearer, timeout=60)
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "show"
    # Another department of the county, the office of another county: not theirs (404), nothing in their inbox.
    for other in ("dongkou_clerk", "longhui_rural"):
        web = signed_in_session(live_server.url, other)
        assert web.get(base, timeout=60).json()["total"] == 0
        assert web.post(f"{base}/{entry.pk}/receive", timeout=60).status_code == 404
    analyst = signed_in_session(live_server.url, "dongkou_analyst")
    assert analyst.get(base, timeout=60).status_code == 403
    received = requests.post(f"{base}/{entry.pk}/receive", headers=bearer, timeout=60)
    assert received.status_code == 200 and received.json()["relapse_received_at"]
    assert requests.get(base, headers=bearer, timeout=60).json()["total"] == 0
    assert requests.get(f"{base}?show=all", headers=bearer, timeout=60).json()["total"] == 1
    twice = requests.post(f"{base}/{entry.pk}/receive", headers=bearer, timeout=60)
    assert twice.status_code == 400 and twice.json()["message"] == "已确认接收"
