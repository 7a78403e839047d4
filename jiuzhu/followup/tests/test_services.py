"""Follow-up's services and handlers: the ledger made from rescue's discharge (once, whatever the deliveries), the
home and its feedback round trip (in the system and by letter), the schedule at the default and a custom rule,
overdue visits across month ends, the hand-over to intake exactly once, the at-risk registry with the county's
check and the automatic suggestions, the repeat-admission alert; each guard (capability, scope, status)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import deliver
from jiuzhu.core.models import AuditLog, Event, Region, RegionSetting
from jiuzhu.followup import selectors, services
from jiuzhu.followup import settings_catalog as sc
from jiuzhu.followup.events import FollowupEvent
from jiuzhu.followup.models import (
    AtRiskPerson,
    AtRiskSource,
    AtRiskStatus,
    FeedbackMode,
    FollowupVisit,
    HomeSource,
    RepeatAlert,
    ReturneeEntry,
    VisitStatus,
)
from jiuzhu.followup.tests.conftest import DONGKOU, DONGKOU_VILLAGE, FAR_COUNTY, id_in
from jiuzhu.intake.models import Application, Channel
from jiuzhu.rescue.events import RescueEvent

pytestmark = pytest.mark.django_db


# ---- The ledger -----------------------------------------------------------------------------------------------

def test_a_discharge_home_makes_one_entry_with_its_home_office_and_schedule(returnee, persona):
    entry = returnee()
    assert entry.home_region.code == DONGKOU and entry.home_source == HomeSource.ID_NUMBER
    assert entry.home_office.name == "洞口县救助管理站"  # the home county's station uses the platform
    assert entry.feedback_mode == FeedbackMode.SYSTEM and entry.feedback_sent_at is not None
    assert entry.id_number_hash and "4305" not in entry.id_number_cipher  # never plain
    visits = list(entry.visits.order_by("sequence"))
    assert [v.sequence for v in visits] == [1, 2, 3, 4, 5, 6]  # every 2 months for 12 months (the default)
    assert visits[0].due_on == services.add_months(entry.discharged_on, 2)
    assert visits[-1].due_on == services.add_months(entry.discharged_on, 12)
    assert all(v.region.code == DONGKOU for v in visits)


def test_a_redelivered_discharge_event_creates_nothing(returnee):
    entry = returnee()
    event = Event.objects.get(kind=RescueEvent.CLIENT_DISCHARGED, subject_id=str(entry.case_id))
    assert deliver(event) == 0  # the outbox: already delivered to this handler
    assert services.returnee_from_discharge_event(event) == entry  # the handler itself, called again
    assert ReturneeEntry.objects.count() == 1 and FollowupVisit.objects.count() == 6
    assert Event.objects.filter(kind=FollowupEvent.RETURNEE_ENTERED).count() == 1


@pytest.mark.parametrize("kind", ["relatives_collected", "travel_ticket"])
def test_other_discharges_home_make_entries(admit, send_home, kind):
    case = admit()
    extra = {"collector_name": "刘大河", "collector_relation": "兄", "collector_id_number": id_in(DONGKOU, 55),
             "collector_id_checked": True} if kind == "relatives_collected" else {"ticket_number": "G1234-08"}
    send_home(case, kind=kind, **extra)
    assert ReturneeEntry.objects.get(case=case).discharge_kind == kind


def test_a_self_leave_is_not_a_return_home(admit, send_home):
    case = admit()
    send_home(case, kind="self_leave", declaration_signed=True)
    assert not ReturneeEntry.objects.exists()


def test_the_home_from_the_hukou_text_when_no_id_number(returnee):
    entry = returnee(id_number="", hukou_text="湖南省邵阳市洞口县黄桥镇")
    assert entry.home_region.code == DONGKOU and entry.home_source == HomeSource.HUKOU


def test_an_unknown_home_waits_for_a_person_then_the_schedule_follows(returnee, persona):
    entry = returnee(id_number="", hukou_text="", name="", estimated_age=50)
    assert entry.home_region is None and entry.feedback_mode == FeedbackMode.PENDING
    assert not entry.visits.exists()
    with pytest.raises(DomainError):
        services.returnee_set_home(actor=persona("longhui_station"), entry=entry,
                                   region=Region.objects.get(code="430000"))  # a province is not a home
    services.returnee_set_home(actor=persona("longhui_station"), entry=entry,
                               region=Region.objects.get(code=DONGKOU_VILLAGE))
    entry.refresh_from_db()
    assert entry.home_source == HomeSource.MANUAL and entry.home_office.name == "洞口县救助管理站"
    assert entry.visits.count() == 6 and {v.region.code for v in entry.visits.all()} == {DONGKOU_VILLAGE}


def test_system_feedback_round_trip_by_the_home_office(returnee, persona):
    entry = returnee()
    with pytest.raises(DomainError):  # the sending station does not confirm for the home office
        services.returnee_confirm_receipt(actor=persona("longhui_station"), entry=entry)
    with pytest.raises(DomainError):  # status: receipt first
        services.returnee_confirm_arrival(actor=persona("dongkou_station"), entry=entry, arrived_on=None)
    services.returnee_confirm_receipt(actor=persona("dongkou_station"), entry=entry)
    with pytest.raises(DomainError):
        services.returnee_confirm_receipt(actor=persona("dongkou_station"), entry=entry)
    services.returnee_confirm_arrival(actor=persona("dongkou_officer"), entry=entry, arrived_on=None, note="已到家")
    entry.refresh_from_db()
    assert entry.receipt_confirmed_at and entry.arrived_on == services.today()
    kinds = set(Event.objects.filter(subject_id=str(entry.pk), subject_type="followup.returneeentry")
                .values_list("kind", flat=True))
    assert {FollowupEvent.FEEDBACK_SENT, FollowupEvent.RECEIPT_CONFIRMED, FollowupEvent.ARRIVAL_CONFIRMED} <= kinds


def test_letter_feedback_round_trip_by_the_station(returnee, persona):
    entry = returnee(id_number=id_in(FAR_COUNTY))
    assert entry.home_region.code == FAR_COUNTY and entry.home_office is None
    assert entry.feedback_mode == FeedbackMode.LETTER and entry.feedback_sent_at is None
    with pytest.raises(DomainError):  # not sent yet
        services.returnee_confirm_receipt(actor=persona("longhui_station"), entry=entry)
    with pytest.raises(Http404):  # another county's station does not see it
        services.returnee_letter_sent(actor=persona("dongkou_station"), entry=entry)
    services.returnee_letter_sent(actor=persona("longhui_station"), entry=entry)
    with pytest.raises(DomainError):
        services.returnee_letter_sent(actor=persona("longhui_station"), entry=entry)
    services.returnee_confirm_receipt(actor=persona("longhui_station"), entry=entry)  # the reply, recorded
    services.returnee_confirm_arrival(actor=persona("longhui_station"), entry=entry, arrived_on=None)
    entry.refresh_from_db()
    assert entry.arrived_on is not None


def test_the_ledger_needs_the_capability_and_the_scope(returnee, persona):
    entry = returnee()
    with pytest.raises(PermissionDenied):
        services.returnee_confirm_receipt(actor=persona("dongkou_analyst"), entry=entry)
    with pytest.raises(Http404):
        services.returnee_confirm_receipt(actor=persona("longhui_coordinator"), entry=entry)
    assert not selectors.entries_in_scope(persona("longhui_coordinator")).exists()
    assert selectors.entries_in_scope(persona("longhui_station")).count() == 1  # the sending station
    assert selectors.entries_in_scope(persona("dongkou_officer")).count() == 1  # the home county
    selectors.entry_get(actor=persona("dongkou_officer"), entry_id=entry.pk)
    assert AuditLog.objects.filter(action="read", object_type="followup.returneeentry",
                                   object_id=str(entry.pk)).exists()


# ---- The schedule ---------------------------------------------------------------------------------------------

def test_month_ends_are_kept_in_the_schedule():
    assert services.visit_dates(dt.date(2025, 12, 31), 2, 12) == [
        dt.date(2026, 2, 28), dt.date(2026, 4, 30), dt.date(2026, 6, 30), dt.date(2026, 8, 31),
        dt.date(2026, 10, 31), dt.date(2026, 12, 31)]
    assert services.add_months(dt.date(2023, 12, 31), 2) == dt.date(2024, 2, 29)
    assert services.visit_dates(dt.date(2026, 1, 15), 5, 12) == [
        dt.date(2026, 6, 15), dt.date(2026, 11, 15), dt.date(2027, 4, 15)]  # at least every 5, at least 12


def test_a_custom_rule_of_the_home_region(admit, send_home, world):
    """重庆's twice a year, set for 洞口县 from a date: the schedule of a return after it follows it."""
    county = Region.objects.get(code=DONGKOU)
    RegionSetting.objects.create(key=sc.INTERVAL_KEY, region=county, effective_from=dt.date(2020, 1, 1), value="6")
    RegionSetting.objects.create(key=sc.PERIOD_KEY, region=county, effective_from=dt.date(2020, 1, 1), value="24")
    case = admit()
    send_home(case)
    entry = ReturneeEntry.objects.get(case=case)
    assert [v.due_on for v in entry.visits.order_by("sequence")] == [
        services.add_months(entry.discharged_on, m) for m in (6, 12, 18, 24)]


