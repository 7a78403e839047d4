"""The application API (/api/v1/intake/applications): taking an application over real HTTP with a browser
session and its CSRF token (and a department system's token), the scoped list with its filters and pages, one
application, and the refusals: out of scope is 404, without the capability 403, bad input a Chinese message
naming the field with nothing written."""

import datetime as dt

import pytest
import requests
from django.test import Client

from conftest import signed_in_session
from jiuzhu.core.auth import api_token_issue
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import AuditLog, Event, Organization
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake.models import Application, ApplicationItem, ApplicationStatus, RequiredMaterial
from jiuzhu.intake.services import today
from jiuzhu.intake.tests.conftest import applicant_number

pytestmark = pytest.mark.django_db
URL = "/api/v1/intake/applications"
VILLAGE_A = "430524100200"  # 桃洪镇 (longhui_window's township)
VILLAGE_A2 = "430524101200"  # 小沙江镇: county A, another township
VILLAGE_B = "430525100200"  # 洞口县


def body(**change) -> dict:
    data = {"applicant": {"name": "李秀英", "id_number": applicant_number(), "phone": "13800001111",
                          "address": "红星社区3组12号"},
            "region_code": VILLAGE_A, "items": ["temporary", "medical"], "circumstances": "丈夫重病住院，家中无劳动力",
            "received_materials": {"temporary": ["申请人居民身份证、户口簿"]}}
    data.update(change)
    return data


def nothing_written():
    return not Application.objects.exists() and not ApplicationItem.objects.exists() \
        and not RequiredMaterial.objects.exists() and not Event.objects.filter(kind__startswith="intake.").exists()




def test_a_window_officer_takes_an_application_over_real_http_with_csrf(live_server, world):
    session = signed_in_session(live_server.url, "longhui_window", csrf_header=False)
    refused = session.post(f"{live_server.url}{URL}", json=body(), timeout=60)  # no X-CSRFToken header
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert nothing_written()
    created = session.post(f"{live_server.url}{URL}", json=body(), timeout=60,
                           headers={"X-CSRFToken": session.cookies["csrftoken"]})
    assert created.status_code == 201, created.text
    answer = created.json()
    app = Application.objects.get()
    assert answer["id"] == app.pk and answer["query_code"] == app.query_code and len(app.query_code) == 10
    assert answer["status"] == ApplicationStatus.MATERIALS_PENDING and answer["status_label"] == "待补正材料"
    assert answer["due_date"] == add_working_days(today(), 20).isoformat()
    items = {i["item"]: i for i in answer["items"]}
    assert items["temporary"]["due_date"] == add_working_days(today(), 10).isoformat()
    assert items["medical"]["department"] == "medical_insurance" and items["medical"]["name"] == "医疗救助"
    assert answer["applicant_id_number"] == applicant_number()  # a window officer may see it in full
    assert app.first_officer.username == "longhui_window" and app.channel == "window"
    # The list over the same session: a GET needs no CSRF token.
    listed = session.get(f"{live_server.url}{URL}", timeout=60).json()
    assert [r["id"] for r in listed["results"]] == [app.pk] and listed["next_cursor"] is None


def test_a_department_system_token_takes_an_application_over_real_http(live_server, persona):
    org = Organization.objects.get(name="隆回县民政局")
    _, raw = api_token_issue(actor=persona("longhui_admin"), organization=org, name="热线系统对接")
    answer = requests.post(f"{live_server.url}{URL}", json=body(channel="hotline", received_materials=None),
                           headers={"Authorization": f"Bearer {raw}"}, timeout=60)
    assert answer.status_code == 201, answer.text
    app = Application.objects.get(pk=answer.json()["id"])
    assert app.channel == "hotline" and app.first_officer.is_service_account and app.organization == org
    assert answer.json()["status"] == ApplicationStatus.MATERIALS_PENDING
    # The other county's system cannot take an application for 隆回县's residents: nothing more written.
    other = Organization.objects.get(name="洞口县民政局")
    _, raw_b = api_token_issue(actor=persona("dongkou_admin"), organization=other, name="热线系统对接")
    refused = requests.post(f"{live_server.url}{URL}", json=body(channel="hotline", received_materials=None),
                            headers={"Authorization": f"Bearer {raw_b}"}, timeout=60)
    assert refused.status_code == 400 and refused.json()["errors"][0]["path"] == "region_code"
    assert Application.objects.count() == 1


