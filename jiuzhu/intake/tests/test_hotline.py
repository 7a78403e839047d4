"""The hotline: each outcome, the complaint's deadline and answer, the sighting event, and every guard of the
services (capability, department, scope, status, audit, event) with a test that fails when it is removed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from conftest import VILLAGE_A, VILLAGE_B
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event, Region
from jiuzhu.core.region_settings import region_setting_set
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake import hotline_services as services
from jiuzhu.intake import hotline_worklist
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import Application, CallOutcome, Channel, ComplaintStatus, HotlineCall
from jiuzhu.intake.services import today
from jiuzhu.intake.tests.conftest import applicant_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_call(persona, village_a):
    def make(username="longhui_window", outcome=CallOutcome.CONSULTATION, region=None, **extra):
        data = {"caller_name": "王大妈", "caller_phone": "13900002222", "summary": "询问低保怎么申请",
                "answer": "请带身份证、户口簿到镇社会救助窗口申请" if outcome == CallOutcome.CONSULTATION else "",
                **extra}
        return services.hotline_call_log(actor=persona(username), region=region or village_a, outcome=outcome,
                                         **data)
    return make


def _events(call, kind):
    return Event.objects.filter(kind=kind, subject_type="intake.hotlinecall", subject_id=str(call.pk))


def test_consultation_is_logged_with_answer_event_and_audit(log_call):
    call = log_call()
    assert call.outcome == CallOutcome.CONSULTATION and call.answer.startswith("请带身份证")
    assert call.line == "12349"
    event = _events(call, IntakeEvent.HOTLINE_CALL_LOGGED).get()
    assert event.payload == {"call": call.pk, "outcome": "consultation"}
    assert AuditLog.objects.filter(object_type="intake.hotlinecall", object_id=str(call.pk), action="create").exists()


def test_consultation_without_answer_is_refused_and_nothing_written(log_call):
    with pytest.raises(DomainError) as exc:
        log_call(answer="")
    assert exc.value.field == "answer" and "答复内容" in exc.value.message
    assert not HotlineCall.objects.exists()


def test_line_is_the_region_setting(log_call, persona):
    county = Region.objects.get(code="430524")
    region_setting_set(actor=persona("longhui_admin"), key="intake_hotline_number", region=county,
                       effective_from=dt.date(2025, 1, 1), value="12345")
    assert log_call().line == "12345"


def test_application_outcome_takes_an_application_linked_to_the_call(log_call):
    call = log_call(outcome=CallOutcome.APPLICATION, caller_name="李秀英", applicant_id_number=applicant_number(),
                    items=["temporary"], summary="丈夫住院，家中无收入")
    application = Application.objects.get()
    assert call.application == application
    assert application.channel == Channel.HOTLINE and application.applicant_name == "李秀英"
    assert application.source_ref == f"call:{call.pk}" and application.applicant_phone == "13900002222"
    assert application.accepted_at is not None  # the operator took it: accepted at once
    event = _events(call, IntakeEvent.HOTLINE_CALL_LOGGED).get()
    assert event.payload["application"] == application.pk


def test_application_outcome_needs_the_id_number(log_call):
    with pytest.raises(DomainError) as exc:
        log_call(outcome=CallOutcome.APPLICATION, items=["temporary"])
    assert exc.value.field == "applicant_id_number"
    assert not HotlineCall.objects.exists() and not Application.objects.exists()


def test_application_refused_by_application_create_leaves_no_call(log_call):
    with pytest.raises(DomainError) as exc:
        log_call(outcome=CallOutcome.APPLICATION, applicant_id_number="430524196803090031", items=["temporary"])
    assert exc.value.field == "applicant_id_number"  # wrong check digit
    with pytest.raises(DomainError):
        log_call(outcome=CallOutcome.APPLICATION, applicant_id_number=applicant_number(), items=["no_such_item"])
    assert not HotlineCall.objects.exists() and not Application.objects.exists()
    assert not Event.objects.filter(kind=IntakeEvent.HOTLINE_CALL_LOGGED).exists()


def test_complaint_gets_its_deadline_in_working_days(log_call, persona):
    call = log_call(outcome=CallOutcome.COMPLAINT, summary="村里评低保不公平")
    assert call.complaint_status == ComplaintStatus.OPEN
    assert call.complaint_due_date == add_working_days(today(), 15)
    county = Region.objects.get(code="430524")
    region_setting_set(actor=persona("longhui_admin"), key="intake_complaint_days", region=county,
                       effective_from=dt.date(2025, 1, 1), value=5)
    assert log_call(outcome=CallOutcome.COMPLAINT).complaint_due_date == add_working_days(today(), 5)


def test_complaint_answer_closes_it_once(log_call, persona):
    call = log_call(outcome=CallOutcome.COMPLAINT)
    services.complaint_answer(actor=persona("longhui_officer"), call=call, answer="已核实，重新组织民主评议")
    call.refresh_from_db()
    assert call.complaint_status == ComplaintStatus.ANSWERED and call.answered_by.username == "longhui_officer"
    assert _events(call, IntakeEvent.COMPLAINT_ANSWERED).get().payload == {"call": call.pk, "late": False}
    assert AuditLog.objects.filter(object_type="intake.hotlinecall", object_id=str(call.pk), action="update").exists()
    with pytest.raises(DomainError) as exc:
        services.complaint_answer(actor=persona("longhui_officer"), call=call, answer="再答复一次")
    assert exc.value.code == "invalid_status"


def test_complaint_answer_requires_text_and_is_marked_late_when_overdue(log_call, persona):
    call = log_call(outcome=CallOutcome.COMPLAINT)
    with pytest.raises(DomainError) as exc:
        services.complaint_answer(actor=persona("longhui_window"), call=call, answer=" ")
    assert exc.value.field == "answer"
    HotlineCall.objects.filter(pk=call.pk).update(complaint_due_date=today() - dt.timedelta(days=1))
    call.refresh_from_db()
    services.complaint_answer(actor=persona("longhui_window"), call=call, answer="已答复")
    assert _events(call, IntakeEvent.COMPLAINT_ANSWERED).get().payload["late"] is True


def test_consultation_cannot_be_answered_as_a_complaint(log_call, persona):
    call = log_call()
    with pytest.raises(DomainError) as exc:
        services.complaint_answer(actor=persona("longhui_window"), call=call, answer="答复")
    assert exc.value.code == "invalid_status"


def test_complaint_answer_guards_scope_department_and_capability(log_call, persona):
    call = log_call(outcome=CallOutcome.COMPLAINT)
    with pytest.raises(DomainError) as exc:
        services.complaint_answer(actor=persona("dongkou_officer"), call=call, answer="答复")
    assert exc.value.code == "out_of_scope"
    with pytest.raises(DomainError) as exc:
        services.complaint_answer(actor=persona("longhui_clerk"), call=call, answer="答复")
    assert exc.value.code == "forbidden"
    with pytest.raises(PermissionDenied):
        services.complaint_answer(actor=persona("longhui_analyst"), call=call, answer="答复")
    call.refresh_from_db()
    assert call.complaint_status == ComplaintStatus.OPEN


def test_sighting_records_the_event_for_the_rescue_app(log_call, village_a):
    call = log_call(outcome=CallOutcome.SIGHTING, sighting_place="桃洪镇汽车站候车厅",
                    summary="一位老人衣着单薄，在车站过夜")
    assert call.sighting_place == "桃洪镇汽车站候车厅"
    event = _events(call, IntakeEvent.STREET_SIGHTING_REPORTED).get()
    assert event.payload == {"call": call.pk, "place": "桃洪镇汽车站候车厅",
                             "description": "一位老人衣着单薄，在车站过夜", "region": VILLAGE_A,
                             "caller_name": "王大妈", "caller_phone": "13900002222"}  # the caller, for a call-back
    assert event.region_id == village_a.pk
    assert _events(call, IntakeEvent.HOTLINE_CALL_LOGGED).count() == 1
    assert not Application.objects.exists()


def test_sighting_needs_the_place(log_call):
    with pytest.raises(DomainError) as exc:
        log_call(outcome=CallOutcome.SIGHTING, sighting_place="")
    assert exc.value.field == "sighting_place"
    assert not Event.objects.filter(kind=IntakeEvent.STREET_SIGHTING_REPORTED).exists()


def test_call_log_guards(log_call, persona):
    with pytest.raises(DomainError) as exc:
        log_call(region=Region.objects.get(code=VILLAGE_B))
    assert exc.value.field == "region"
    with pytest.raises(DomainError) as exc:
        log_call(username="longhui_clerk")
    assert exc.value.code == "forbidden"
    with pytest.raises(PermissionDenied):
        log_call(username="longhui_analyst")
    with pytest.raises(DomainError) as exc:
        log_call(outcome="nonsense")
    assert exc.value.field == "outcome"
    assert not HotlineCall.objects.exists()


def test_list_and_detail_are_scoped(log_call, client_for):
    call = log_call(outcome=CallOutcome.COMPLAINT, caller_name="赵六")
    longhui = client_for("longhui_officer")
    page = longhui.get("/intake/hotline/")
    assert page.status_code == 200 and "赵六" in page.content.decode()
    assert longhui.get(f"/intake/hotline/{call.pk}/").status_code == 200
    dongkou = client_for("dongkou_officer")
    assert "赵六" not in dongkou.get("/intake/hotline/").content.decode()
    assert dongkou.get(f"/intake/hotline/{call.pk}/").status_code == 404
    assert dongkou.post(f"/intake/hotline/{call.pk}/answer/", {"answer": "答复"}).status_code == 404


def test_overdue_complaint_is_marked_in_list_and_work_list(log_call, persona, client_for):
    call = log_call(outcome=CallOutcome.COMPLAINT, caller_name="钱七")
    officer = persona("longhui_officer")
    assert hotline_worklist.complaints_overdue(officer).count == 0
    assert hotline_worklist.complaints_open(officer).count == 1
    HotlineCall.objects.filter(pk=call.pk).update(complaint_due_date=today() - dt.timedelta(days=2))
    overdue = hotline_worklist.complaints_overdue(officer)
    assert overdue.count == 1 and overdue.urgency == "due"
    client = client_for("longhui_officer")
    page = client.get("/intake/hotline/?overdue=1").content.decode()
    assert "钱七" in page and "已超期" in page
    assert "超期未答复的热线投诉" in client.get("/").content.decode()  # the home page's work list
    assert hotline_worklist.complaints_overdue(persona("longhui_clerk")) is None


def test_form_refusal_keeps_what_was_typed(client_for):
    client = client_for("longhui_window")
    response = client.post("/intake/hotline/new/", {
        "caller_name": "孙八", "caller_phone": "13700003333", "township": "430524100000", "village": VILLAGE_A,
        "summary": "想申请临时救助", "outcome": "application", "applicant_id_number": "", "items": ["temporary"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "须填写来电人（申请人）的身份证号码" in html and 'value="孙八"' in html and "想申请临时救助" in html
    assert 'value="temporary" checked' in html
    assert not HotlineCall.objects.exists()


def test_form_logs_a_complaint_and_answers_it(client_for):
    client = client_for("longhui_window")
    response = client.post("/intake/hotline/new/", {
        "caller_name": "周九", "township": "430524100000", "village": VILLAGE_A, "summary": "窗口人员态度差",
        "outcome": "complaint"})
    call = HotlineCall.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/intake/hotline/{call.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "投诉已登记" in page and "答复投诉" in page
    response = client.post(f"/intake/hotline/{call.pk}/answer/", {"answer": ""})
    assert response.status_code == 400 and "请填写答复内容" in response.content.decode()
    response = client.post(f"/intake/hotline/{call.pk}/answer/", {"answer": "已批评教育，当面致歉"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.complaint_status == ComplaintStatus.ANSWERED