def test_a_rule_not_yet_in_force_is_not_used(admit, send_home, world):
    county = Region.objects.get(code=DONGKOU)
    RegionSetting.objects.create(key=sc.INTERVAL_KEY, region=county,
                                 effective_from=services.today() + dt.timedelta(days=30), value="6")
    case = admit()
    send_home(case)
    assert ReturneeEntry.objects.get(case=case).visits.count() == 6


def test_overdue_visits_are_flagged_once_across_a_month_end(returnee):
    entry = returnee()
    first = entry.visits.get(sequence=1)
    FollowupVisit.objects.filter(pk=first.pk).update(due_on=dt.date(2026, 2, 28))
    FollowupVisit.objects.exclude(pk=first.pk).update(due_on=dt.date(2026, 4, 30))
    assert services.overdue_sweep(on=dt.date(2026, 2, 28)) == 0  # due today: not overdue
    assert services.overdue_sweep(on=dt.date(2026, 3, 1)) == 1
    assert services.overdue_sweep(on=dt.date(2026, 3, 2)) == 0  # idempotent
    assert Event.objects.filter(kind=FollowupEvent.VISIT_OVERDUE, subject_id=str(first.pk)).count() == 1
    assert services.overdue_sweep(on=dt.date(2026, 5, 1)) == 5