def test_the_service_names_its_fields_as_the_body_does(client_for):
    client = client_for("longhui_window")
    cases = [
        (body(items=["no_such_item"]), "items", "未知的救助事项：no_such_item"),
        (body(applicant={"name": "李秀英", "id_number": "430524196803091234"}), "applicant.id_number",
         "身份证号码有误"),
        (body(applicant={"name": " ", "id_number": applicant_number()}), "applicant.name", "请填写申请人姓名"),
        (body(region_code="430525100200"), "region_code", "不在您的管辖范围内"),
        (body(region_code="430524101200"), "region_code", "不在您的管辖范围内"),  # another township, same county
        (body(region_code="999999999999"), "region_code", "区划代码“999999999999”不存在"),
        (body(region_code="430524"), "region_code", "应选到乡镇"),
        (body(circumstances=""), "circumstances", "请填写困难情况"),
        (body(received_materials={"dibao": ["x"]}), "received_materials", "未申请的事项"),
        (body(agent={"name": "李明", "id_number": "123"}), "agent.id_number", "身份证号码有误"),
    ]
    for data, path, words in cases:
        answer = client.post(URL, data, content_type="application/json")
        assert answer.status_code == 400, (path, answer.content)
        shape = answer.json()
        assert shape["code"] == "validation_error" and words in shape["message"], shape
        assert shape["errors"] == [{"path": path, "message": shape["message"]}]
        assert nothing_written(), path


def test_a_malformed_body_is_refused_in_chinese(client_for):
    client = client_for("longhui_window")
    answer = client.post(URL, {"applicant": {"name": "李秀英"}, "region_code": VILLAGE_A},
                         content_type="application/json")
    assert answer.status_code == 422
    paths = {e["path"]: e["message"] for e in answer.json()["errors"]}
    assert paths["body.payload.applicant.id_number"] == "必填" and paths["body.payload.items"] == "必填"
    assert nothing_written()


def test_without_the_intake_capability_is_403_and_nothing_written(client_for, take_application):
    app = take_application()
    client = client_for("longhui_analyst")
    assert client.post(URL, body(), content_type="application/json").status_code == 403
    assert Application.objects.count() == 1
    for url in (URL, f"{URL}/{app.pk}"):
        answer = client.get(url)
        assert answer.status_code == 403 and answer.json()["message"] == "您没有“受理申请、一次性告知、转办”的权限"


def test_out_of_scope_is_404_and_lists_hold_only_the_scope(client_for, take_application, village_a):
    from jiuzhu.core.models import Region

    mine = take_application()
    other_township = take_application(username="longhui_officer", region=Region.objects.get(code=VILLAGE_A2),
                                      applicant_id_number=applicant_number(32))
    other_county = take_application(username="dongkou_officer", region=Region.objects.get(code=VILLAGE_B),
                                     applicant_id_number=applicant_number(33))
    window = client_for("longhui_window")  # 桃洪镇 only
    assert [r["id"] for r in window.get(URL).json()["results"]] == [mine.pk]
    for app in (other_township, other_county):
        answer = window.get(f"{URL}/{app.pk}")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert window.get(f"{URL}/{mine.pk}").status_code == 200
    county = client_for("longhui_officer")
    assert [r["id"] for r in county.get(URL).json()["results"]] == [other_township.pk, mine.pk]
    # A department clerk reaches applications only through referrals: no list, 404 on one.
    clerk = client_for("longhui_clerk")
    assert clerk.get(URL).json()["results"] == []
    assert clerk.get(f"{URL}/{mine.pk}").status_code == 404


