"""The cases part's pages: admission (and refusal), the record with its actions, the list and its export,
the dashboard, incidents, print pages, the work list; scope (404), capabilities (403), audit of every client shown."""

import datetime as dt
import io

import pytest

from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog
from jiuzhu.rescue import cases_services as s
from jiuzhu.rescue.models import CaseStatus, Incident, RescueCase

pytestmark = pytest.mark.django_db
NUMBER = make_id_number("411602", dt.date(1980, 6, 1), 17)


def admission(**extra) -> dict:
    return {"name": "张流浪", "sex": "M", "estimated_age": "45", "arrival_channel": "self_request",
            "hukou_text": "河南省周口市", "vagrancy_reason": "务工被欠薪", "action": "admit", **extra}


def test_the_station_worker_sees_every_page(client_for, admit):
    client = client_for("longhui_station")
    case = admit()
    for url in ["/rescue/", "/rescue/admission/", "/rescue/cases/", "/rescue/incidents/", f"/rescue/cases/{case.pk}/",
                f"/rescue/cases/{case.pk}/print/request/", f"/rescue/cases/{case.pk}/print/self_leave/",
                f"/rescue/cases/{case.pk}/print/service/"]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_a_role_without_the_capability_gets_403(client_for):
    client = client_for("longhui_officer")
    for url in ["/rescue/", "/rescue/admission/", "/rescue/cases/", "/rescue/incidents/"]:
        assert client.get(url).status_code == 403, url


def test_admission_form_labels_every_field(client_for):
    html = client_for("longhui_station").get("/rescue/admission/").content.decode()
    import re

    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    assert ids and ids <= labelled


def test_admission_creates_the_record_and_opens_its_page(client_for):
    client = client_for("longhui_station")
    response = client.post("/rescue/admission/", admission(id_number=NUMBER, groups=["is_stranded_worker"]))
    assert response.status_code == 302
    case = RescueCase.objects.get()
    assert response["Location"] == f"/rescue/cases/{case.pk}/"
    assert case.is_stranded_worker and case.identity_confirmed
    page = client.get(response["Location"]).content.decode()
    assert "张流浪" in page and NUMBER in page and "滞留务工人员" in page and "入站登记" in page