# ---- Visits and the hand-over ---------------------------------------------------------------------------------

@pytest.fixture
def village_visit(returnee, persona, village):
    entry = returnee()
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    return entry.visits.get(sequence=1)


def _record(persona, visit, username="dongkou_coordinator", hardship="income"):
    return services.visit_record(actor=persona(username), visit=visit, visited_on=None, method="home_visit",
                                 findings="母亲年迈，家中无劳动力，无稳定收入", hardship=hardship)


def test_a_visit_is_recorded_once_by_its_village(village_visit, persona):
    with pytest.raises(Http404):  # another county's village
        _record(persona, village_visit, "longhui_coordinator")
    with pytest.raises(Http404):  # the sending station reads the visits but does not record them
        _record(persona, village_visit, "longhui_station")
    with pytest.raises(PermissionDenied):
        _record(persona, village_visit, "dongkou_analyst")
    with pytest.raises(DomainError) as err:
        services.visit_record(actor=persona("dongkou_coordinator"), visit=village_visit, visited_on=None,
                              method="letter", findings="x")
    assert err.value.field == "method"
    visit = _record(persona, village_visit)
    assert visit.status == VisitStatus.DONE and visit.hardship == "income"
    with pytest.raises(DomainError):
        _record(persona, village_visit)


def test_hardship_is_handed_over_to_intake_exactly_once(village_visit, persona):
    visit = _record(persona, village_visit)
    coordinator = persona("dongkou_coordinator")
    done = services.visit_handover(actor=coordinator, visit=visit, items=["dibao", "temporary"])
    application = done.application
    assert application.channel == Channel.DISCOVERY and application.source_ref == f"followup:visit:{visit.pk}"
    assert application.region.code == DONGKOU_VILLAGE and "无稳定收入" in application.circumstances
    assert application.applicant_id_hash == visit.entry.id_number_hash
    assert sorted(application.items.values_list("item", flat=True)) == ["dibao", "temporary"]
    with pytest.raises(DomainError):
        services.visit_handover(actor=coordinator, visit=visit, items=["dibao"])
    assert Application.objects.count() == 1
    assert Event.objects.filter(kind=FollowupEvent.VISIT_HANDED_OVER).count() == 1


