"""The window's pages: 一表登记 (errors beside the fields, nothing typed lost, the registry look-up and the
registration option), the list (scope, filters, Excel), the application page (masked ID and age, audited,
actions by form), the print pages (every missing material), the work list. Out of scope is 404."""

import io
import re

import pytest
from openpyxl import load_workbook

from conftest import VILLAGE_A
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.intake import application_services as s
from jiuzhu.intake.catalog import ITEM_BY_CODE
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import Application, ApplicationStatus, Channel, MaterialChecklist, RequiredMaterial
from jiuzhu.intake.services import today
from jiuzhu.intake.tests.conftest import applicant_number
from jiuzhu.registry.models import Person

pytestmark = pytest.mark.django_db
NEW = "/intake/applications/new/"
LIST = "/intake/applications/"


def text(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def form_data(**change) -> dict:
    data = {"applicant_name": "王桂兰", "applicant_id_number": applicant_number(52), "applicant_phone": "13900002222",
            "address": "红星社区5组3号", "village": VILLAGE_A, "township": VILLAGE_A[:9] + "000",
            "items": ["temporary", "medical"], "received_temporary": ["申请人居民身份证、户口簿"],
            "circumstances": "突发疾病住院，家中无收入", "channel": "window", "action": "save"}
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


# ---- 一表登记 ---------------------------------------------------------------------------------------------

def test_new_form_lists_items_by_department_with_time_limits_and_materials(client_for):
    page = client_for("longhui_window").get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert "临时救助（10 个工作日）" in html and "医疗救助（20 个工作日）" in html
    assert "<legend>医保</legend>" in html and "<legend>民政</legend>" in html
    assert "医疗费用票据及结算单" in html
    for field_id in ("id_applicant_name", "id_applicant_id_number", "id_agent_name", "id_circumstances",
                     "item-temporary", "mat-temporary-0", "township", "village"):
        assert f'for="{field_id}"' in html, field_id


def test_the_hotline_opens_the_form_with_its_channel_and_source(client_for):
    html = client_for("longhui_window").get(NEW + "?channel=hotline&source_ref=call:7").content.decode()
    assert '<option value="hotline" selected>' in html and 'value="call:7"' in html
    assert "application_form.js" in html


def test_saving_the_form_takes_the_application_and_opens_its_page(client_for):
    response = client_for("longhui_window").post(NEW, form_data())
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/intake/applications/{app.pk}/"
    assert app.status == ApplicationStatus.MATERIALS_PENDING and app.channel == Channel.WINDOW
    assert app.region.code == VILLAGE_A and app.first_officer.username == "longhui_window"
    received = set(RequiredMaterial.objects.filter(received=True).values_list("name", flat=True))
    assert received == {"申请人居民身份证、户口簿"}


def test_an_agent_applies_on_the_applicants_behalf(client_for):
    client_for("longhui_window").post(NEW, form_data(agent_name="王小明", agent_id_number=applicant_number(71),
                                                     agent_relation="儿子", agent_phone="13700003333"))
    app = Application.objects.get()
    assert app.agent_name == "王小明" and app.agent_relation == "儿子" and app.agent_id_cipher


@pytest.mark.parametrize("change, message", [
    ({"applicant_id_number": "430524196803091234"}, "身份证号码有误"),
    ({"items": []}, "请至少选择一项申请的救助事项"),
    ({"applicant_name": ""}, "请填写申请人姓名"),
    ({"circumstances": ""}, "请填写困难情况"),
    ({"village": "", "township": ""}, "请选择申请人居住的乡镇（街道）或村（社区）"),
    ({"agent_name": "王小明"}, "请填写代理人身份证号码"),
    ({"agent_name": "王小明", "agent_id_number": "123", "agent_relation": "儿子"}, "身份证号码有误"),
])
def test_bad_input_comes_back_in_chinese_beside_the_field_and_nothing_is_written(client_for, change, message):
    response = client_for("longhui_window").post(NEW, form_data(**change))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="error"' in html
    assert "突发疾病住院" in html or change.get("circumstances") == ""  # what was typed is kept
    assert 'value="红星社区5组3号"' in html
    assert not Application.objects.exists() and not Event.objects.filter(kind__startswith="intake.").exists()


def test_ticked_items_and_materials_stay_ticked_after_an_error(client_for):
    html = client_for("longhui_window").post(NEW, form_data(applicant_name="")).content.decode()
    assert re.search(r'id="item-medical" checked', html) and re.search(r'id="mat-temporary-0" checked', html)
    assert not re.search(r'id="item-dibao" checked', html)


def test_registry_lookup_shows_name_and_masked_id_only_and_writes_nothing_but_the_audit(client_for, register):
    number = applicant_number(52)
    household = register(members=[{"id_number": number, "name": "王桂兰", "relation": "head"}])
    html = client_for("longhui_window").post(NEW, form_data(action="lookup")).content.decode()
    assert "已在低收入人口库：王桂兰（" + mask_id_number(number) + "）" in html
    assert f"户号 {household.pk}" in html
    assert not Application.objects.exists()
    assert AuditLog.objects.filter(action="read", person_id=household.head_id,
                                   detail__purpose="intake_lookup").exists()
    other = client_for("dongkou_window").post(NEW, form_data(action="lookup")).content.decode()
    assert "未在您管辖范围内的低收入人口库中找到" in other and "王桂兰（" not in other


def test_registering_the_applicant_in_the_registry_links_the_application(client_for):
    response = client_for("longhui_window").post(NEW, form_data(register_household="on", hukou_type="rural"))
    assert response.status_code == 302
    person = Person.objects.get(id_number_hash=keyed_hash(applicant_number(52)))
    app = Application.objects.get()
    assert app.person_id == person.pk and app.household_id == person.household_id
    assert Event.objects.get(kind=IntakeEvent.APPLICATION_RECEIVED).household_id == person.household_id


def test_registering_needs_the_hukou_type_and_nothing_is_written(client_for):
    response = client_for("longhui_window").post(NEW, form_data(register_household="on"))
    assert response.status_code == 400 and "请选择户口类型" in response.content.decode()
    assert not Person.objects.exists() and not Application.objects.exists()


def test_analyst_gets_403_and_a_department_clerk_404(client_for):
    analyst = client_for("longhui_analyst")
    assert analyst.get(NEW).status_code == 403 and analyst.get(LIST).status_code == 403
    clerk = client_for("longhui_clerk")
    assert clerk.get(NEW).status_code == 404
    assert clerk.get(LIST).status_code in (302, 404)  # to the department's inbox once the referrals part is in


# ---- the list ------------------------------------------------------------------------------------------

def test_list_is_scoped_filtered_and_audited(client_for, take_application, persona, register, receive_all):
    household = register(members=[{"id_number": applicant_number(), "name": "李秀英", "relation": "head"}])
    app = take_application()
    funeral = receive_all(take_application(items=["funeral"], applicant_id_number=applicant_number(61),
                                           applicant_name="赵德明"))
    client = client_for("longhui_window")
    page = text(client.get(LIST))
    assert app.query_code in page and funeral.query_code in page
    assert AuditLog.objects.filter(action="read", person_id=household.head_id,
                                   detail__purpose="application_list").exists()
    assert funeral.query_code not in text(client.get(LIST + "?status=materials_pending"))
    assert app.query_code not in text(client.get(LIST + "?item=funeral"))
    assert app.query_code in text(client.get(LIST + "?department=medical_insurance"))
    assert funeral.query_code not in text(client.get(LIST + "?department=medical_insurance"))
    assert app.query_code not in text(client.get(LIST + "?channel=hotline"))
    assert app.query_code not in text(client.get(LIST + "?overdue=1"))
    Application.objects.filter(pk=app.pk).update(due_date="2020-01-02")
    assert app.query_code in text(client.get(LIST + "?overdue=1"))
    assert funeral.query_code not in text(client.get(LIST + "?overdue=1"))
    assert app.query_code in text(client.get(LIST + f"?q={app.query_code}"))
    assert funeral.query_code not in text(client.get(LIST + f"?q={app.query_code}"))
    assert funeral.query_code in text(client.get(LIST + "?q=赵德明"))
    other = text(client_for("dongkou_window").get(LIST))
    assert app.query_code not in other and "没有符合条件的申请" in other


def test_export_is_excel_and_audited(client_for, take_application, registered_applicant):
    app = take_application()
    response = client_for("longhui_window").get("/intake/applications/export/?status=materials_pending")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "查询码" and rows[1][0] == app.query_code and rows[1][4] == "临时救助、医疗救助"
    export = AuditLog.objects.get(action="export")
    assert export.detail["object_type"] == "intake.application" and export.detail["count"] == 1
    assert export.detail["filters"] == {"状态": "待补正材料"}
    assert AuditLog.objects.filter(action="read", person_id=registered_applicant.head_id,
                                   detail__purpose="export").exists()


def test_list_pages_are_limited_and_the_count_capped(take_application, persona, monkeypatch):
    from jiuzhu.intake import application_selectors as sel

    for seq in range(5):
        take_application(applicant_id_number=applicant_number(60 + seq))
    monkeypatch.setattr(sel, "PAGE_SIZE", 2)
    monkeypatch.setattr(sel, "COUNT_CAP", 3)
    monkeypatch.setattr(sel, "MAX_PAGE", 2)
    rows = sel.application_list(actor=persona("longhui_window"), filters=sel.ApplicationFilters())
    first = sel.list_page(rows, "1")
    assert len(first.rows) == 2 and first.has_next and not first.has_previous and first.shown_count == "3+"
    last = sel.list_page(rows, "99")  # beyond the limit: the last page allowed, no further link
    assert last.number == 2 and not last.has_next and last.has_previous
    newest = list(Application.objects.order_by("-submitted_at", "-id")[:2])
    assert first.rows == newest


# ---- the application page ------------------------------------------------------------------------------------

def test_detail_shows_items_materials_deadlines_and_the_timeline_and_is_audited(client_for, take_application):
    app = take_application()
    html = text(client_for("longhui_window").get(f"/intake/applications/{app.pk}/"))
    assert app.query_code in html and "临时救助" in html and "医疗救助" in html and "医保" in html
    assert "缺少" in html and "医疗费用票据及结算单" in html and "还有" in html
    assert "窗口受理：申请临时救助、医疗救助" in html  # the timeline
    assert "出具一次性告知书" in html and "登记收到的材料" in html
    assert AuditLog.objects.filter(action="read", object_type="intake.application", object_id=str(app.pk)).exists()


def test_detail_masks_the_id_and_shows_the_age_never_the_birth_date(client_for, take_application,
                                                                    without_full_id):
    app = take_application()
    html = text(client_for("longhui_officer").get(f"/intake/applications/{app.pk}/"))
    number = applicant_number()
    assert mask_id_number(number) in html and number not in html
    assert "1968-03-09" not in html and "1968年" not in html and " 岁" in html


def test_out_of_scope_is_404(client_for, take_application):
    app = take_application()
    client = client_for("dongkou_window")
    assert client.get(f"/intake/applications/{app.pk}/").status_code == 404
    assert client.get(f"/intake/applications/{app.pk}/receipt/").status_code == 404
    assert client.post(f"/intake/applications/{app.pk}/notice/").status_code == 404
    assert client_for("longhui_analyst").get(f"/intake/applications/{app.pk}/").status_code == 403


def test_actions_through_the_forms(client_for, take_application):
    app = take_application(emergency=True)
    client = client_for("longhui_window")
    response = client.post(f"/intake/applications/{app.pk}/notice/")
    notice = MaterialChecklist.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/intake/notices/{notice.pk}/"
    ids = [str(m.pk) for m in RequiredMaterial.objects.filter(received=False)]
    assert client.post(f"/intake/applications/{app.pk}/materials/", {"materials": ids}).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_PROGRESS
    item = app.items.get(item="temporary")
    client.post(f"/intake/applications/{app.pk}/items/{item.pk}/propose/", {"proposal": "情况属实，建议给予"})
    approver = client_for("longhui_approver")
    assert "已初审、待审核确认" in text(approver.get(f"/intake/applications/{app.pk}/"))
    approver.post(f"/intake/applications/{app.pk}/items/{item.pk}/decide/", {"decision": "grant", "amount": "600"})
    item.refresh_from_db()
    assert item.status == "granted" and str(item.amount) == "600.00"
    over = client.post(f"/intake/applications/{app.pk}/assist-first/", {"amount": "5000", "reason": "火灾"})
    assert over.status_code == 400 and "先行救助单次不能超过 1000 元" in over.content.decode()
    assert 'value="5000"' in over.content.decode()  # what was typed is kept


def test_an_online_application_is_accepted_through_the_page(client_for, take_application):
    app = take_application(username=None, channel=Channel.ONLINE)
    client = client_for("longhui_window")
    assert client.get(f"/intake/applications/{app.pk}/receipt/").status_code == 302  # not yet accepted
    assert "受理期限" in text(client.get(f"/intake/applications/{app.pk}/"))
    assert client.post(f"/intake/applications/{app.pk}/accept/").status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.MATERIALS_PENDING and app.first_officer.username == "longhui_window"
    assert client.get(f"/intake/applications/{app.pk}/receipt/").status_code == 200


def test_not_accepting_needs_the_reason_through_the_page(client_for, take_application):
    app = take_application(username=None, channel=Channel.ONLINE)
    client = client_for("longhui_window")
    response = client.post(f"/intake/applications/{app.pk}/not-accept/", {"reason": ""})
    assert response.status_code == 400 and "请填写不予受理理由" in response.content.decode()
    client.post(f"/intake/applications/{app.pk}/not-accept/", {"reason": "申请人不在本辖区居住"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NOT_ACCEPTED
    assert "申请人不在本辖区居住" in text(client.get(f"/intake/applications/{app.pk}/"))


def test_a_refused_action_comes_back_with_the_message(client_for, take_application, receive_all):
    app = receive_all(take_application())
    response = client_for("longhui_window").post(f"/intake/applications/{app.pk}/close/", {"note": "办完"})
    assert response.status_code == 400
    assert "还有事项未办理完毕（临时救助、医疗救助），不能办结" in response.content.decode()
    assert 'value="办完"' in response.content.decode()


# ---- print pages ------------------------------------------------------------------------------------------

def test_receipt_has_the_query_code_window_officer_and_each_items_deadline(client_for, take_application):
    app = take_application()
    html = text(client_for("longhui_window").get(f"/intake/applications/{app.pk}/receipt/"))
    assert "受理回执" in html and app.query_code in html and "桃洪镇社会救助服务窗口" in html
    assert "桃洪镇窗口经办员" in html and "12349" in html
    for item in app.items.all():
        assert f"{item.due_date.year}年{item.due_date.month}月{item.due_date.day}日" in html
    assert "主导航" not in html  # no navigation on paper
    assert mask_id_number(applicant_number()) in html and applicant_number() not in html  # masked on paper
    assert AuditLog.objects.filter(action="read", object_id=str(app.pk), detail__purpose="print").exists()


def test_notice_print_lists_every_missing_material(client_for, take_application):
    app = take_application(received_materials={"temporary": ["申请人居民身份证、户口簿"]})
    notice = s.notice_issue(actor=app.first_officer, application=app)
    html = client_for("longhui_window").get(f"/intake/notices/{notice.pk}/").content.decode()
    missing = [m for m in ITEM_BY_CODE["temporary"].materials[1:]] + list(ITEM_BY_CODE["medical"].materials)
    for name in missing:
        assert name in html, name
    assert html.count('class="missing"') == len(missing) == len(notice.missing)
    assert "print.css" in html and notice.number in html
    assert client_for("dongkou_window").get(f"/intake/notices/{notice.pk}/").status_code == 404


def test_print_css_is_a4():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "jiuzhu" / "print.css").read_text()
    assert "size: A4" in css and "@media print" in css


# ---- the work list ---------------------------------------------------------------------------------------

def test_work_list_lines(client_for, take_application, persona, receive_all):
    from jiuzhu.core.worklist import work_items

    def lines(username):
        return {wi.label: wi.count for wi in work_items(persona(username))}

    take_application(username=None, channel=Channel.ONLINE, applicant_id_number=applicant_number(81))
    app = take_application(emergency=True)
    s.assist_first_grant(actor=app.first_officer, application=app, amount="100", reason="急难")
    Application.objects.filter(pk=app.pk).update(due_date=today())
    window = lines("longhui_window")
    assert window["待受理的网上申请和线索"] == 1 and window["待补正材料的申请"] == 1
    assert window["先行救助待补齐手续"] == 1 and window["临近（3 天内）或超过办结期限的申请"] == 1
    assert lines("dongkou_window")["待补正材料的申请"] == 0
    assert "待补正材料的申请" not in lines("longhui_clerk") and "待补正材料的申请" not in lines("longhui_analyst")
    assert "有事项已初审、待审核确认的申请" not in window
    receive_all(app)
    s.item_propose(actor=app.first_officer, item=app.items.get(item="temporary"), proposal="建议给予")
    assert lines("longhui_approver")["有事项已初审、待审核确认的申请"] == 1
    assert lines("dongkou_approver")["有事项已初审、待审核确认的申请"] == 0
    assert "有事项已初审、待审核确认的申请" in text(client_for("longhui_approver").get("/"))
    listed = text(client_for("longhui_approver").get(LIST + "?proposed=1"))
    assert app.query_code in listed


def test_refusals_are_told_in_writing_with_the_reason(client_for, take_application, persona, receive_all):
    client = client_for("longhui_window")
    app = receive_all(take_application())
    assert client.get(f"/intake/applications/{app.pk}/refusal/").status_code == 302  # nothing refused yet
    s.item_decide(actor=persona("longhui_approver"), item=app.items.get(item="temporary"), granted=False,
                  reason="家庭人均收入高于当地临时救助标准")
    assert "打印书面告知（不予救助）" in text(client.get(f"/intake/applications/{app.pk}/"))
    html = text(client.get(f"/intake/applications/{app.pk}/refusal/"))
    assert "不予救助告知书" in html and "家庭人均收入高于当地临时救助标准" in html and "临时救助" in html
    assert "医疗救助" not in html
    online = take_application(username=None, channel=Channel.ONLINE, applicant_id_number=applicant_number(91))
    s.application_not_accept(actor=persona("longhui_window"), application=online, reason="申请人不在本辖区居住")
    html = text(client.get(f"/intake/applications/{online.pk}/refusal/"))
    assert "不予受理告知书" in html and "申请人不在本辖区居住" in html
    assert client_for("dongkou_window").get(f"/intake/applications/{online.pk}/refusal/").status_code == 404


def test_a_coordinators_lead_waits_for_the_window(client_for, persona):
    from conftest import VILLAGE_A as village

    response = client_for("longhui_coordinator").post(NEW, form_data(channel="discovery", village=village,
                                                                     township=""))
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.status == ApplicationStatus.SUBMITTED and app.channel == Channel.DISCOVERY
    assert app.accepted_at is None
    s.application_accept(actor=persona("longhui_window"), application=app)
    app.refresh_from_db()
    assert app.first_officer.username == "longhui_window"
    coordinator = client_for("longhui_coordinator")
    assert '<option value="window"' not in coordinator.get(NEW).content.decode()
    refused = coordinator.post(NEW, form_data(channel="window", village=village, township="",
                                              applicant_id_number=applicant_number(95)))
    assert refused.status_code == 400 and Application.objects.count() == 1


def _unlabelled(html: str) -> list[str]:
    """Inputs, selects and textareas (not hidden, not buttons) without a <label for> naming their id."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.fields, self.labels = [], set()

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "label" and a.get("for"):
                self.labels.add(a["for"])
            elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
                self.fields.append(a.get("id") or f"<{tag} name={a.get('name')}> without id")

    parser = Fields()
    parser.feed(html)
    return [f for f in parser.fields if f not in parser.labels]


def test_every_field_of_the_window_pages_has_a_label(client_for, take_application, persona, receive_all):
    app = receive_all(take_application(emergency=True))
    online = take_application(username=None, channel=Channel.ONLINE, applicant_id_number=applicant_number(93))
    window, approver = client_for("longhui_window"), client_for("longhui_approver")
    pages = [window.get(NEW), window.post(NEW, form_data(applicant_name="")), window.get(LIST),
             window.get(f"/intake/applications/{app.pk}/"), window.get(f"/intake/applications/{online.pk}/"),
             approver.get(f"/intake/applications/{app.pk}/")]
    s.assist_first_grant(actor=persona("longhui_window"), application=app, amount="100", reason="急难")
    pages.append(window.get(f"/intake/applications/{app.pk}/"))
    for response in pages:
        assert _unlabelled(response.content.decode()) == []


def test_a_refusal_without_reason_comes_back_beside_that_items_form(client_for, take_application, receive_all):
    app = receive_all(take_application())
    item = app.items.get(item="temporary")
    response = client_for("longhui_approver").post(f"/intake/applications/{app.pk}/items/{item.pk}/decide/",
                                                   {"decision": "refuse", "outcome": "已入户核实"})
    html = response.content.decode()
    assert response.status_code == 400 and "请填写不予救助理由" in html
    assert f'id="refuse-{item.pk}" checked' in html and 'value="已入户核实"' in html
    item.refresh_from_db()
    assert item.status == "pending"
    missing = client_for("longhui_approver").post(f"/intake/applications/{app.pk}/items/{item.pk}/decide/", {})
    assert missing.status_code == 400 and "请选择审核结论" in missing.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_8_applications(client_for, take_application):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("longhui_window")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    for seq in range(3):
        take_application(applicant_id_number=applicant_number(100 + seq))
    queries()  # warms the picker's cached options
    few = queries()
    for seq in range(5):
        take_application(applicant_id_number=applicant_number(110 + seq))
    assert queries() == few


def test_assist_first_filters_outstanding_and_overdue(client_for, take_application, persona):
    from jiuzhu.intake.models import AssistFirst

    app = take_application(emergency=True)
    other = take_application(applicant_id_number=applicant_number(97))
    assist = s.assist_first_grant(actor=persona("longhui_window"), application=app, amount="100", reason="急难")
    client = client_for("longhui_officer")  # the county, as the referrals part's 督办 line opens it
    listed = text(client.get(LIST + "?assist=open"))
    assert app.query_code in listed and other.query_code not in listed
    assert app.query_code not in text(client.get(LIST + "?assist_first_overdue=1"))
    AssistFirst.objects.filter(pk=assist.pk).update(paperwork_due_date="2020-01-02")
    overdue = text(client.get(LIST + "?assist_first_overdue=1"))
    assert app.query_code in overdue and "先行救助超期未补齐手续" in overdue


# ---- 主动发现: a lead about a person opens the form with what is known -------------------------------------------

def test_a_lead_about_a_registry_person_opens_the_form_filled_in_and_audited(client_for, register):
    number = applicant_number(53)
    household = register(members=[{"id_number": number, "name": "王桂兰", "relation": "head", "phone": "13900005555"}])
    url = f"{NEW}?channel=discovery&source_ref=warning:5&person={household.head_id}"
    html = client_for("longhui_window").get(url).content.decode()
    assert 'value="王桂兰"' in html and f'value="{number}"' in html and 'value="13900005555"' in html
    assert '<option value="discovery" selected>' in html and 'value="warning:5"' in html
    assert f'value="{VILLAGE_A}" selected' in html  # the person's village is chosen
    assert AuditLog.objects.filter(action="read", person_id=household.head_id,
                                   detail__purpose="intake_prefill").count() == 1
    assert client_for("dongkou_window").get(url).status_code == 404  # out of scope: nothing, not even the name


def test_a_lead_shows_the_full_id_number_only_to_those_who_may_see_it(client_for, register, without_full_id):
    number = applicant_number(54)
    household = register(members=[{"id_number": number, "name": "王桂兰", "relation": "head"}])
    html = client_for("longhui_officer").get(f"{NEW}?channel=discovery&person={household.head_id}").content.decode()
    assert 'value="王桂兰"' in html and number not in html


def test_a_lead_without_registry_access_or_outside_the_registry_fills_in_the_name_only(client_for, register):
    household = register(members=[{"id_number": applicant_number(55), "name": "王桂兰", "relation": "head"}])
    html = client_for("longhui_station").get(f"{NEW}?person={household.head_id}&name=流浪人员甲").content.decode()
    assert "王桂兰" not in html and 'value="流浪人员甲"' in html
    assert not AuditLog.objects.filter(detail__purpose="intake_prefill").exists()


def test_the_application_links_back_to_where_the_lead_came_from(client_for, take_application):
    client = client_for("longhui_window")
    warned = take_application(channel=Channel.DISCOVERY, source_ref="warning:12")
    html = client.get(f"/intake/applications/{warned.pk}/").content.decode()
    assert 'href="/monitoring/warnings/12/"' in html and "动态监测预警 #12" in html
    called = take_application(channel=Channel.HOTLINE, source_ref="call:7")
    assert 'href="/intake/hotline/7/"' in client.get(f"/intake/applications/{called.pk}/").content.decode()
    plain = take_application(source_ref="")
    assert "线索来源" not in client.get(f"/intake/applications/{plain.pk}/").content.decode()


def test_a_lead_with_a_malformed_source_shows_it_as_text_without_a_link(client_for, take_application):
    odd = take_application(channel=Channel.DISCOVERY, source_ref="warning:abc")
    html = client_for("longhui_window").get(f"/intake/applications/{odd.pk}/").content.decode()
    assert "线索来源：warning:abc" in html and 'id="source-link"' not in html


def test_registry_lookup_needs_the_registry_capability(client_for, register):
    """A rescue-station worker takes applications but does not see the registry: the lookup says so and reads
    nothing (no audit row)."""
    register(members=[{"id_number": applicant_number(56), "name": "王桂兰", "relation": "head"}])
    data = form_data(action="lookup", applicant_id_number=applicant_number(56))
    html = client_for("longhui_station").post(NEW, data).content.decode()
    assert "您没有查看低收入人口库的权限" in html and "王桂兰（" not in html
    assert not AuditLog.objects.filter(detail__purpose="intake_lookup").exists()