def test_admission_errors_are_chinese_beside_the_field_and_keep_what_was_typed(client_for):
    client = client_for("longhui_station")
    response = client.post("/rescue/admission/", admission(arrival_channel="police", relatives="妻子 李某 138"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写公安机关护送交接表编号" in html and "妻子 李某 138" in html and "张流浪" in html
    response = client.post("/rescue/admission/", admission(name="", estimated_age=""))
    assert "请填写估计年龄" in response.content.decode()
    response = client.post("/rescue/admission/", admission(id_number="411602198006011234"))
    assert "身份证号码有误" in response.content.decode()
    assert not RescueCase.objects.exists()


def test_admission_with_a_photo(client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from jiuzhu.intake.tests.conftest import png_bytes

    photo = io.BytesIO(png_bytes(40, 40))
    photo.name = "client.png"
    response = client_for("longhui_station").post("/rescue/admission/", {**admission(), "photo": photo})
    assert response.status_code == 302
    case = RescueCase.objects.get()
    assert case.photo_key
    page = client_for("longhui_station").get(f"/rescue/cases/{case.pk}/").content.decode()
    assert f'src="/rescue/cases/{case.pk}/photo/"' in page
    shown = client_for("longhui_station").get(f"/rescue/cases/{case.pk}/photo/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown.content == png_bytes(40, 40) and shown["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(action="read", object_id=str(case.pk), detail__purpose="photo").count() == 1
    assert client_for("dongkou_station").get(f"/rescue/cases/{case.pk}/photo/").status_code == 404


def test_refusal_path_needs_its_reason(client_for):
    client = client_for("longhui_station")
    response = client.post("/rescue/admission/", admission(action="refuse"))
    assert response.status_code == 400 and "请填写不予救助的理由" in response.content.decode()
    response = client.post("/rescue/admission/", admission(action="refuse", refusal_reason="拒绝提供任何个人情况"))
    case = RescueCase.objects.get()
    assert case.status == CaseStatus.REFUSED
    assert "拒绝提供任何个人情况" in client.get(response["Location"]).content.decode()


def test_the_record_page_is_audited_and_out_of_scope_is_404(client_for, admit, persona):
    case = admit()
    assert client_for("dongkou_station").get(f"/rescue/cases/{case.pk}/").status_code == 404
    other = client_for("dongkou_station")
    assert other.post(f"/rescue/cases/{case.pk}/care/", {"care-health": "良好"}).status_code == 404
    assert client_for("shaoyang_regional").get(f"/rescue/cases/{case.pk}/").status_code == 200
    reads = AuditLog.objects.filter(action="read", object_type="rescue.rescuecase", object_id=str(case.pk))
    assert reads.filter(actor=persona("shaoyang_regional")).count() == 1
    assert not reads.filter(actor=persona("dongkou_station")).exists()


def test_a_masked_number_is_never_beside_the_birth_date(client_for, admit, persona):
    from django.contrib.auth.models import Group, Permission

    case = admit(id_number=NUMBER, estimated_age=None)
    group = Group.objects.get(name="station_worker")
    group.permissions.remove(Permission.objects.get(codename="view_full_id"))
    html = client_for("longhui_station").get(f"/rescue/cases/{case.pk}/").content.decode()
    assert NUMBER not in html and "1980-06-01" not in html
    assert NUMBER[:6] in html and "出生日期" not in html and "岁" in html


def test_care_action_and_its_error_on_the_record_page(client_for, admit):
    client = client_for("longhui_station")
    case = admit()
    response = client.post(f"/rescue/cases/{case.pk}/care/", {"care-health": "精神良好", "care-meals": "三餐"})
    assert response.status_code == 302 and case.care_logs.count() == 1
    response = client.post(f"/rescue/cases/{case.pk}/care/", {"care-health": "又一条", "care-mood": "平稳"})
    html = response.content.decode()
    assert response.status_code == 400 and "已有照料记录" in html and "又一条" in html
    assert 'id="panel-care" open' in html


def test_hospital_return_and_discharge_through_the_page(client_for, admit):
    client = client_for("longhui_station")
    case = admit()
    assert client.post(f"/rescue/cases/{case.pk}/hospital/", {"hospital-institution": "隆回县人民医院",
                                                              "hospital-reason": "发热"}).status_code == 302
    escorted = {"discharge-kind": "escorted_return", "discharge-destination": "周口"}
    response = client.post(f"/rescue/cases/{case.pk}/discharge/", escorted)
    assert response.status_code == 400 and "请先登记出院返回" in response.content.decode()
    assert client.post(f"/rescue/cases/{case.pk}/return/", {"return-note": "治愈出院"}).status_code == 302
    response = client.post(f"/rescue/cases/{case.pk}/discharge/", {**escorted, "discharge-cross_province": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DISCHARGED and case.discharge.cross_province
    page = client.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert "护送返乡" in page and "跨省" in page and 'id="panel-care"' not in page


def test_extension_decided_on_the_page_by_the_manager_only(client_for, admit):
    case = admit()
    worker = client_for("longhui_station")
    asked = {"extension-days": "5", "extension-reason": "等待亲属"}
    assert worker.post(f"/rescue/cases/{case.pk}/extension/", asked).status_code == 302
    assert 'id="panel-decide"' not in worker.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert worker.post(f"/rescue/cases/{case.pk}/decide/", {"decide-decision": "approve"}).status_code == 403
    manager = client_for("longhui_stationmgr")
    assert 'id="panel-decide"' in manager.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert manager.post(f"/rescue/cases/{case.pk}/decide/", {"decide-decision": "approve"}).status_code == 302
    case.refresh_from_db()
    assert case.extended_until == case.period_end + dt.timedelta(days=5)


def test_the_list_filters_audits_each_client_shown_and_exports(client_for, admit, shift_admission, persona):
    a = admit(name="甲")
    b = shift_admission(admit(name="乙"), 12)
    admit(username="dongkou_station", name="丙")
    client = client_for("longhui_station")
    html = client.get("/rescue/cases/").content.decode()
    assert "甲" in html and "乙" in html and "丙" not in html
    shown = AuditLog.objects.filter(action="read", object_type="rescue.rescuecase", actor=persona("longhui_station"))
    assert sorted(shown.values_list("object_id", flat=True)) == sorted([str(a.pk), str(b.pk)])
    assert set(shown.values_list("person_id", flat=True)) == {None}  # a client is not a registry person
    html = client.get("/rescue/cases/?show=overdue").content.decode()
    assert "乙" in html and "甲" not in html and "已超期" in html
    response = client.get("/rescue/cases/export/?show=stay")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditLog.objects.filter(action="export", actor=persona("longhui_station")).count() == 1
    regional = client_for("shaoyang_regional").get("/rescue/cases/").content.decode()
    assert "甲" in regional and "丙" in regional


def test_the_dashboard_counts_the_station_and_the_regional_centre_sees_both(client_for, admit, persona):
    admit()
    admit(hospital="隆回县人民医院")
    admit(username="dongkou_station")
    s.incident_report(actor=persona("longhui_station"), kind="outbreak", text="发热")
    html = client_for("longhui_stationmgr").get("/rescue/").content.decode()
    assert 'id="fig-in-station"><span class="n">1<' in html
    assert 'id="fig-hospital"><span class="n">1<' in html
    assert 'id="fig-incidents"><span class="n">1<' in html
    html = client_for("shaoyang_regional").get("/rescue/").content.decode()
    assert 'id="fig-in-station"><span class="n">2<' in html and "洞口县救助管理站" in html
    station = persona("dongkou_station").organization
    html = client_for("shaoyang_regional").get(f"/rescue/?station={station.pk}").content.decode()
    assert 'id="fig-in-station"><span class="n">1<' in html and 'id="fig-incidents"><span class="n">0<' in html
    longhui = persona("longhui_station").organization
    assert client_for("dongkou_station").get(f"/rescue/?station={longhui.pk}").status_code == 404


def test_census_by_day(admit, shift_admission, persona):
    from jiuzhu.rescue.cases_selectors import dashboard

    shift_admission(admit(), 3)
    left = shift_admission(admit(), 2)
    s.case_discharge(actor=persona("longhui_station"), case=left, kind="escorted_return", destination="周口")
    admit()
    census = dict(dashboard(actor=persona("longhui_station"))["census"])
    today = s.today()
    assert census[today - dt.timedelta(days=3)] == 1
    assert census[today - dt.timedelta(days=2)] == 2
    assert census[today - dt.timedelta(days=1)] == 2
    assert census[today] == 2  # the discharged one left today; one admitted today


def test_beds_come_from_the_region_setting(client_for, admit, persona):
    from jiuzhu.core.models import Region
    from jiuzhu.core.region_settings import region_setting_set
    from jiuzhu.rescue.settings_catalog import STATION_BEDS_KEY

    admit()
    region_setting_set(actor=persona("longhui_admin"), key=STATION_BEDS_KEY, region=Region.objects.get(code="430524"),
                       effective_from=dt.date(2020, 1, 1), value="40")
    html = client_for("longhui_station").get("/rescue/").content.decode()
    assert 'id="fig-beds"><span class="n">1 / 40<' in html


def test_incident_pages_visible_above_and_closed_by_the_manager(client_for, admit):
    case = admit()
    worker = client_for("longhui_station")
    report = {"incident-kind": "absconding", "incident-text": "晚饭后走失，已报警"}
    response = worker.post(f"/rescue/cases/{case.pk}/incident/", report)
    assert response.status_code == 302
    incident = Incident.objects.get()
    listed = client_for("shaoyang_regional").get("/rescue/incidents/").content.decode()
    assert f"/rescue/incidents/{incident.pk}/" in listed
    assert client_for("shaoyang_regional").get(f"/rescue/incidents/{incident.pk}/").status_code == 200
    assert client_for("dongkou_stationmgr").get(f"/rescue/incidents/{incident.pk}/").status_code == 404
    assert worker.post(f"/rescue/incidents/{incident.pk}/close/", {"close-text": "找回"}).status_code == 403
    assert worker.post(f"/rescue/incidents/{incident.pk}/note/", {"note-text": "派员寻找"}).status_code == 302
    manager = client_for("longhui_stationmgr")
    assert manager.post(f"/rescue/incidents/{incident.pk}/close/", {"close-text": ""}).status_code == 400
    assert manager.post(f"/rescue/incidents/{incident.pk}/close/", {"close-text": "已找回"}).status_code == 302
    incident.refresh_from_db()
    assert not incident.is_open and incident.entries.count() == 3


def test_station_incident_from_the_list_page(client_for):
    client = client_for("longhui_station")
    response = client.post("/rescue/incidents/new/", {"kind": "outbreak", "text": ""})
    assert response.status_code == 400 and "请填写事件经过及已采取的措施" in response.content.decode()
    response = client.post("/rescue/incidents/new/", {"kind": "outbreak", "text": "多人发热", "place": "男宿舍"})
    assert response.status_code == 302 and Incident.objects.get().place == "男宿舍"


def test_the_two_notices_print_only_for_what_they_notify(client_for, admit, persona):
    from jiuzhu.rescue import cases_services as s

    client = client_for("longhui_station")
    actor = persona("longhui_station")
    staying = admit()
    for form in ("refusal", "termination"):
        assert client.get(f"/rescue/cases/{staying.pk}/print/{form}/").status_code == 404
    refusal = s.case_refuse(actor=actor, sex="M", estimated_age=35, reason="拒不提供个人基本情况")
    html = client.get(f"/rescue/cases/{refusal.pk}/print/refusal/").content.decode()
    assert "不予救助通知书" in html and "拒不提供个人基本情况" in html and "print.css" in html
    assert "打印不予救助通知书" in client.get(f"/rescue/cases/{refusal.pk}/").content.decode()
    assert client.get(f"/rescue/cases/{refusal.pk}/print/termination/").status_code == 404
    s.case_discharge(actor=actor, case=staying, kind="terminated", note="故意提供虚假个人情况")
    html = client.get(f"/rescue/cases/{staying.pk}/print/termination/").content.decode()
    assert "终止救助通知书" in html and "故意提供虚假个人情况" in html
    assert "打印终止救助通知书" in client.get(f"/rescue/cases/{staying.pk}/").content.decode()
    assert client_for("dongkou_station").get(f"/rescue/cases/{staying.pk}/print/termination/").status_code == 404


def test_print_pages_show_the_official_forms(client_for, admit, persona):
    case = admit(id_number=NUMBER, estimated_age=None, belongings="手机一部")
    s.case_discharge(actor=persona("longhui_station"), case=case, kind="self_leave", declaration_signed=True)
    client = client_for("longhui_station")
    html = client.get(f"/rescue/cases/{case.pk}/print/request/").content.decode()
    assert "求助登记表" in html and "print.css" in html and NUMBER in html
    html = client.get(f"/rescue/cases/{case.pk}/print/self_leave/").content.decode()
    assert "自行离站声明书" in html and "手机一部" in html and "年满十六周岁" in html
    html = client.get(f"/rescue/cases/{case.pk}/print/service/").content.decode()
    assert "在站服务及离站登记表" in html and "自行离站" in html
    assert client.get(f"/rescue/cases/{case.pk}/print/other/").status_code == 404
    assert client_for("dongkou_station").get(f"/rescue/cases/{case.pk}/print/request/").status_code == 404


def test_work_list_lines(admit, shift_admission, persona):
    from jiuzhu.core.worklist import work_items

    shift_admission(admit(name="", estimated_age=60), 11)
    s.long_stay_sweep()
    case = admit()
    s.extension_request(actor=persona("longhui_station"), case=case, days=3, reason="等待亲属")
    s.incident_report(actor=persona("longhui_station"), kind="injury", text="摔伤")
    worker = {i.label: i.count for i in work_items(persona("longhui_station"))}
    assert worker["救助期限 2 天内到期或已超过的受助人员"] == 1
    assert worker["长期滞留人员"] == 1 and worker["未结的异常事件"] == 1
    assert "待审批的延长救助期限申请" not in worker
    manager = {i.label: i.count for i in work_items(persona("longhui_stationmgr"))}
    assert manager["待审批的延长救助期限申请"] == 1
    other = {i.label: i.count for i in work_items(persona("dongkou_stationmgr"))}
    assert other["未结的异常事件"] == 0 and other["待审批的延长救助期限申请"] == 0


def test_identity_through_the_page(client_for, admit):
    case = admit(name="", estimated_age=30)
    client = client_for("longhui_station")
    assert 'id="panel-identify"' in client.get(f"/rescue/cases/{case.pk}/").content.decode()
    response = client.post(f"/rescue/cases/{case.pk}/identify/", {"identify-id_number": NUMBER,
                                                                  "identify-name": "赵某"})
    assert response.status_code == 302
    page = client.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert "身份查明：赵某" in page and 'id="panel-identify"' not in page


def test_registry_check_through_the_page(client_for, admit):
    case = admit(name="钱某", estimated_age=50)
    client = client_for("longhui_station")
    response = client.post(f"/rescue/cases/{case.pk}/lookup/", {"lookup-name": "钱某", "lookup-birth_date": ""})
    assert response.status_code == 400 and "请填写出生日期" in response.content.decode()
    response = client.post(f"/rescue/cases/{case.pk}/lookup/", {"lookup-name": "钱某",
                                                               "lookup-birth_date": "1976-02-03"})
    assert response.status_code == 302
    assert "未在库" in client.get(f"/rescue/cases/{case.pk}/").content.decode()