def test_no_hand_over_without_hardship_or_out_of_scope(village_visit, persona):
    visit = _record(persona, village_visit, hardship="")
    with pytest.raises(DomainError):
        services.visit_handover(actor=persona("dongkou_coordinator"), visit=visit, items=["dibao"])
    with pytest.raises(Http404):
        services.visit_handover(actor=persona("longhui_coordinator"), visit=visit, items=["dibao"])
    with pytest.raises(PermissionDenied):  # the analyst holds neither capability
        services.visit_handover(actor=persona("dongkou_analyst"), visit=visit, items=["dibao"])
    assert not Application.objects.exists()


def test_hardship_becomes_a_monitoring_lead_exactly_once(village_visit, persona):
    from jiuzhu.core.models import AuditLog
    from jiuzhu.monitoring.lead_services import LEAD_INDICATOR
    from jiuzhu.monitoring.models import Warning
    from jiuzhu.monitoring.warning_selectors import warnings_in_scope

    visit = _record(persona, village_visit)
    coordinator = persona("dongkou_coordinator")
    done = services.visit_to_lead(actor=coordinator, visit=visit)
    warning = done.warning
    assert warning.indicator.code == LEAD_INDICATOR and warning.status == "open" and warning.region.code == \
        DONGKOU_VILLAGE
    assert warning.subject_name == "刘小河" and warning.subject_id_hash == visit.entry.id_number_hash
    assert "无稳定收入" in warning.evidence["发现的情况"] and warning.due_date > services.today()
    assert warning in warnings_in_scope(persona("dongkou_officer"))  # the county's officers dispose of it
    assert AuditLog.objects.filter(action="create", object_type="monitoring.warning",
                                   object_id=str(warning.pk)).exists()
    with pytest.raises(DomainError, match="已转为监测线索"):
        services.visit_to_lead(actor=coordinator, visit=visit)
    with pytest.raises(DomainError, match="已转为监测线索"):  # one hand-over per visit
        services.visit_handover(actor=coordinator, visit=visit, items=["dibao"])
    assert Warning.objects.count() == 1 and not Application.objects.exists()


def test_no_lead_without_hardship_out_of_scope_or_after_an_application(village_visit, persona):
    from jiuzhu.monitoring.models import Warning

    visit = _record(persona, village_visit, hardship="")
    with pytest.raises(DomainError, match="只有发现困难"):
        services.visit_to_lead(actor=persona("dongkou_coordinator"), visit=visit)
    with pytest.raises(Http404):
        services.visit_to_lead(actor=persona("longhui_coordinator"), visit=visit)
    with pytest.raises(PermissionDenied):
        services.visit_to_lead(actor=persona("dongkou_analyst"), visit=visit)
    FollowupVisit.objects.filter(pk=visit.pk).update(hardship="income")
    visit.refresh_from_db()
    services.visit_handover(actor=persona("dongkou_coordinator"), visit=visit, items=["dibao"])
    with pytest.raises(DomainError, match="已转入救助申请"):
        services.visit_to_lead(actor=persona("dongkou_coordinator"), visit=visit)
    assert not Warning.objects.exists()


