"""The hotline handler end to end: intake's hotline service logs a street-sighting call, its event is delivered
after the commit, and the rescue app's handler makes the sighting with the caller as its reporter (name and phone,
for a call-back), once per call; a call without a caller's name or phone, and an event written before the caller
travelled in the payload, still make their sighting."""

import pytest

from jiuzhu.core.events import deliver, handler_table
from jiuzhu.core.models import Event, Region
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.hotline_services import hotline_call_log
from jiuzhu.intake.models import CallOutcome
from jiuzhu.rescue.models import ReporterKind, Sighting, SightingStatus

pytestmark = pytest.mark.django_db
VILLAGE_A = "430524100200"  # 桃洪镇's first village, in 隆回县 (the 隆回 station's jurisdiction)


@pytest.fixture
def call_in(persona, stations, django_capture_on_commit_callbacks):
    """Logs a street-sighting call at 隆回's window; the handlers run after the commit, as in production."""
    def make(**extra):
        data = {"caller_name": "李先生", "caller_phone": "13800001111", "summary": "一位老人衣着单薄，在车站过夜",
                "sighting_place": "桃洪镇汽车站候车厅", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return hotline_call_log(actor=persona("longhui_window"), region=Region.objects.get(code=VILLAGE_A),
                                    outcome=CallOutcome.SIGHTING, **data)
    return make


def test_the_caller_becomes_the_sightings_reporter(call_in, persona, stations):
    call = call_in()
    sighting = Sighting.objects.get(source_ref=f"call:{call.pk}")
    assert (sighting.reporter_kind, sighting.reporter_name, sighting.reporter_phone) == (
        ReporterKind.HOTLINE, "李先生", "13800001111")
    assert sighting.reported_by == persona("longhui_window")  # the operator who took the call recorded it
    assert (sighting.place, sighting.description) == ("桃洪镇汽车站候车厅", "一位老人衣着单薄，在车站过夜")
    assert sighting.station == stations["longhui"] and sighting.status == SightingStatus.DISPATCHED
    event = Event.objects.get(kind=IntakeEvent.STREET_SIGHTING_REPORTED, subject_id=str(call.pk))
    assert deliver(event) == 0 and Sighting.objects.count() == 1  # redelivered: the same sighting, unchanged


def test_an_anonymous_caller_leaves_the_reporter_blank(call_in):
    call = call_in(caller_name="", caller_phone="")
    sighting = Sighting.objects.get(source_ref=f"call:{call.pk}")
    assert (sighting.reporter_name, sighting.reporter_phone) == ("", "")
    assert sighting.place == "桃洪镇汽车站候车厅"


def test_an_event_without_the_caller_still_makes_its_sighting(persona, stations):
    """Events written before the caller travelled in the payload (the outbox may deliver them late)."""
    with handler_table({}):  # delivered by hand below
        call = hotline_call_log(actor=persona("longhui_window"), region=Region.objects.get(code=VILLAGE_A),
                                caller_name="王先生", caller_phone="13700001234", summary="桥洞下有人",
                                outcome=CallOutcome.SIGHTING, sighting_place="资江桥桥洞")
    event = Event.objects.get(kind=IntakeEvent.STREET_SIGHTING_REPORTED, subject_id=str(call.pk))
    event.payload = {k: v for k, v in event.payload.items() if k not in ("caller_name", "caller_phone")}
    event.save(update_fields=["payload"])
    assert deliver(event) == 1
    sighting = Sighting.objects.get(source_ref=f"call:{call.pk}")
    assert (sighting.place, sighting.reporter_name, sighting.reporter_phone) == ("资江桥桥洞", "", "")
