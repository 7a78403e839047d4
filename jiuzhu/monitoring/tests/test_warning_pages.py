"""Warning pages: the scoped list and its filters and Excel export, the detail page (evidence in Chinese, the
person masked and audited, the history), the actions through forms, the department's inbox, the approver's
terminations, the work list and the chain on the household page. Out of scope is 404."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from jiuzhu.core.models import AuditLog
from jiuzhu.monitoring import warning_services as services
from jiuzhu.monitoring.models import WarningReferral, WarningStatus
from jiuzhu.monitoring.tests.conftest import PNG
from jiuzhu.registry.models import DecisionStatus, TierDecision

TODAY = dt.date.today()


def text(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def visited(warning, persona):
    services.warning_visit_record(actor=persona("longhui_window"), warning=warning, visited_on=TODAY,
                                  visitors="李明", findings="入户核实属实", result="confirmed")
    warning.refresh_from_db()
    return warning


@pytest.fixture
def warning(make_warning, dibao_household):
    return make_warning(household=dibao_household)


def test_list_is_scoped_filtered_and_audited(client_for, warning, make_warning, register, persona):
    from conftest import VILLAGE_A2, member

    far = make_warning(household=register(village=VILLAGE_A2, members=[member("刘备", "head", seq=41)]))
    township = client_for("longhui_window").get("/monitoring/warnings/")
    assert township.status_code == 200
    body = text(township)
    assert f"预警 #{warning.pk}" in body and f"预警 #{far.pk}" not in body  # another township
    county = text(client_for("longhui_officer").get("/monitoring/warnings/"))
    assert f"预警 #{warning.pk}" in county and f"预警 #{far.pk}" in county
    assert f"预警 #{warning.pk}" not in text(client_for("dongkou_officer").get("/monitoring/warnings/"))
    assert AuditLog.objects.filter(action="read", person_id=warning.person_id,
                                   detail__purpose="warning_list").exists()
    client = client_for("longhui_officer")
    assert f"预警 #{warning.pk}" not in text(client.get("/monitoring/warnings/?status=closed"))
    assert f"预警 #{warning.pk}" in text(client.get("/monitoring/warnings/?status=open&class=need"))
    assert f"预警 #{warning.pk}" not in text(client.get("/monitoring/warnings/?class=dynamic"))
    assert f"预警 #{warning.pk}" not in text(client.get("/monitoring/warnings/?overdue=1"))
    assert f"预警 #{warning.pk}" in text(client.get(f"/monitoring/warnings/?indicator={warning.indicator_id}"))
    by_region = text(client.get(f"/monitoring/warnings/?township={VILLAGE_A2[:9]}000"))
    assert f"预警 #{far.pk}" in by_region and f"预警 #{warning.pk}" not in by_region


def test_export_is_excel_and_audited(client_for, warning):
    response = client_for("longhui_officer").get("/monitoring/warnings/export/?status=open")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "预警编号" and rows[1][0] == warning.pk and rows[1][4] == "张建国"
    export = AuditLog.objects.get(action="export")
    assert export.detail["object_type"] == "monitoring.warning" and export.detail["count"] == 1
    assert export.detail["filters"] == {"状态": "待核实"}
    assert AuditLog.objects.filter(action="read", person_id=warning.person_id, detail__purpose="export").exists()


def test_detail_shows_evidence_in_chinese_and_the_person_masked(client_for, warning):
    response = client_for("longhui_window").get(f"/monitoring/warnings/{warning.pk}/")
    assert response.status_code == 200
    body = text(response)
    assert "医保结算" in body and "个人自付（元）" in body and "32000" in body
    assert "out_of_pocket" not in body and "medical_settlement" not in body
    assert re.search(r"\d{4}\*{8,}\d{3}[\dX]|\d{6}\*+\d{4}", body)  # masked ID number
    assert "1980-03-01" not in body  # never beside a birth date
    assert AuditLog.objects.filter(action="read", object_type="monitoring.warning", object_id=str(warning.pk),
                                   person_id=warning.person_id).exists()


def test_out_of_scope_is_404(client_for, warning):
    assert client_for("dongkou_officer").get(f"/monitoring/warnings/{warning.pk}/").status_code == 404
    assert client_for("longhui_clerk").get(f"/monitoring/warnings/{warning.pk}/").status_code == 404  # not referred
    response = client_for("dongkou_window").post(f"/monitoring/warnings/{warning.pk}/visit/", {
        "visited_on": TODAY.isoformat(), "visitors": "李明", "findings": "入户查看情况", "result": "confirmed"})
    assert response.status_code == 404
    assert client_for("longhui_analyst").get("/monitoring/warnings/").status_code == 403


def test_visit_through_the_form_with_a_photo(client_for, warning):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("longhui_window")
    response = client.post(f"/monitoring/warnings/{warning.pk}/visit/", {
        "visited_on": TODAY.isoformat(), "visitors": "李明、王芳", "findings": "入户查看，情况属实",
        "result": "confirmed", "file": SimpleUploadedFile("现场.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.VISITED
    page = client.get(f"/monitoring/warnings/{warning.pk}/")
    assert "现场.png" in text(page) and "入户核实已登记" in text(page)
    file_id = warning.files.get().pk
    download = client.get(f"/monitoring/warnings/files/{file_id}/")
    assert download.status_code == 200 and download.content == PNG
    assert client_for("dongkou_officer").get(f"/monitoring/warnings/files/{file_id}/").status_code == 404


def test_a_refused_form_comes_back_with_the_message_and_what_was_typed(client_for, warning, persona):
    visited(warning, persona)
    response = client_for("longhui_window").post(f"/monitoring/warnings/{warning.pk}/conference/", {
        "held_on": TODAY.isoformat(), "participants": "镇村干部", "decision": "给予临时救助", "amount": "两千"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "议定金额应为数字" in html and 'value="镇村干部"' in html, html[html.find('conference-form') - 100:][:3000]


def test_the_county_officer_records_a_conference_amount_as_a_grant_through_the_form(client_for, warning, persona):
    visited(warning, persona)
    window = client_for("longhui_window").get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    assert "议定救助金额须由县级民政经办人员登记" in window and 'name="amount"' not in window
    officer = client_for("longhui_officer")
    assert 'name="amount"' in officer.get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    response = officer.post(f"/monitoring/warnings/{warning.pk}/conference/", {
        "held_on": TODAY.isoformat(), "participants": "镇长、村支书", "decision": "给予一次性临时救助",
        "amount": "1,800", "person_id": str(warning.person_id), "acknowledge": "on"})
    assert response.status_code == 302, text(response)[:2000]
    conference = warning.conferences.get()
    assert conference.grant.once_amount == 1800 and conference.grant.person_id == warning.person_id
    page = text(officer.get(f"/monitoring/warnings/{warning.pk}/"))
    assert f"已登记临时救助，救助发放 #{conference.grant_id}" in page


def test_department_inbox_answer_and_scope(client_for, warning, persona, other_clerk):
    visited(warning, persona)
    clerk = persona("longhui_clerk")
    referral = services.warning_refer(actor=persona("longhui_window"), warning=warning,
                                      organization=clerk.organization, request="请核实医保报销情况")
    client = client_for("longhui_clerk")
    assert client.get("/monitoring/warnings/").status_code == 302  # a department's list is its inbox
    inbox = client.get("/monitoring/warnings/referred/")
    assert inbox.status_code == 200 and "请核实医保报销情况" in text(inbox)
    assert client.get(f"/monitoring/warnings/{warning.pk}/").status_code == 200  # referred to it: visible
    assert client.post(f"/monitoring/warnings/{warning.pk}/visit/", {"visited_on": TODAY.isoformat(),
                       "visitors": "某某", "findings": "入户查看情况", "result": "confirmed"}).status_code == 400
    from django.test import Client

    other = Client()
    other.force_login(other_clerk)
    assert "请核实医保报销情况" not in text(other.get("/monitoring/warnings/referred/"))
    assert other.get(f"/monitoring/warnings/{warning.pk}/").status_code == 404
    assert other.post(f"/monitoring/warnings/referred/{referral.pk}/answer/", {"answer": "越权答复"}).status_code == 404
    response = client.post(f"/monitoring/warnings/referred/{referral.pk}/answer/", {"answer": "已按规定报销"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.answer == "已按规定报销" and referral.answered_by_id == clerk.pk
    officer = client_for("longhui_window")
    assert officer.post(f"/monitoring/warnings/{warning.pk}/close/", {"note": "部门已落实"}).status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED


def test_terminations_page_and_the_chain_on_the_household_page(client_for, warning, persona, dibao_household):
    visited(warning, persona)
    decision = TierDecision.objects.get(household=dibao_household, status=DecisionStatus.CONFIRMED)
    proposal = services.warning_terminate_propose(actor=persona("longhui_window"), warning=warning,
                                                  target=f"tier:{decision.pk}", end_date=TODAY,
                                                  reason="家庭收入已超过低保标准")
    approver = client_for("longhui_approver")
    page = approver.get("/monitoring/warnings/terminations/")
    assert "家庭收入已超过低保标准" in text(page)
    assert client_for("longhui_officer").get("/monitoring/warnings/terminations/").status_code == 403
    assert client_for("dongkou_approver").post(f"/monitoring/warnings/terminations/{proposal.pk}/",
                                               {"action": "approve"}).status_code == 404
    assert approver.post(f"/monitoring/warnings/terminations/{proposal.pk}/", {"action": "approve"}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ENDED
    chain = text(client_for("longhui_officer").get(f"/registry/households/{dibao_household.pk}/"))
    assert "预警处置（医疗自付费用过高）：核查终止：审批同意" in chain and "终止层级认定" in chain
    assert "monitoring." not in chain


def test_work_list_lines(client_for, warning, persona):
    from jiuzhu.core.worklist import work_items

    def lines(username):
        return {wi.label: wi.count for wi in work_items(persona(username))}

    assert lines("longhui_window")["待入户核实的预警"] == 1
    assert lines("dongkou_window")["待入户核实的预警"] == 0
    assert "待入户核实的预警" not in lines("longhui_clerk")
    visited(warning, persona)
    assert lines("longhui_window")["已核实、待处置的预警"] == 1
    clerk = persona("longhui_clerk")
    services.warning_refer(actor=persona("longhui_window"), warning=warning, organization=clerk.organization,
                           request="请核实")
    assert lines("longhui_clerk")["转介本部门、待答复的预警"] == 1
    assert lines("longhui_approver")["待审批的核查终止"] == 0
    home = text(client_for("longhui_clerk").get("/"))
    assert "转介本部门、待答复的预警" in home


def test_registration_form_prefilled_from_a_warning(client_for):
    from conftest import VILLAGE_A

    body = client_for("longhui_window").get(f"/registry/households/new/?name=赵小红&region_code={VILLAGE_A}")
    html = body.content.decode()
    assert 'value="赵小红"' in html and f'value="{VILLAGE_A}" selected' in html


def test_referral_rows_keep_their_deadline(warning, persona):
    visited(warning, persona)
    clerk = persona("longhui_clerk")
    referral = services.warning_refer(actor=persona("longhui_window"), warning=warning,
                                      organization=clerk.organization, request="请核实", working_days=3,
                                      on=dt.date(2025, 9, 30))
    assert WarningReferral.objects.get(pk=referral.pk).due_date == dt.date(2025, 10, 11)


def test_an_open_warning_offers_an_application_at_the_window_filled_from_the_lead(client_for, warning, persona):
    """主动发现 → 一门受理: the link opens intake's form with the channel, the warning and the person."""
    html = client_for("longhui_window").get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    link = re.search(r'id="intake-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith("/intake/applications/new/?channel=discovery&")
    assert f"source_ref=warning:{warning.pk}" in link and f"person={warning.person_id}" in link
    form = client_for("longhui_window").get(link).content.decode()
    assert f'value="{warning.person.name}"' in form and f'value="warning:{warning.pk}"' in form
    warning.status = WarningStatus.CLOSED
    warning.save(update_fields=["status"])
    assert 'id="intake-link"' not in client_for("longhui_window").get(
        f"/monitoring/warnings/{warning.pk}/").content.decode()