def test_a_lead_needs_the_warning_capability_and_the_area(persona, village):
    from jiuzhu.core.models import Region
    from jiuzhu.monitoring.lead_services import lead_raise

    with pytest.raises(PermissionDenied):  # a station worker follows up but does not handle warnings
        lead_raise(actor=persona("longhui_station"), region=village, subject_name="甲", findings="困难",
                   source="回访", source_ref="test:1")
    with pytest.raises(DomainError, match="管辖范围"):
        lead_raise(actor=persona("dongkou_coordinator"), region=Region.objects.get(code="430524"),
                   subject_name="甲", findings="困难", source="回访", source_ref="test:2")
    first = lead_raise(actor=persona("dongkou_coordinator"), region=village, subject_name="甲", findings="困难",
                       source="回访", source_ref="test:3")
    assert lead_raise(actor=persona("dongkou_officer"), region=village, subject_name="甲", findings="困难",
                      source="回访", source_ref="test:3") == first
    from jiuzhu.monitoring.models import Warning

    Warning.objects.filter(pk=first.pk).update(status="closed")  # disposed of: the source does not raise it again
    assert lead_raise(actor=persona("dongkou_officer"), region=village, subject_name="甲", findings="困难",
                      source="回访", source_ref="test:3") == first
    assert Warning.objects.count() == 1


# ---- The at-risk registry ------------------------------------------------------------------------------------

def _enter(persona, village, username="dongkou_coordinator", **extra):
    data = {"region": village, "name": "陈阿婆", "sex": "F", "id_number": id_in(DONGKOU, 62, dt.date(1942, 1, 9)),
            "conditions": ["dementia", "lonely_elderly"], "guardian": "", "address": "", "note": "", **extra}
    return services.at_risk_enter(actor=persona(username), **data)


def test_the_village_enters_the_county_returns_and_lists(persona, village):
    person = _enter(persona, village)
    assert person.status == AtRiskStatus.SUBMITTED and person.conditions == ["dementia", "lonely_elderly"]
    with pytest.raises(DomainError):  # once per person
        _enter(persona, village)
    with pytest.raises(DomainError):  # the village does not check its own entries
        services.at_risk_check(actor=persona("dongkou_coordinator"), person=person, approve=True)
    with pytest.raises(Http404):
        services.at_risk_check(actor=persona("longhui_officer"), person=person, approve=True)
    with pytest.raises(DomainError):  # a return says why
        services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=False, reason="")
    services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=False, reason="缺监护人联系方式")
    person.refresh_from_db()
    assert person.status == AtRiskStatus.RETURNED
    with pytest.raises(DomainError):  # status: only a submitted entry is checked
        services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=True)
    services.at_risk_resubmit(actor=persona("dongkou_coordinator"), person=person,
                              conditions=["dementia", "lonely_elderly"], guardian="陈大军 13900001111",
                              address="3组")
    services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=True)
    person.refresh_from_db()
    assert person.status == AtRiskStatus.LISTED and person.checked_by == persona("dongkou_officer")


def test_village_entry_guards(persona, village):
    with pytest.raises(DomainError):  # another county's village
        _enter(persona, village, "longhui_coordinator")
    with pytest.raises(PermissionDenied):
        _enter(persona, village, "dongkou_analyst")
    with pytest.raises(DomainError) as err:
        _enter(persona, village, conditions=[])
    assert err.value.field == "conditions"


def test_a_returnee_with_a_condition_is_suggested(returnee):
    entry = returnee(groups=["is_mentally_ill"])
    person = AtRiskPerson.objects.get(entry=entry)
    assert person.status == AtRiskStatus.SUGGESTED and person.source == AtRiskSource.RETURNEE
    assert person.conditions == ["mental"] and person.region.code == DONGKOU


def test_two_rescues_in_twelve_months_are_suggested(admit, send_home):
    first = admit(id_number=id_in(FAR_COUNTY, 77))
    send_home(first, kind="self_leave", declaration_signed=True)  # not home: no ledger entry
    assert not AtRiskPerson.objects.exists()
    admit(id_number=id_in(FAR_COUNTY, 77))
    person = AtRiskPerson.objects.get()
    assert person.source == AtRiskSource.REPEAT and person.conditions == ["repeat"]
    assert person.region.code == FAR_COUNTY


