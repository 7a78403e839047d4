"""A confirmed match opens rescue's 待办离站 through the event outbox (MATCH_CONFIRMED → the handler → rescue's
discharge_plan_open): relatives' collection with the family contact, on the case page and the station's work list;
a second delivery changes nothing; a client already gone gets none; the discharge closes it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.events import deliver
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event, EventDelivery
from jiuzhu.core.worklist import work_items
from jiuzhu.familysearch import review_services as svc
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import MatchCandidate
from jiuzhu.rescue.cases_services import case_discharge, discharge_plan_open
from jiuzhu.rescue.events import RescueEvent
from jiuzhu.rescue.models import DischargeKind, DischargePlan, DischargePlanStatus

pytestmark = pytest.mark.django_db
HANDLER = "jiuzhu.familysearch.review_services.discharge_from_confirmation_event"
LI_ID = make_id_number("430524", dt.date(1958, 3, 9), 31)


@pytest.fixture
def confirmed(admit, file_report, persona, django_capture_on_commit_callbacks):
    report = file_report("dongkou_station", region_code="430525", id_number=LI_ID)
    case = admit(name="李长林", estimated_age=66)
    candidate = MatchCandidate.objects.get(case=case, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate)
    return case, report, candidate


def test_confirmation_opens_a_pending_relatives_collection_once(confirmed, persona):
    case, _report, candidate = confirmed
    plan = DischargePlan.objects.get(case=case)
    assert plan.status == DischargePlanStatus.PENDING and plan.kind == DischargeKind.RELATIVES_COLLECTED
    assert (plan.contact_name, plan.contact_relation, plan.contact_phone_last4) == ("李梅", "女儿", "1234")
    assert decrypt_text(plan.contact_phone_cipher) == "13800001234"
    assert plan.source == f"familysearch.matchcandidate:{candidate.pk}" and plan.opened_by == persona("longhui_station")
    event = Event.objects.get(kind=FamilySearchEvent.MATCH_CONFIRMED, subject_id=str(candidate.pk))
    assert EventDelivery.objects.filter(event=event, handler=HANDLER).count() == 1
    assert Event.objects.filter(kind=RescueEvent.DISCHARGE_PLANNED, subject_id=str(case.pk)).count() == 1
    assert AuditLog.objects.filter(object_type="rescue.dischargeplan", object_id=str(plan.pk)).exists()
    # a second delivery (the row of the first lost) and the handler called again change nothing
    EventDelivery.objects.filter(event=event).delete()
    deliver(event)
    assert svc.discharge_from_confirmation_event(event) == plan
    assert DischargePlan.objects.count() == 1
    assert Event.objects.filter(kind=RescueEvent.DISCHARGE_PLANNED).count() == 1
    # the station's work list and the case page show it (the phone masked)
    line = next(wi for wi in work_items(persona("longhui_station")) if wi.label.startswith("待办离站"))
    assert line.count == 1 and line.url.endswith("?show=discharge_planned")
    assert next(wi for wi in work_items(persona("dongkou_station")) if wi.label.startswith("待办离站")).count == 0


def test_the_case_page_shows_the_plan_and_the_discharge_closes_it(confirmed, client_for, persona):
    case, _report, _candidate = confirmed
    page = client_for("longhui_station").get(f"/rescue/cases/{case.pk}/").content.decode()
    assert 'id="discharge-plan"' in page and "拟亲属接领" in page and "*******1234" in page
    assert "13800001234" not in page
    case_discharge(actor=persona("longhui_station"), case=case, kind=DischargeKind.RELATIVES_COLLECTED,
                   destination="隆回县", collector_name="李梅", collector_relation="女儿",
                   collector_id_number=make_id_number("430524", dt.date(1985, 1, 2), 22), collector_id_checked=True)
    assert DischargePlan.objects.get(case=case).status == DischargePlanStatus.DONE


def test_no_plan_for_a_client_already_gone_and_the_service_guards(admit, persona):
    case = admit(name="王五", estimated_age=50)
    args = {"case": case, "kind": DischargeKind.RELATIVES_COLLECTED, "reason": "测试", "source": "t:1"}
    with pytest.raises(PermissionDenied):
        discharge_plan_open(actor=persona("longhui_officer"), **args)
    with pytest.raises(Http404):
        discharge_plan_open(actor=persona("dongkou_station"), **args)
    case_discharge(actor=persona("longhui_station"), case=case, kind=DischargeKind.ESCORTED_RETURN,
                   destination="邵阳县")
    assert discharge_plan_open(actor=persona("longhui_station"), **args) is None
    assert not DischargePlan.objects.exists()
