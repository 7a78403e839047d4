"""Regional centres (提级办理, 下沉协助) and settlement (落户安置) with its configurable stage deadlines."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event, Region
from jiuzhu.core.region_settings import region_setting_set
from jiuzhu.rescue import cases_services as s
from jiuzhu.rescue import settings_catalog as sc
from jiuzhu.rescue.events import RescueEvent
from jiuzhu.rescue.models import CaseStatus, EscalationStatus, SettlementStage

pytestmark = pytest.mark.django_db


def refused(call, *, code: str | None = None, field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    if code:
        assert caught.value.code == code
    if field:
        assert caught.value.field == field
    return caught.value


def timeline(case) -> list[str]:
    return list(Event.objects.filter(subject_type="rescue.rescuecase", subject_id=str(case.pk))
                .order_by("id").values_list("kind", flat=True))


# ---- escalation ------------------------------------------------------------------------------------------

def test_a_station_escalates_and_the_regional_centre_sends_staff_down_then_closes(admit, persona):
    case = admit()
    e = s.case_escalate(actor=persona("longhui_station"), case=case, kind="identity", reason="口音难辨，需人脸比对")
    assert e.regional_centre.name == "邵阳市救助管理站" and e.status == EscalationStatus.REQUESTED
    refused(lambda: s.case_escalate(actor=persona("longhui_station"), case=case, kind="identity", reason="再次"),
            code="refused")
    with pytest.raises(Http404):  # the station's own manager is not the regional centre
        s.escalation_accept(actor=persona("longhui_stationmgr"), escalation=e, delegate=False)
    with pytest.raises(PermissionDenied):
        s.escalation_accept(actor=persona("longhui_station"), escalation=e, delegate=False)
    refused(lambda: s.escalation_close(actor=persona("shaoyang_regional"), escalation=e, outcome="x"), code="refused")
    refused(lambda: s.escalation_accept(actor=persona("shaoyang_regional"), escalation=e, delegate=True),
            field="note")
    s.escalation_accept(actor=persona("shaoyang_regional"), escalation=e, delegate=True, note="派 2 人明日到站协助")
    e.refresh_from_db()
    assert e.status == EscalationStatus.DELEGATED
    s.escalation_close(actor=persona("shaoyang_regional"), escalation=e, outcome="经人脸比对查明身份")
    e.refresh_from_db()
    assert e.status == EscalationStatus.CLOSED
    assert timeline(case)[-3:] == [RescueEvent.CASE_ESCALATED, RescueEvent.ESCALATION_ACCEPTED,
                                   RescueEvent.ESCALATION_CLOSED]
    assert AuditLog.objects.filter(object_type="rescue.escalation", object_id=str(e.pk)).count() == 3
    # the same matter may be escalated again once closed
    s.case_escalate(actor=persona("longhui_station"), case=case, kind="identity", reason="家属否认，需复核")


def test_escalation_needs_a_case_in_stay_in_scope_and_a_regional_centre_above(admit, persona):
    from jiuzhu.core.models import Organization

    case = admit()
    with pytest.raises(Http404):
        s.case_escalate(actor=persona("dongkou_station"), case=case, kind="medical", reason="x")
    refused(lambda: s.case_escalate(actor=persona("longhui_station"), case=case, kind="other", reason="x"),
            field="kind")
    Organization.objects.filter(name="邵阳市救助管理站").update(is_regional_center=False)
    refused(lambda: s.case_escalate(actor=persona("longhui_station"), case=case, kind="medical", reason="重病"),
            code="refused")
    Organization.objects.filter(name="邵阳市救助管理站").update(is_regional_center=True)
    s.case_discharge(actor=persona("longhui_station"), case=case, kind="escorted_return", destination="周口")
    refused(lambda: s.case_escalate(actor=persona("longhui_station"), case=case, kind="medical", reason="重病"),
            code="refused")


# ---- settlement ------------------------------------------------------------------------------------------------

@pytest.fixture
def long_stay_case(admit, shift_admission):
    def make(days: int = 100):
        case = shift_admission(admit(name="", estimated_age=40), days)
        s.long_stay_sweep()
        case.refresh_from_db()
        return case
    return make


def test_settlement_stages_with_their_deadlines_end_in_a_settlement_discharge(long_stay_case, persona):
    case = long_stay_case()
    worker, manager = persona("longhui_station"), persona("longhui_stationmgr")
    settlement = s.settlement_apply(actor=worker, case=case, note="寻亲 3 个月无果，DNA 比对无结果")
    assert settlement.due_on == s.today() + dt.timedelta(days=30)
    refused(lambda: s.settlement_apply(actor=worker, case=case, note="再申请"), code="refused")
    with pytest.raises(PermissionDenied):
        s.settlement_advance(actor=worker, settlement=settlement, plan="x")
    refused(lambda: s.settlement_advance(actor=manager, settlement=settlement), field="plan")
    refused(lambda: s.settlement_complete(actor=manager, settlement=settlement, kind="hukou", institution="福利院"),
            code="refused")
    s.settlement_advance(actor=manager, settlement=settlement, plan="集中落户于隆回县社会福利院集体户")
    settlement.refresh_from_db()
    assert settlement.stage == SettlementStage.PLANNED and settlement.due_on == s.today() + dt.timedelta(days=30)
    refused(lambda: s.settlement_advance(actor=manager, settlement=settlement), field="approval_reference")
    s.settlement_advance(actor=manager, settlement=settlement, approval_reference="隆政函〔2026〕12号")
    settlement.refresh_from_db()
    assert settlement.stage == SettlementStage.APPROVED and settlement.due_on == s.today() + dt.timedelta(days=60)
    s.settlement_complete(actor=manager, settlement=settlement, kind="hukou", institution="隆回县社会福利院")
    settlement.refresh_from_db()
    case.refresh_from_db()
    assert settlement.stage == SettlementStage.SETTLED and settlement.due_on is None
    assert case.status == CaseStatus.DISCHARGED and case.discharge.kind == "settlement"
    discharged = Event.objects.get(kind=RescueEvent.CLIENT_DISCHARGED, subject_id=str(case.pk))
    assert discharged.payload["discharge"] == "settlement" and discharged.payload["unidentified"] is True


def test_settlement_only_for_long_stay_unidentified_after_the_regions_minimum(long_stay_case, admit, persona):
    worker = persona("longhui_station")
    refused(lambda: s.settlement_apply(actor=worker, case=admit(), note="x"), code="refused")  # not long-stay
    young = long_stay_case(days=30)
    error = refused(lambda: s.settlement_apply(actor=worker, case=young, note="x"), code="refused")
    assert "90" in error.message
    region_setting_set(actor=persona("longhui_admin"), key=sc.SETTLEMENT_MIN_STAY_KEY,
                       region=Region.objects.get(code="430524"), effective_from=dt.date(2020, 1, 1), value="20")
    s.settlement_apply(actor=worker, case=young, note="本地规定滞留满 20 天")
    with pytest.raises(Http404):
        s.settlement_apply(actor=persona("dongkou_station"), case=long_stay_case(), note="x")


def test_settlement_discharge_only_through_its_stages(admit, persona):
    refused(lambda: s.case_discharge(actor=persona("longhui_station"), case=admit(), kind="settlement",
                                     institution="福利院"), code="refused")


def test_settlement_deadline_is_configurable_and_overdue_is_announced_once_per_stage(long_stay_case, persona):
    region_setting_set(actor=persona("longhui_admin"), key=sc.SETTLEMENT_PLAN_DAYS_KEY,
                       region=Region.objects.get(code="430524"), effective_from=dt.date(2020, 1, 1), value="15")
    case = long_stay_case()
    settlement = s.settlement_apply(actor=persona("longhui_station"), case=case, note="寻亲无果")
    assert settlement.due_on == s.today() + dt.timedelta(days=15)
    later = s.today() + dt.timedelta(days=16)
    assert s.settlement_overdue_sweep(on=s.today()) == 0
    assert s.settlement_overdue_sweep(on=later) == 1
    assert s.settlement_overdue_sweep(on=later) == 0
    s.settlement_advance(actor=persona("longhui_stationmgr"), settlement=settlement, plan="集中落户")
    assert s.settlement_overdue_sweep(on=s.today() + dt.timedelta(days=31)) == 1  # the next stage, once
    overdue = Event.objects.filter(kind=RescueEvent.SETTLEMENT_OVERDUE, subject_id=str(case.pk))
    assert overdue.count() == 2


def test_the_periodic_settlement_task(long_stay_case, persona):
    from jiuzhu.rescue.tasks import rescue_settlement_overdue_sweep

    assert rescue_settlement_overdue_sweep.call() == {"noticed": 0}


# ---- pages ---------------------------------------------------------------------------------------------------------

def test_escalation_through_the_pages_and_the_regional_work_list(client_for, admit, persona):
    from jiuzhu.core.worklist import work_items

    case = admit()
    worker = client_for("longhui_station")
    response = worker.post(f"/rescue/cases/{case.pk}/escalate/", {"escalate-kind": "medical",
                                                                  "escalate-reason": "重症，需转市级医院"})
    assert response.status_code == 302
    e = case.escalations.get()
    waiting = {i.label: i.count for i in work_items(persona("shaoyang_regional"))}
    assert waiting["待受理的提级办理事项"] == 1
    assert "待受理的提级办理事项" not in {i.label for i in work_items(persona("longhui_stationmgr"))}
    regional = client_for("shaoyang_regional")
    listed = regional.get("/rescue/cases/?show=escalated").content.decode()
    assert f"/rescue/cases/{case.pk}/" in listed
    page = regional.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert f'id="panel-accept{e.pk}"' in page
    assert f'id="panel-accept{e.pk}"' not in client_for("longhui_stationmgr").get(
        f"/rescue/cases/{case.pk}/").content.decode()
    response = regional.post(f"/rescue/escalations/{e.pk}/accept/", {f"accept{e.pk}-mode": "delegate"})
    assert response.status_code == 400 and "请填写受理意见" in response.content.decode()
    response = regional.post(f"/rescue/escalations/{e.pk}/accept/", {f"accept{e.pk}-mode": "delegate",
                                                                     f"accept{e.pk}-note": "派医生 1 名"})
    assert response.status_code == 302
    assert client_for("dongkou_station").post(f"/rescue/escalations/{e.pk}/close/",
                                              {f"close{e.pk}-outcome": "x"}).status_code == 404
    response = regional.post(f"/rescue/escalations/{e.pk}/close/", {f"close{e.pk}-outcome": "已转市中心医院"})
    assert response.status_code == 302
    page = worker.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert "下沉协助" in page and "已转市中心医院" in page


def test_settlement_through_the_pages(client_for, long_stay_case):
    case = long_stay_case()
    worker, manager = client_for("longhui_station"), client_for("longhui_stationmgr")
    assert 'id="panel-settle_apply"' in worker.get(f"/rescue/cases/{case.pk}/").content.decode()
    response = worker.post(f"/rescue/cases/{case.pk}/settle_apply/", {"settle_apply-note": "寻亲无果"})
    assert response.status_code == 302
    assert manager.post(f"/rescue/cases/{case.pk}/settle_plan/", {"settle_plan-plan": "集中落户"}).status_code == 302
    response = manager.post(f"/rescue/cases/{case.pk}/settle_approve/", {"settle_approve-approval_reference": ""})
    assert response.status_code == 400 and "请填写政府批准文号" in response.content.decode()
    assert manager.post(f"/rescue/cases/{case.pk}/settle_approve/",
                        {"settle_approve-approval_reference": "隆政函〔2026〕3号"}).status_code == 302
    response = manager.post(f"/rescue/cases/{case.pk}/settle_complete/",
                            {"settle_complete-kind": "hukou", "settle_complete-institution": "隆回县社会福利院"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DISCHARGED
    page = worker.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert "已落户安置" in page and "隆政函〔2026〕3号" in page