def test_a_rescue_more_than_twelve_months_before_is_not_a_repeat(admit, send_home):
    from jiuzhu.rescue.models import RescueCase

    first = admit(id_number=id_in(FAR_COUNTY, 78))
    send_home(first, kind="self_leave", declaration_signed=True)
    RescueCase.objects.filter(pk=first.pk).update(
        admitted_on=services.today() - dt.timedelta(days=services.REPEAT_WINDOW_DAYS + 1))
    admit(id_number=id_in(FAR_COUNTY, 78))
    assert not AtRiskPerson.objects.exists()


# ---- Repeat detection ----------------------------------------------------------------------------------------

def test_a_returnee_admitted_again_alerts_the_home_office_once(returnee, admit, persona):
    entry = returnee()
    again = admit(username="dongkou_station", id_number=id_in(DONGKOU))
    alert = RepeatAlert.objects.get(case=again)
    assert alert.entry == entry and alert.home_region.code == DONGKOU
    event = Event.objects.get(kind=RescueEvent.CLIENT_ADMITTED, subject_id=str(again.pk))
    assert deliver(event) == 0 and services.repeat_from_admission_event(event) == alert
    assert RepeatAlert.objects.count() == 1
    assert selectors.alerts_in_scope(persona("dongkou_officer")).count() == 1
    assert not selectors.alerts_in_scope(persona("longhui_coordinator")).exists()
    services.alert_mark_seen(actor=persona("dongkou_officer"), alert=alert)
    with pytest.raises(DomainError):
        services.alert_mark_seen(actor=persona("dongkou_officer"), alert=alert)


def test_a_listed_person_admitted_alerts_their_village(persona, village, admit):
    person = _enter(persona, village)
    services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=True)
    case = admit(name="陈阿婆", sex="F", id_number=id_in(DONGKOU, 62, dt.date(1942, 1, 9)))
    alert = RepeatAlert.objects.get(case=case)
    assert alert.at_risk == person and alert.home_region == village
    assert selectors.alerts_in_scope(persona("dongkou_coordinator")).count() == 1


def test_a_stranger_admitted_raises_nothing(admit):
    admit(id_number=id_in(FAR_COUNTY, 99))
    admit(id_number="", name="", estimated_age=40)
    assert not RepeatAlert.objects.exists()


def test_a_poverty_relapse_subject_is_flagged_for_the_rural_revitalisation_office(admit, send_home, persona):
    from jiuzhu.rescue.models import RescueCase

    case = admit()
    RescueCase.objects.filter(pk=case.pk).update(registry_tier="relapse_watch")  # the registry's answer
    send_home(case)
    entry = ReturneeEntry.objects.get(case=case)
    assert entry.relapse_watch
    assert list(selectors.entry_search(actor=persona("dongkou_officer"), show="relapse")) == [entry]


@pytest.fixture
def relapse_entry(admit, send_home):
    """A 防止返贫监测对象 of 洞口县 (the registry's answer at the station) escorted home."""
    from jiuzhu.rescue.models import RescueCase

    def make(**extra):
        case = admit(**extra)
        RescueCase.objects.filter(pk=case.pk).update(registry_tier="relapse_watch")
        send_home(case)
        return ReturneeEntry.objects.get(case=case)
    return make


def test_the_rural_revitalisation_office_on_the_platform_is_notified_and_receives(relapse_entry, persona):
    entry = relapse_entry()
    rural = persona("dongkou_rural")
    assert entry.relapse_office == rural.organization and entry.relapse_notice_mode == "system"
    assert Event.objects.filter(kind=FollowupEvent.RELAPSE_NOTIFIED, subject_id=str(entry.pk)).count() == 1
    assert [e.pk for e in selectors.relapse_inbox(actor=rural)] == [entry.pk]
    assert AuditLog.objects.filter(action="read", object_type=selectors.ENTRY_OBJECT_TYPE, object_id=str(entry.pk),
                                   detail__purpose="relapse_inbox", actor=rural).exists()
    with pytest.raises(Http404):  # another department of the same county: nothing of the ledger
        services.relapse_notice_receive(actor=persona("dongkou_clerk"), entry=entry)
    with pytest.raises(Http404):  # the same office of the other county
        services.relapse_notice_receive(actor=persona("longhui_rural"), entry=entry)
    assert selectors.relapse_inbox(actor=persona("dongkou_clerk")) == []
    services.relapse_notice_receive(actor=rural, entry=entry)
    entry.refresh_from_db()
    assert entry.relapse_received_by == rural and entry.relapse_received_at is not None
    assert selectors.relapse_inbox(actor=rural) == []  # waiting: none left
    with pytest.raises(DomainError, match="已确认接收"):
        services.relapse_notice_receive(actor=rural, entry=entry)
    assert AuditLog.objects.filter(action="update", object_type=selectors.ENTRY_OBJECT_TYPE,
                                   object_id=str(entry.pk), actor=rural).exists()
    # the home county's entry does not re-notify when the home is made more precise
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry,
                               region=Region.objects.get(code=DONGKOU_VILLAGE))
    assert Event.objects.filter(kind=FollowupEvent.RELAPSE_NOTIFIED, subject_id=str(entry.pk)).count() == 1


