"""The rescue record's services (cases_services.py): every transition, every refusal, the 10-day and long-stay
rules, and each guard (capability, scope, status, audit row, event)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.rescue import cases_services as s
from jiuzhu.rescue.events import RescueEvent
from jiuzhu.rescue.models import (
    CareLog,
    CaseStatus,
    Discharge,
    ExtensionStatus,
    Incident,
    Placement,
    RescueCase,
)

pytestmark = pytest.mark.django_db
COLLECTOR_ID = make_id_number("411602", dt.date(1975, 4, 2), 33)  # 周口市川汇区


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def refused(call, *, code: str | None = None, field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert chinese(caught.value.message)
    if code:
        assert caught.value.code == code
    if field:
        assert caught.value.field == field
    return caught.value


def events(kind: str, case=None):
    qs = Event.objects.filter(kind=kind)
    if case is not None:
        qs = qs.filter(subject_type="rescue.rescuecase", subject_id=str(case.pk))
    return qs


def changes(obj) -> int:
    return AuditLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk),
                                   action__in=["create", "update"]).count()


# ---- admission ---------------------------------------------------------------------------------------------

def test_admission_opens_the_record_with_a_ten_day_period_an_audit_row_and_client_admitted(admit, persona):
    case = admit()
    assert case.status == CaseStatus.IN_STATION
    assert case.station.name == "隆回县救助管理站"
    assert case.period_end == case.admitted_on + dt.timedelta(days=10)
    assert not case.long_stay and not case.identity_confirmed
    assert changes(case) == 1
    event = events(RescueEvent.CLIENT_ADMITTED, case).get()
    assert event.payload["unidentified"] is True and event.payload["station"] == case.station_id
    assert event.actor == persona("longhui_station")


def test_admission_stores_the_id_number_encrypted_and_hashed_and_takes_the_birth_date_from_it(admit):
    number = make_id_number("430524", dt.date(1960, 1, 5), 41)
    case = admit(id_number=number, estimated_age=None)
    row = RescueCase.objects.filter(pk=case.pk).values().get()
    assert number not in str(row)
    assert case.id_number_hash and case.identity_confirmed
    assert case.birth_date == dt.date(1960, 1, 5) and case.estimated_age is None
    assert case.is_elderly  # 60 or over, flagged from the age


def test_an_unnamed_client_needs_an_estimated_age_and_a_minor_is_flagged_from_it(admit):
    refused(lambda: admit(name="", estimated_age=None), field="estimated_age")
    case = admit(name="", estimated_age=12)
    assert case.display_name == "无名氏" and case.is_minor
    assert "未成年人" in case.groups


def test_a_client_brought_by_the_police_needs_the_handover_form_number(admit):
    refused(lambda: admit(arrival_channel="police"), field="handover_form_number")
    case = admit(arrival_channel="police", handover_form_number="隆公交〔2026〕118号")
    assert case.handover_form_number == "隆公交〔2026〕118号"


def test_admission_records_the_pilot_groups_and_refuses_unknown_ones(admit):
    case = admit(groups=["is_violence_victim", "is_stranded_worker"])
    assert case.is_violence_victim and case.is_stranded_worker
    refused(lambda: admit(groups=["is_vip"]), field="groups")


def test_a_bad_id_number_or_photo_is_refused_beside_its_field_and_nothing_is_written(admit):
    refused(lambda: admit(id_number="430524196001051234"), field="id_number")
    refused(lambda: admit(photo=b"%PDF-1.4 not a photo"), field="photo")
    assert not RescueCase.objects.exists()


def test_the_preliminary_check_can_send_the_client_straight_to_hospital(admit):
    case = admit(check_injury=True, check_note="左腿外伤出血", hospital="隆回县人民医院")
    assert case.status == CaseStatus.IN_HOSPITAL
    placement = case.placements.get()
    assert placement.kind == "hospital" and placement.ended_on is None and placement.reason == "左腿外伤出血"


def test_admission_needs_the_capability_and_a_station(admit):
    with pytest.raises(PermissionDenied):
        admit(username="longhui_officer")
    assert not RescueCase.objects.exists()


def test_the_registry_lookup_answers_tier_and_home_region_only_audited(admit, register, persona):
    number = make_id_number("430524", dt.date(1958, 8, 8), 51)
    household = register(members=[member("李老汉", "head", born=dt.date(1958, 8, 8), seq=51)])
    person = household.members.get()
    case = admit(username="dongkou_station", id_number=number, name="李老汉", estimated_age=None)
    assert case.registry_checked_at is not None
    assert case.registry_home_region.code == "430524100200" or case.registry_home_region.code.startswith("430524")
    assert case.registry_tier == ""  # no decision in force for the household yet
    reads = AuditLog.objects.filter(action="read", person_id=person.pk, actor=persona("dongkou_station"))
    assert reads.get().detail["purpose"] == "rescue_admission"
    assert AuditLog.objects.filter(action="disclosure", actor=persona("dongkou_station")).count() == 1
    event = events(RescueEvent.REGISTRY_CHECKED, case).get()
    assert set(event.payload) == {"station", "found", "tier"} and event.payload["found"] is True


def test_the_registry_lookup_is_not_asked_without_an_id_number(admit):
    case = admit()
    assert case.registry_checked_at is None and not events(RescueEvent.REGISTRY_CHECKED).exists()


def test_refusal_of_assistance_needs_a_written_reason(persona):
    actor = persona("longhui_station")
    refused(lambda: s.case_refuse(actor=actor, sex="M", estimated_age=40, reason=""), field="reason")
    case = s.case_refuse(actor=actor, sex="M", estimated_age=40, reason="拒不提供个人情况，经告知后仍拒绝")
    assert case.status == CaseStatus.REFUSED and case.refusal_reason.startswith("拒不提供")
    assert events(RescueEvent.ASSISTANCE_REFUSED, case).count() == 1 and changes(case) == 1
    refused(lambda: s.care_log_add(actor=actor, case=case, health="良好"), code="refused")


# ---- care ---------------------------------------------------------------------------------------------------

def test_care_log_one_a_day_not_in_the_future_audited_with_an_event(admit, persona):
    case = admit()
    actor = persona("longhui_station")
    log = s.care_log_add(actor=actor, case=case, health="良好", meals="三餐正常")
    assert log.day == s.today() and changes(log) == 1
    assert events(RescueEvent.CARE_LOGGED, case).count() == 1
    refused(lambda: s.care_log_add(actor=actor, case=case, health="良好"), field="day")
    refused(lambda: s.care_log_add(actor=actor, case=case, health="良好",
                                   day=s.today() + dt.timedelta(days=1)), field="day")
    refused(lambda: s.care_log_add(actor=actor, case=case, health=""), field="health")
    assert CareLog.objects.count() == 1


def test_another_station_cannot_write_on_the_record(admit, persona):
    case = admit()
    with pytest.raises(Http404):
        s.care_log_add(actor=persona("dongkou_station"), case=case, health="良好")
    with pytest.raises(Http404):
        s.hospital_transfer(actor=persona("dongkou_station"), case=case, institution="洞口县人民医院", reason="发热")
    assert not CareLog.objects.exists() and not Placement.objects.exists()


def test_the_regional_centre_above_may_write_on_its_stations_records(admit, persona):
    case = admit()
    s.care_log_add(actor=persona("shaoyang_regional"), case=case, health="下沉协助：情况稳定")
    assert case.care_logs.count() == 1


@pytest.mark.parametrize("call", [
    lambda c, a: s.care_log_add(actor=a, case=c, health="良好"),
    lambda c, a: s.hospital_transfer(actor=a, case=c, institution="医院", reason="发热"),
    lambda c, a: s.foster_place(actor=a, case=c, institution="福利院", agreement_number="T1", reason="长期"),
    lambda c, a: s.extension_request(actor=a, case=c, days=5, reason="等待亲属"),
    lambda c, a: s.case_discharge(actor=a, case=c, kind="escorted_return", destination="河南周口"),
    lambda c, a: s.incident_report(actor=a, case=c, kind="injury", text="摔伤"),
])
def test_every_write_needs_the_rescue_capability(admit, persona, call):
    case = admit()
    with pytest.raises(PermissionDenied):
        call(case, persona("longhui_officer"))
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_STATION and Event.objects.count() == 1  # the admission only


# ---- hospital and foster ---------------------------------------------------------------------------------------

def test_hospital_transfer_and_return(admit, persona):
    case = admit()
    actor = persona("longhui_station")
    placement = s.hospital_transfer(actor=actor, case=case, institution="隆回县人民医院", reason="高烧不退")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_HOSPITAL and placement.ended_on is None
    refused(lambda: s.hospital_transfer(actor=actor, case=case, institution="另一医院", reason="x"), code="refused")
    refused(lambda: s.foster_place(actor=actor, case=case, institution="福利院", agreement_number="T1",
                                   reason="x"), code="refused")
    s.placement_end(actor=actor, case=case, note="治愈出院")
    case.refresh_from_db()
    placement.refresh_from_db()
    assert case.status == CaseStatus.IN_STATION and placement.ended_on == s.today()
    refused(lambda: s.placement_end(actor=actor, case=case, note="x"), code="refused")
    assert events(RescueEvent.PLACEMENT_STARTED, case).count() == 1
    assert events(RescueEvent.PLACEMENT_ENDED, case).count() == 1
    assert changes(case) == 3  # admitted, to hospital, back


def test_foster_placement_needs_the_agreement_and_takes_supervision_visits(admit, persona):
    case = admit()
    actor = persona("longhui_station")
    refused(lambda: s.foster_place(actor=actor, case=case, institution="隆回县福利院", agreement_number="",
                                   reason="长期滞留"), field="agreement_number")
    refused(lambda: s.supervision_visit_add(actor=actor, case=case, findings="良好"), code="refused")
    s.foster_place(actor=actor, case=case, institution="隆回县福利院", agreement_number="隆托〔2026〕3号",
                   reason="站内床位不足")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_FOSTER
    visit = s.supervision_visit_add(actor=actor, case=case, findings="居住整洁，饮食正常", concerns=False)
    assert visit.placement.institution == "隆回县福利院"
    assert events(RescueEvent.SUPERVISION_VISITED, case).count() == 1 and changes(visit) == 1


# ---- the rescue period ------------------------------------------------------------------------------------------

def test_extension_is_decided_by_the_manager_not_the_worker(admit, persona):
    case = admit()
    ext = s.extension_request(actor=persona("longhui_station"), case=case, days=15, reason="等待亲属来站接领")
    refused(lambda: s.extension_request(actor=persona("longhui_station"), case=case, days=5, reason="再延"),
            code="refused")
    with pytest.raises(PermissionDenied):
        s.extension_decide(actor=persona("longhui_station"), extension=ext, approve=True)
    s.extension_decide(actor=persona("longhui_stationmgr"), extension=ext, approve=True, note="同意")
    case.refresh_from_db()
    assert case.extended_until == case.period_end + dt.timedelta(days=15)
    refused(lambda: s.extension_decide(actor=persona("longhui_stationmgr"), extension=ext, approve=False,
                                       note="x"), code="refused")
    assert events(RescueEvent.EXTENSION_DECIDED, case).get().payload["approved"] is True
    assert changes(ext) == 2


def test_extension_out_of_scope_is_404_and_the_regional_centre_above_may_refuse_it(admit, persona):
    case = admit()
    ext = s.extension_request(actor=persona("longhui_station"), case=case, days=10, reason="等待身份核查")
    with pytest.raises(Http404):
        s.extension_decide(actor=persona("dongkou_stationmgr"), extension=ext, approve=True)
    refused(lambda: s.extension_decide(actor=persona("shaoyang_regional"), extension=ext, approve=False),
            field="note")
    s.extension_decide(actor=persona("shaoyang_regional"), extension=ext, approve=False, note="请先联系户籍地")
    ext.refresh_from_db()
    case.refresh_from_db()
    assert ext.status == ExtensionStatus.REJECTED and case.extended_until is None


def test_extension_days_are_bounded(admit, persona):
    case = admit()
    refused(lambda: s.extension_request(actor=persona("longhui_station"), case=case, days=0, reason="x"),
            field="days")
    refused(lambda: s.extension_request(actor=persona("longhui_station"), case=case, days=91, reason="x"),
            field="days")


def test_long_stay_after_ten_days_unidentified_only_and_idempotent(admit, shift_admission):
    old = shift_admission(admit(name="", estimated_age=50), 11)
    exactly_ten = shift_admission(admit(name="", estimated_age=50), 10)
    identified = shift_admission(admit(id_number=make_id_number("430524", dt.date(1970, 1, 1), 61),
                                       estimated_age=None), 30)
    assert s.long_stay_sweep() == 1
    old.refresh_from_db()
    exactly_ten.refresh_from_db()
    identified.refresh_from_db()
    assert old.long_stay and old.long_stay_since == s.today()
    assert not exactly_ten.long_stay and not identified.long_stay
    assert s.long_stay_sweep() == 0
    assert events(RescueEvent.LONG_STAY_MARKED).count() == 1
    assert events(RescueEvent.LONG_STAY_MARKED).get().subject_id == str(old.pk)


def test_long_stay_leaves_discharged_clients_alone(admit, shift_admission, persona):
    case = admit(name="", estimated_age=50)
    s.case_discharge(actor=persona("longhui_station"), case=case, kind="escorted_return", destination="河南周口")
    shift_admission(case, 20)
    assert s.long_stay_sweep() == 0


def test_the_periodic_task_runs_the_sweep(admit, shift_admission):
    from jiuzhu.rescue.tasks import rescue_long_stay_sweep

    shift_admission(admit(name="", estimated_age=50), 12)
    assert rescue_long_stay_sweep.call() == {"marked": 1}
    assert rescue_long_stay_sweep.call() == {"marked": 0}


# ---- discharge ------------------------------------------------------------------------------------------------

def test_escorted_return_discharges_with_client_discharged_and_cross_province(admit, persona):
    case = admit()
    d = s.case_discharge(actor=persona("longhui_station"), case=case, kind="escorted_return",
                         destination="河南省周口市川汇区救助管理站", cross_province=True, belongings_returned=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.DISCHARGED and case.discharged_on == s.today()
    assert d.cross_province and d.belongings_returned
    event = events(RescueEvent.CLIENT_DISCHARGED, case).get()
    assert event.payload["discharge"] == "escorted_return" and event.payload["cross_province"] is True
    refused(lambda: s.case_discharge(actor=persona("longhui_station"), case=case, kind="self_leave",
                                     declaration_signed=True), code="refused")
    assert Discharge.objects.count() == 1 and changes(case) == 2


def test_self_leave_is_refused_for_a_minor_and_for_mental_signs_and_needs_the_declaration(admit, persona):
    actor = persona("longhui_station")
    minor = admit(estimated_age=15)
    refused(lambda: s.case_discharge(actor=actor, case=minor, kind="self_leave", declaration_signed=True),
            code="refused")
    ill = admit(groups=["is_mentally_ill"])
    refused(lambda: s.case_discharge(actor=actor, case=ill, kind="self_leave", declaration_signed=True),
            code="refused")
    adult = admit(estimated_age=16)
    refused(lambda: s.case_discharge(actor=actor, case=adult, kind="self_leave"), field="declaration_signed")
    s.case_discharge(actor=actor, case=adult, kind="self_leave", declaration_signed=True)
    minor.refresh_from_db()
    ill.refresh_from_db()
    assert minor.status == ill.status == CaseStatus.IN_STATION
    assert not events(RescueEvent.CLIENT_DISCHARGED, minor).exists()


def test_termination_needs_its_reason_and_is_refused_for_who_cannot_leave_alone(admit, persona):
    actor = persona("longhui_station")
    for case in (admit(estimated_age=15), admit(groups=["is_intellectually_disabled"])):
        refused(lambda c=case: s.case_discharge(actor=actor, case=c, kind="terminated", note="故意提供虚假个人情况"),
                code="refused")
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_STATION
    adult = admit(estimated_age=40)
    refused(lambda: s.case_discharge(actor=actor, case=adult, kind="terminated"), field="note")
    discharge = s.case_discharge(actor=actor, case=adult, kind="terminated", note="故意提供虚假个人情况，经核实属实")
    adult.refresh_from_db()
    assert adult.status == CaseStatus.DISCHARGED and discharge.kind == "terminated"
    assert events(RescueEvent.CLIENT_DISCHARGED, adult).get().summary.startswith("离站：终止救助")


def test_discharge_with_an_open_hospital_placement_is_refused_except_death_or_leaving(admit, persona):
    actor = persona("longhui_station")
    case = admit(hospital="隆回县人民医院", check_illness=True)
    refused(lambda: s.case_discharge(actor=actor, case=case, kind="escorted_return", destination="河南周口"),
            code="refused")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_HOSPITAL
    s.case_discharge(actor=actor, case=case, kind="left_without_formalities", note="夜间自行离开医院，已报警")
    assert case.placements.get().ended_on == s.today()


def test_death_discharge_opens_an_incident_for_the_level_above(admit, persona):
    from jiuzhu.rescue.cases_selectors import incident_search

    case = admit(hospital="隆回县人民医院", check_illness=True)
    refused(lambda: s.case_discharge(actor=persona("longhui_station"), case=case, kind="death"), field="note")
    s.case_discharge(actor=persona("longhui_station"), case=case, kind="death", note="经抢救无效死亡")
    incident = Incident.objects.get()
    assert incident.kind == "death" and incident.case == case and incident.is_open
    assert list(incident_search(actor=persona("shaoyang_regional"))) == [incident]


def test_relatives_collected_checks_the_collector_id_and_keeps_it_encrypted(admit, persona):
    actor = persona("longhui_station")
    case = admit()
    base = {"actor": actor, "case": case, "kind": "relatives_collected", "destination": "河南省周口市",
            "collector_name": "王小山", "collector_relation": "儿子"}
    refused(lambda: s.case_discharge(**base), field="collector_id_number")
    refused(lambda: s.case_discharge(**base, collector_id_number="411602197504021234"), field="collector_id_number")
    refused(lambda: s.case_discharge(**base, collector_id_number=COLLECTOR_ID), field="collector_id_checked")
    d = s.case_discharge(**base, collector_id_number=COLLECTOR_ID, collector_id_checked=True)
    assert d.collector_id_checked and COLLECTOR_ID not in str(Discharge.objects.filter(pk=d.pk).values().get())


def test_travel_ticket_no_cash_short_fare_at_most_20_yuan_signed_and_not_for_a_child(admit, persona):
    actor = persona("longhui_station")
    case = admit()
    base = {"actor": actor, "case": case, "kind": "travel_ticket", "destination": "邵阳市"}
    refused(lambda: s.case_discharge(**base), field="ticket_number")
    refused(lambda: s.case_discharge(**base, short_fare="25"), field="short_fare")
    refused(lambda: s.case_discharge(**base, short_fare="18"), field="fare_receipt_signed")
    child = admit(estimated_age=12)
    refused(lambda: s.case_discharge(actor=actor, case=child, kind="travel_ticket", destination="邵阳市",
                                     ticket_number="G1234"), code="refused")
    d = s.case_discharge(**base, short_fare="18", fare_receipt_signed=True)
    assert str(d.short_fare) == "18.00" and d.fare_receipt_signed


def test_transfer_and_settlement_name_the_institution_and_close_a_foster_placement(admit, persona):
    actor = persona("longhui_station")
    case = admit()
    s.foster_place(actor=actor, case=case, institution="隆回县福利院", agreement_number="T9", reason="长期滞留")
    refused(lambda: s.case_discharge(actor=actor, case=case, kind="transfer_institution"), field="institution")
    s.case_discharge(actor=actor, case=case, kind="transfer_institution", institution="隆回县社会福利院（特困供养）")
    assert case.placements.get().ended_on == s.today()


def test_discharge_out_of_scope_is_404(admit, persona):
    case = admit()
    with pytest.raises(Http404):
        s.case_discharge(actor=persona("dongkou_station"), case=case, kind="escorted_return", destination="x")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_STATION


# ---- incidents ---------------------------------------------------------------------------------------------------

def test_incident_is_seen_at_once_by_the_manager_and_the_regional_centre_not_the_other_station(admit, persona):
    from jiuzhu.rescue.cases_selectors import incident_search

    case = admit()
    incident = s.incident_report(actor=persona("longhui_station"), case=case, kind="absconding",
                                 text="晚饭后未归，已报警并调取监控", place="站内院落")
    assert list(incident_search(actor=persona("longhui_stationmgr"))) == [incident]
    assert list(incident_search(actor=persona("shaoyang_regional"))) == [incident]
    assert list(incident_search(actor=persona("dongkou_stationmgr"))) == []
    assert Event.objects.filter(kind=RescueEvent.INCIDENT_REPORTED, subject_type="rescue.incident").count() == 1
    assert events(RescueEvent.INCIDENT_REPORTED, case).count() == 1
    assert incident.entries.get().kind == "report" and changes(incident) == 1


def test_incident_actions_and_closure_by_an_approver_only(admit, persona):
    incident = s.incident_report(actor=persona("longhui_station"), kind="outbreak", text="3 名受助人员发热")
    assert incident.station.name == "隆回县救助管理站" and incident.case is None
    s.incident_add_action(actor=persona("shaoyang_regional"), incident=incident, text="已派员下沉协助消杀")
    with pytest.raises(PermissionDenied):
        s.incident_close(actor=persona("longhui_station"), incident=incident, text="结束")
    with pytest.raises(Http404):
        s.incident_close(actor=persona("dongkou_stationmgr"), incident=incident, text="结束")
    s.incident_close(actor=persona("longhui_stationmgr"), incident=incident, text="已痊愈，结案")
    incident.refresh_from_db()
    assert not incident.is_open and [e.kind for e in incident.entries.all()] == ["report", "action", "closure"]
    refused(lambda: s.incident_add_action(actor=persona("longhui_station"), incident=incident, text="x"),
            code="refused")
    assert Event.objects.filter(kind=RescueEvent.INCIDENT_CLOSED).count() == 1


def test_the_registry_lookup_answers_the_tier_in_force(admit, register):
    from jiuzhu.registry.models import DecisionStatus, TierDecision

    number = make_id_number("430524", dt.date(1950, 3, 3), 71)
    household = register(members=[member("赵老汉", "head", born=dt.date(1950, 3, 3), seq=71)])
    TierDecision.objects.create(household=household, assessed_on=s.today(), recommended_tier="tekun", tier="tekun",
                                status=DecisionStatus.CONFIRMED, valid_from=s.today() - dt.timedelta(days=30))
    case = admit(id_number=number, estimated_age=None)
    assert case.registry_tier == "tekun"
    assert events(RescueEvent.REGISTRY_CHECKED, case).get().summary == "查询低收入人口库：在库（特困人员）"


def test_only_a_station_admits(admit, persona):
    from jiuzhu.core.models import Organization

    user = persona("longhui_station")
    user.organization = Organization.objects.get(name="隆回县民政局")
    user.save()
    refused(lambda: admit(), code="refused")


# ---- identity --------------------------------------------------------------------------------------------------

def test_identity_is_not_written_onto_a_record_discharged_while_the_registry_was_asked(admit, persona,
                                                                                        monkeypatch):
    # The registry is asked between two transactions: a discharge landing then must win, not be overwritten.
    actor = persona("longhui_station")
    case = admit(name="", estimated_age=50)
    asked = s._registry_answer

    def discharge_meanwhile(who, number):
        s.case_discharge(actor=actor, case=case, kind="escorted_return", destination="河南省周口市")
        return asked(who, number)
    monkeypatch.setattr(s, "_registry_answer", discharge_meanwhile)
    refused(lambda: s.case_identity_confirm(actor=actor, case=case, id_number=COLLECTOR_ID), code="refused")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISCHARGED and not case.identity_confirmed and case.id_number_hash == ""


def test_a_closed_record_is_refused_before_the_registry_is_asked(admit, persona, monkeypatch):
    # Asking the registry is audited and counted against the daily cap: not for a record that cannot change.
    actor = persona("longhui_station")
    case = admit(name="", estimated_age=50)
    s.case_discharge(actor=actor, case=case, kind="escorted_return", destination="河南省周口市")

    def must_not_ask(who, number):
        raise AssertionError("the registry was asked for a discharged record")
    monkeypatch.setattr(s, "_registry_answer", must_not_ask)
    refused(lambda: s.case_identity_confirm(actor=actor, case=case, id_number=COLLECTOR_ID), code="refused")


def test_the_name_look_up_checks_the_record_before_and_after_asking(admit, persona, monkeypatch):
    # Before: a closed record is not asked about (audited, counted). After: a discharge landing meanwhile wins.
    from jiuzhu.registry import selectors as registry_selectors

    actor = persona("longhui_station")
    asked = registry_selectors.low_income_lookup
    closed = admit(name="", estimated_age=50)
    s.case_discharge(actor=actor, case=closed, kind="escorted_return", destination="河南省周口市")

    def must_not_ask(**kwargs):
        raise AssertionError("the registry was asked for a discharged record")
    monkeypatch.setattr(registry_selectors, "low_income_lookup", must_not_ask)
    refused(lambda: s.case_registry_check(actor=actor, case=closed, name="张三", birth_date=dt.date(1970, 1, 1)),
            code="refused")

    staying = admit(name="", estimated_age=50)

    def discharge_meanwhile(**kwargs):
        s.case_discharge(actor=actor, case=staying, kind="escorted_return", destination="河南省周口市")
        return asked(**kwargs)
    monkeypatch.setattr(registry_selectors, "low_income_lookup", discharge_meanwhile)
    refused(lambda: s.case_registry_check(actor=actor, case=staying, name="张三", birth_date=dt.date(1970, 1, 1)),
            code="refused")
    staying.refresh_from_db()
    assert staying.registry_checked_at is None
    assert not events(RescueEvent.REGISTRY_CHECKED, staying).exists()


def test_identity_confirmed_ends_long_stay_and_asks_the_registry_again(admit, shift_admission, persona):
    case = shift_admission(admit(name="", estimated_age=50), 11)
    s.long_stay_sweep()
    number = make_id_number("430524", dt.date(1975, 9, 9), 81)
    refused(lambda: s.case_identity_confirm(actor=persona("longhui_station"), case=case, id_number="123"),
            field="id_number")
    with pytest.raises(Http404):
        s.case_identity_confirm(actor=persona("dongkou_station"), case=case, id_number=number)
    s.case_identity_confirm(actor=persona("longhui_station"), case=case, id_number=number, name="周小平")
    case.refresh_from_db()
    assert case.identity_confirmed and not case.long_stay and case.name == "周小平"
    assert case.birth_date == dt.date(1975, 9, 9) and case.estimated_age is None
    assert number not in str(RescueCase.objects.filter(pk=case.pk).values().get())
    assert events(RescueEvent.CLIENT_IDENTIFIED, case).get().payload["was_long_stay"] is True
    assert events(RescueEvent.REGISTRY_CHECKED, case).count() == 1
    assert s.long_stay_sweep() == 0
    refused(lambda: s.case_identity_confirm(actor=persona("longhui_station"), case=case, id_number=number),
            code="refused")


# ---- every write's guards at once: capability, scope, status ---------------------------------------------------

WRITES = {
    "care": lambda c, a: s.care_log_add(actor=a, case=c, health="良好"),
    "hospital": lambda c, a: s.hospital_transfer(actor=a, case=c, institution="医院", reason="发热"),
    "foster": lambda c, a: s.foster_place(actor=a, case=c, institution="福利院", agreement_number="T1",
                                          reason="长期"),
    "return": lambda c, a: s.placement_end(actor=a, case=c, note="出院"),
    "visit": lambda c, a: s.supervision_visit_add(actor=a, case=c, findings="良好"),
    "extension": lambda c, a: s.extension_request(actor=a, case=c, days=5, reason="等待亲属"),
    "discharge": lambda c, a: s.case_discharge(actor=a, case=c, kind="escorted_return", destination="河南周口"),
    "incident": lambda c, a: s.incident_report(actor=a, case=c, kind="injury", text="摔伤"),
    "identify": lambda c, a: s.case_identity_confirm(actor=a, case=c, id_number=COLLECTOR_ID),
    "escalate": lambda c, a: s.case_escalate(actor=a, case=c, kind="medical", reason="重病"),
    "settle": lambda c, a: s.settlement_apply(actor=a, case=c, note="寻亲无果"),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_each_write_needs_the_capability(admit, persona, name):
    case = admit()
    with pytest.raises(PermissionDenied):
        WRITES[name](case, persona("longhui_officer"))
    assert Event.objects.count() == 1 and AuditLog.objects.filter(action__in=["create", "update"]).count() == 1


@pytest.mark.parametrize("name", list(WRITES))
def test_each_write_on_another_stations_record_is_404(admit, persona, name):
    case = admit()
    with pytest.raises(Http404):
        WRITES[name](case, persona("dongkou_station"))
    assert Event.objects.count() == 1 and AuditLog.objects.filter(action__in=["create", "update"]).count() == 1


@pytest.mark.parametrize("name", [n for n in WRITES if n != "incident"])  # an incident may follow a discharge
def test_each_write_on_a_discharged_record_is_refused(admit, persona, name):
    case = admit()
    s.case_discharge(actor=persona("longhui_station"), case=case, kind="escorted_return", destination="周口")
    before = Event.objects.count()
    refused(lambda: WRITES[name](case, persona("longhui_station")), code="refused")
    assert Event.objects.count() == before


def test_refusal_and_incident_writes_need_the_capability_and_scope(admit, persona):
    with pytest.raises(PermissionDenied):
        s.case_refuse(actor=persona("longhui_officer"), sex="M", estimated_age=40, reason="拒绝提供情况")
    incident = s.incident_report(actor=persona("longhui_station"), kind="outbreak", text="发热")
    with pytest.raises(PermissionDenied):
        s.incident_add_action(actor=persona("longhui_officer"), incident=incident, text="x")
    with pytest.raises(Http404):
        s.incident_add_action(actor=persona("dongkou_station"), incident=incident, text="x")
    assert incident.entries.count() == 1


def test_mental_signs_at_the_check_flag_the_client_and_self_leave_is_refused(admit, persona):
    case = admit(check_mental=True, check_note="自言自语，答非所问")
    assert case.is_mentally_ill
    refused(lambda: s.case_discharge(actor=persona("longhui_station"), case=case, kind="self_leave",
                                     declaration_signed=True), code="refused")


def test_an_incident_about_a_client_is_on_the_clients_timeline_to_its_closure(admit, persona):
    case = admit()
    incident = s.incident_report(actor=persona("longhui_station"), case=case, kind="injury", text="摔伤右臂")
    s.incident_add_action(actor=persona("longhui_station"), incident=incident, text="已送医包扎")
    s.incident_close(actor=persona("longhui_stationmgr"), incident=incident, text="伤情稳定，结案")
    kinds = [e.kind for e in Event.objects.filter(subject_type="rescue.rescuecase", subject_id=str(case.pk))
             .order_by("id")]
    assert kinds[-3:] == [RescueEvent.INCIDENT_REPORTED, RescueEvent.INCIDENT_UPDATED, RescueEvent.INCIDENT_CLOSED]


def test_registry_check_by_name_and_birth_date_answers_tier_and_region_only(admit, register, persona):
    household = register(members=[member("李老汉", "head", born=dt.date(1958, 8, 8), seq=51)])
    person = household.members.get()
    case = admit(name="李老汉", estimated_age=68)
    actor = persona("longhui_station")
    with pytest.raises(PermissionDenied):
        s.case_registry_check(actor=persona("longhui_officer"), case=case, name="李老汉",
                              birth_date=dt.date(1958, 8, 8))
    refused(lambda: s.case_registry_check(actor=actor, case=case, name="李老汉", birth_date=None),
            field="birth_date")
    s.case_registry_check(actor=actor, case=case, name="李老汉", birth_date=dt.date(1958, 8, 8))
    case.refresh_from_db()
    assert case.registry_home_region.code.startswith("430524") and case.registry_checked_at
    assert case.name == "李老汉" and not case.identity_confirmed  # the registry's answer names no one
    read = AuditLog.objects.get(action="read", person_id=person.pk, actor=actor)
    assert read.detail["purpose"] == "rescue_lookup"
    assert events(RescueEvent.REGISTRY_CHECKED, case).get().payload == {"station": case.station_id, "found": True,
                                                                         "tier": ""}


def test_registry_check_with_two_matches_stores_nothing(admit, register, persona):
    register(members=[member("王二", "head", born=dt.date(1960, 1, 1), seq=11)])
    register(village="430524101200", members=[member("王二", "head", born=dt.date(1960, 1, 1), seq=13)])
    case = admit(name="王二", estimated_age=66)
    refused(lambda: s.case_registry_check(actor=persona("longhui_station"), case=case, name="王二",
                                          birth_date=dt.date(1960, 1, 1)), field="name")
    case.refresh_from_db()
    assert case.registry_checked_at is None and not events(RescueEvent.REGISTRY_CHECKED, case).exists()