def test_the_list_filters_by_status_item_channel_and_overdue(client_for, take_application):
    a = take_application(items=["temporary"])
    b = take_application(items=["medical"], channel="hotline", applicant_id_number=applicant_number(32))
    c = take_application(items=["medical", "education"], applicant_id_number=applicant_number(33))
    Application.objects.filter(pk=c.pk).update(status=ApplicationStatus.COMPLETED,
                                               due_date=today() - dt.timedelta(days=30))
    Application.objects.filter(pk=a.pk).update(due_date=today() - dt.timedelta(days=1))  # open and late
    client = client_for("longhui_window")

    def ids(query):
        answer = client.get(f"{URL}?{query}")
        assert answer.status_code == 200, answer.content
        return [r["id"] for r in answer.json()["results"]]

    assert ids("") == [c.pk, b.pk, a.pk]
    assert ids("item=medical") == [c.pk, b.pk]
    assert ids("channel=hotline") == [b.pk]
    assert ids("status=completed") == [c.pk]
    assert ids("overdue=true") == [a.pk]  # c is past its date but closed
    assert ids("item=medical&status=materials_pending") == [b.pk]
    # The auditor's log names the filters in Chinese, as the window list's export does.
    page_row = AuditLog.objects.filter(action="read", detail__purpose="intake_api_list").latest("pk")
    assert page_row.detail["filters"] == {"状态": ApplicationStatus.MATERIALS_PENDING.label, "事项": "医疗救助"}
    late = client.get(f"{URL}?overdue=true").json()["results"][0]
    assert late["overdue"] is True
    for query, path in [("status=nope", "status"), ("item=nope", "item"), ("channel=nope", "channel"),
                        ("limit=1000", "limit"), ("cursor=abc", "cursor")]:
        answer = client.get(f"{URL}?{query}")
        assert answer.status_code == 400 and answer.json()["errors"][0]["path"] == path, query


def test_pages_follow_the_cursor_to_the_end(client_for, take_application):
    made = [take_application(applicant_id_number=applicant_number(40 + k)).pk for k in range(5)]
    client = client_for("longhui_window")
    seen, cursor = [], ""
    while True:
        page = client.get(f"{URL}?limit=2&cursor={cursor}").json()
        seen += [r["id"] for r in page["results"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == sorted(made, reverse=True)


def test_the_list_and_the_detail_are_audited(client_for, take_application, register):
    household = register()  # a registry person: 张建国
    person = household.head
    linked = take_application(applicant_name=person.name, applicant_id_number=person.id_number)
    other = take_application(applicant_id_number=applicant_number(32))
    assert linked.person_id == person.pk and other.person_id is None
    client = client_for("longhui_window")
    before = AuditLog.objects.filter(action="read").count()
    client.get(URL)
    reads = AuditLog.objects.filter(action="read").order_by("pk")[before:]
    person_rows = [r for r in reads if r.object_type == "registry.person"]
    assert [r.person_id for r in person_rows] == [person.pk]
    assert person_rows[0].detail["purpose"] == "intake_api_list"
    page_row = next(r for r in reads if r.detail.get("object_type") == "intake.application")
    assert page_row.detail["ids"] == [other.pk, linked.pk] and page_row.username == "longhui_window"
    client.get(f"{URL}/{linked.pk}")
    detail_row = AuditLog.objects.filter(action="read").latest("pk")
    assert detail_row.object_type == "intake.application" and detail_row.object_id == str(linked.pk)
    assert detail_row.person_id == person.pk
    # A page that shows nobody writes no row.
    count = AuditLog.objects.count()
    client.get(f"{URL}?status=withdrawn")
    assert AuditLog.objects.count() == count


def test_id_numbers_are_masked_unless_the_role_may_see_them(client_for, take_application, without_full_id):
    app = take_application(username="longhui_officer")
    answer = client_for("longhui_officer").get(f"{URL}/{app.pk}").json()
    assert answer["applicant_id_number"] == mask_id_number(applicant_number())
    assert answer["applicant_id_number"] != applicant_number()
    listed = client_for("longhui_officer").get(URL).json()["results"][0]
    assert listed["applicant_id_number"] == mask_id_number(applicant_number())
    assert "birth_date" not in listed  # never a masked number beside the birth date
    without_full_id.restore()
    assert client_for("longhui_officer").get(f"{URL}/{app.pk}").json()["applicant_id_number"] == applicant_number()


def test_a_browser_session_without_csrf_is_refused_by_the_test_client_too(persona):
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("longhui_window"))
    answer = client.post(URL, body(), content_type="application/json")
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed" and nothing_written()


def test_unauthenticated_is_401(world):
    assert Client().get(URL).status_code == 401
    assert Client().post(URL, body(), content_type="application/json").status_code == 401