def test_the_rural_revitalisation_inbox_needs_the_capability(relapse_entry, persona):
    relapse_entry()
    with pytest.raises(PermissionDenied):
        selectors.relapse_inbox(actor=persona("dongkou_analyst"))


def test_an_office_off_the_platform_is_notified_outside_it_and_recorded_once(relapse_entry, returnee, persona):
    from jiuzhu.core.models import Organization

    Organization.objects.filter(department="rural_revitalization", region__code=DONGKOU).update(
        department="charity", name="洞口县慈善总会（乡振改）")
    entry = relapse_entry()
    assert entry.relapse_office is None and entry.relapse_notified_at is None
    with pytest.raises(DomainError, match="不是防止返贫监测对象"):
        services.relapse_notice_sent(actor=persona("longhui_station"), entry=returnee(id_number=id_in(DONGKOU, 77)))
    services.relapse_notice_sent(actor=persona("longhui_station"), entry=entry)
    entry.refresh_from_db()
    assert entry.relapse_notice_mode == "letter" and entry.relapse_notified_at is not None
    with pytest.raises(DomainError, match="已通报"):
        services.relapse_notice_sent(actor=persona("dongkou_officer"), entry=entry)
    with pytest.raises(Http404):  # out of scope
        services.relapse_notice_sent(actor=persona("longhui_coordinator"), entry=entry)


def test_no_offline_notice_when_the_office_uses_the_platform(relapse_entry, persona):
    entry = relapse_entry()
    ReturneeEntry.objects.filter(pk=entry.pk).update(relapse_notified_at=None)
    with pytest.raises(DomainError, match="已在系统内通报"):
        services.relapse_notice_sent(actor=persona("longhui_station"), entry=entry)


def test_a_listed_person_is_visited_by_the_rule_and_handed_over(persona, village):
    person = _enter(persona, village)
    assert not person.visits.exists()  # not before the county lists it
    services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=True)
    visits = list(person.visits.order_by("sequence"))
    assert [v.due_on for v in visits] == [services.add_months(services.today(), m) for m in (2, 4, 6, 8, 10, 12)]
    assert {v.region for v in visits} == {village}
    visit = _record(persona, visits[0], hardship="health")
    done = services.visit_handover(actor=persona("dongkou_coordinator"), visit=visit, items=["medical"])
    assert done.application.applicant_id_hash == person.id_number_hash
    assert "易流浪走失人员回访发现" in done.application.circumstances


def test_a_suggested_returnee_listed_is_not_visited_twice(returnee, persona):
    entry = returnee(groups=["is_mentally_ill"])
    person = AtRiskPerson.objects.get(entry=entry)
    services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=True)
    assert not person.visits.exists() and entry.visits.count() == 6


def test_making_the_home_precise_moves_the_visits_and_sends_nothing_again(returnee, persona, village):
    entry = returnee()
    sent_at = entry.feedback_sent_at
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    entry.refresh_from_db()
    assert entry.feedback_sent_at == sent_at and entry.home_region == village
    assert Event.objects.filter(kind=FollowupEvent.FEEDBACK_SENT, subject_id=str(entry.pk)).count() == 1
    assert {v.region_id for v in entry.visits.all()} == {village.pk} and entry.visits.count() == 6
