"""Each guard of the follow-up services, one refusal per guard (capability, scope, status, who may confirm), so
that removing any of them fails a test here or in test_services.py."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region
from jiuzhu.followup import selectors, services
from jiuzhu.followup.models import FeedbackMode, RepeatAlert, ReturneeEntry
from jiuzhu.followup.tests.conftest import DONGKOU, DONGKOU_VILLAGE, id_in

pytestmark = pytest.mark.django_db


def test_setting_the_home_is_guarded(returnee, persona):
    entry = returnee()
    village = Region.objects.get(code=DONGKOU_VILLAGE)
    with pytest.raises(PermissionDenied):
        services.returnee_set_home(actor=persona("dongkou_analyst"), entry=entry, region=village)
    with pytest.raises(Http404):
        services.returnee_set_home(actor=persona("longhui_coordinator"), entry=entry, region=village)
    services.returnee_confirm_receipt(actor=persona("dongkou_officer"), entry=entry)
    services.returnee_confirm_arrival(actor=persona("dongkou_officer"), entry=entry, arrived_on=None)
    with pytest.raises(DomainError):  # once home, only the home area makes it precise
        services.returnee_set_home(actor=persona("longhui_station"), entry=entry, region=village)
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)


def test_only_the_home_office_confirms_arrival_in_the_system(returnee, persona):
    entry = returnee()
    services.returnee_confirm_receipt(actor=persona("dongkou_station"), entry=entry)
    with pytest.raises(DomainError):
        services.returnee_confirm_arrival(actor=persona("longhui_station"), entry=entry, arrived_on=None)
    with pytest.raises(PermissionDenied):
        services.returnee_confirm_arrival(actor=persona("dongkou_analyst"), entry=entry, arrived_on=None)
    with pytest.raises(DomainError) as err:  # before the discharge
        services.returnee_confirm_arrival(actor=persona("dongkou_station"), entry=entry,
                                          arrived_on=entry.discharged_on - dt.timedelta(days=1))
    assert err.value.field == "arrived_on"
    services.returnee_confirm_arrival(actor=persona("dongkou_station"), entry=entry, arrived_on=None)
    with pytest.raises(DomainError):
        services.returnee_confirm_arrival(actor=persona("dongkou_station"), entry=entry, arrived_on=None)


def test_the_letter_is_the_sending_stations(returnee, persona):
    entry = returnee()
    with pytest.raises(DomainError):  # the home office uses the platform: no letter
        services.returnee_letter_sent(actor=persona("longhui_station"), entry=entry)
    ReturneeEntry.objects.filter(pk=entry.pk).update(feedback_mode=FeedbackMode.LETTER, feedback_sent_at=None)
    with pytest.raises(DomainError):  # the home side sees the entry but does not post the letter
        services.returnee_letter_sent(actor=persona("dongkou_officer"), entry=entry)
    with pytest.raises(PermissionDenied):
        services.returnee_letter_sent(actor=persona("longhui_analyst"), entry=entry)
    services.returnee_letter_sent(actor=persona("longhui_station"), entry=entry)


def test_no_letter_before_the_home_is_known(returnee, persona):
    entry = returnee(id_number="", hukou_text="", name="", estimated_age=50)
    assert entry.feedback_mode == FeedbackMode.PENDING and entry.feedback_sent_at is None
    with pytest.raises(DomainError, match="不需寄送书面函件"):
        services.returnee_letter_sent(actor=persona("longhui_station"), entry=entry)


def test_a_visit_date_and_photo_are_checked(returnee, persona, village):
    entry = returnee()
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    visit = entry.visits.get(sequence=1)
    record = {"actor": persona("dongkou_coordinator"), "visit": visit, "method": "phone_call", "findings": "情况稳定"}
    with pytest.raises(DomainError) as err:
        services.visit_record(**record, visited_on=services.today() + dt.timedelta(days=1))
    assert err.value.field == "visited_on"
    with pytest.raises(DomainError) as err:
        services.visit_record(**record, visited_on=entry.discharged_on - dt.timedelta(days=1))
    assert err.value.field == "visited_on"
    with pytest.raises(DomainError) as err:
        services.visit_record(**record, visited_on=None, photo=b"%PDF-1.4 not a photo")
    assert err.value.field == "photo"
    with pytest.raises(DomainError) as err:
        services.visit_record(**record, visited_on=None, hardship="debt")
    assert err.value.field == "hardship"


def test_the_hand_over_needs_the_intake_capability(returnee, persona, village):
    from django.contrib.auth.models import Group, Permission

    entry = returnee()
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    visit = services.visit_record(actor=persona("dongkou_coordinator"), visit=entry.visits.get(sequence=1),
                                  visited_on=None, method="home_visit", findings="无收入", hardship="income")
    group = Group.objects.get(name="coordinator")
    group.permissions.remove(Permission.objects.get(content_type__app_label="core", codename="intake"))
    with pytest.raises(PermissionDenied):
        services.visit_handover(actor=persona("dongkou_coordinator"), visit=visit, items=["dibao"])


def test_a_hand_over_without_an_id_number_is_refused(returnee, persona, village):
    entry = returnee(id_number="", hukou_text="湖南省邵阳市洞口县")
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    visit = services.visit_record(actor=persona("dongkou_coordinator"), visit=entry.visits.get(sequence=1),
                                  visited_on=None, method="home_visit", findings="无收入", hardship="income")
    with pytest.raises(DomainError):
        services.visit_handover(actor=persona("dongkou_coordinator"), visit=visit, items=["dibao"])


def test_a_hand_over_needs_a_township_or_village(returnee, persona):
    entry = returnee()  # home: the county (from the ID number)
    visit = services.visit_record(actor=persona("dongkou_officer"), visit=entry.visits.get(sequence=1),
                                  visited_on=None, method="phone_call", findings="无收入", hardship="income")
    with pytest.raises(DomainError) as err:
        services.visit_handover(actor=persona("dongkou_officer"), visit=visit, items=["dibao"])
    assert err.value.field == "region"


def test_resubmitting_is_guarded(persona, village):
    person = services.at_risk_enter(actor=persona("dongkou_coordinator"), region=village, name="陈阿婆", sex="F",
                                    id_number=id_in(DONGKOU, 62, dt.date(1942, 1, 9)), conditions=["dementia"])
    again = {"conditions": ["dementia"], "guardian": "陈大军", "address": "3组"}
    with pytest.raises(DomainError):  # not returned
        services.at_risk_resubmit(actor=persona("dongkou_coordinator"), person=person, **again)
    services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=False, reason="缺监护人")
    with pytest.raises(Http404):
        services.at_risk_resubmit(actor=persona("longhui_coordinator"), person=person, **again)
    with pytest.raises(PermissionDenied):
        services.at_risk_resubmit(actor=persona("dongkou_analyst"), person=person, **again)
    with pytest.raises(PermissionDenied):
        services.at_risk_check(actor=persona("dongkou_analyst"), person=person, approve=True)
    services.at_risk_resubmit(actor=persona("dongkou_coordinator"), person=person, **again)


def test_an_alert_is_read_in_scope(returnee, admit, persona):
    returnee()
    admit(username="dongkou_station", id_number=id_in(DONGKOU))
    alert = RepeatAlert.objects.get()
    with pytest.raises(PermissionDenied):
        services.alert_mark_seen(actor=persona("dongkou_analyst"), alert=alert)
    with pytest.raises(Http404):
        services.alert_mark_seen(actor=persona("longhui_coordinator"), alert=alert)


def test_the_counts_for_the_reports(returnee, persona):
    entry = returnee()
    services.returnee_confirm_receipt(actor=persona("dongkou_station"), entry=entry)
    figures = selectors.counts(actor=persona("dongkou_officer"))
    assert figures["entries"] == 1 and figures["feedback_sent"] == 1 and figures["arrived"] == 0
    assert selectors.counts(actor=persona("longhui_coordinator"))["entries"] == 0
    assert selectors.counts(actor=persona("dongkou_analyst"))["entries"] == 1  # the statistics, no persons
    with pytest.raises(PermissionDenied):  # a department's clerk neither follows up nor makes the statistics
        selectors.counts(actor=persona("dongkou_clerk"))


# ---- Guards that other guards or the callee's capability hid (found by removing each guard by hand) -------------

def test_a_hand_over_needs_the_followup_capability_itself(returnee, persona, village):
    """The county's approver holds INTAKE and HANDLE_WARNINGS (which application_create and lead_raise check) but
    does not follow up: neither hand-over is theirs."""
    entry = returnee()
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    visit = services.visit_record(actor=persona("dongkou_coordinator"), visit=entry.visits.get(sequence=1),
                                  visited_on=None, method="home_visit", findings="无收入", hardship="income")
    with pytest.raises(PermissionDenied):
        services.visit_handover(actor=persona("dongkou_approver"), visit=visit, items=["dibao"])
    with pytest.raises(PermissionDenied):
        services.visit_to_lead(actor=persona("dongkou_approver"), visit=visit)
    visit.refresh_from_db()
    assert visit.application_id is None and visit.warning_id is None


def test_the_offline_relapse_notice_needs_the_capability(relapse_entry_off_platform, persona):
    with pytest.raises(PermissionDenied):  # the analyst of the home county sees the area but does not follow up
        services.relapse_notice_sent(actor=persona("dongkou_analyst"), entry=relapse_entry_off_platform)


@pytest.fixture
def relapse_entry_off_platform(admit, send_home):
    from jiuzhu.core.models import Organization
    from jiuzhu.rescue.models import RescueCase

    Organization.objects.filter(department="rural_revitalization", region__code=DONGKOU).update(department="charity")
    case = admit()
    RescueCase.objects.filter(pk=case.pk).update(registry_tier="relapse_watch")
    send_home(case)
    return ReturneeEntry.objects.get(case=case)


def test_an_at_risk_entry_names_a_village_and_a_sex(persona, village):
    data = {"name": "陈阿婆", "id_number": id_in(DONGKOU, 62, dt.date(1942, 1, 9)), "conditions": ["dementia"]}
    with pytest.raises(DomainError, match="请选择居住的村") as err:  # the township (in the officer's county) is
        services.at_risk_enter(actor=persona("dongkou_officer"), region=village.parent, sex="F", **data)  # no home
    assert err.value.field == "region"
    with pytest.raises(DomainError) as err:
        services.at_risk_enter(actor=persona("dongkou_coordinator"), region=village, sex="X", **data)
    assert err.value.field == "sex"


def test_a_suggestion_without_conditions_is_not_listed(returnee, persona):
    from jiuzhu.followup.models import AtRiskPerson, AtRiskStatus

    entry = returnee(groups=["is_mentally_ill"])
    person = AtRiskPerson.objects.get(entry=entry)
    AtRiskPerson.objects.filter(pk=person.pk).update(conditions=[])
    with pytest.raises(DomainError, match="未填写易流浪走失情形"):
        services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=True)
    person.refresh_from_db()
    assert person.status == AtRiskStatus.SUGGESTED


def test_a_returnee_without_an_id_number_is_suggested_once_and_only_when_named(returnee, persona, village):
    from jiuzhu.followup.models import AtRiskPerson

    entry = returnee(id_number="", hukou_text="湖南省邵阳市洞口县", groups=["is_mentally_ill"])
    assert AtRiskPerson.objects.filter(entry=entry).count() == 1
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)  # the home again
    assert AtRiskPerson.objects.filter(entry=entry).count() == 1
    unnamed = returnee(id_number="", hukou_text="湖南省邵阳市洞口县", name="", estimated_age=40,
                       groups=["is_mentally_ill"])
    assert not AtRiskPerson.objects.filter(entry=unnamed).exists()  # the registry names its people


def test_an_arrival_is_not_in_the_future(returnee, persona):
    entry = returnee()
    services.returnee_confirm_receipt(actor=persona("dongkou_station"), entry=entry)
    with pytest.raises(DomainError) as err:
        services.returnee_confirm_arrival(actor=persona("dongkou_station"), entry=entry,
                                          arrived_on=services.today() + dt.timedelta(days=1))
    assert err.value.field == "arrived_on"
