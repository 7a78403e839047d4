"""application_create: the one write every channel uses."""

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Event, Region
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import Application, ApplicationStatus, Channel
from jiuzhu.intake.services import QUERY_CODE_ALPHABET, today

pytestmark = pytest.mark.django_db


def test_window_application_is_accepted_with_items_materials_and_deadlines(take_application):
    app = take_application(received_materials={"temporary": ["申请人居民身份证、户口簿"]})
    assert app.status == ApplicationStatus.MATERIALS_PENDING
    assert len(app.query_code) == 10 and set(app.query_code) <= set(QUERY_CODE_ALPHABET)
    items = {i.item: i for i in app.items.all()}
    assert set(items) == {"temporary", "medical"}
    assert items["temporary"].due_date == add_working_days(today(), 10)
    assert items["medical"].department == "medical_insurance"
    assert app.due_date == add_working_days(today(), 20)
    received = {m.name for m in items["temporary"].materials.filter(received=True)}
    assert received == {"申请人居民身份证、户口簿"}
    event = Event.objects.get(kind=IntakeEvent.APPLICATION_RECEIVED)
    assert event.subject_id == str(app.pk) and "临时救助" in event.summary


def test_all_materials_received_goes_straight_to_in_progress(take_application):
    from jiuzhu.intake.catalog import ITEM_BY_CODE

    app = take_application(items=["funeral"], received_materials={"funeral": list(ITEM_BY_CODE["funeral"].materials)})
    assert app.status == ApplicationStatus.IN_PROGRESS


@pytest.mark.parametrize("change, field", [
    ({"items": ["no_such_item"]}, "items"),
    ({"items": []}, "items"),
    ({"applicant_id_number": "430524196803091234"}, "applicant_id_number"),
    ({"applicant_name": " "}, "applicant_name"),
    ({"circumstances": ""}, "circumstances"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(take_application, change, field):
    with pytest.raises(DomainError) as caught:
        take_application(**change)
    assert caught.value.field == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)
    assert not Application.objects.exists() and not Event.objects.filter(kind__startswith="intake.").exists()


def test_out_of_scope_region_is_refused(take_application):
    with pytest.raises(DomainError) as caught:
        take_application(region=Region.objects.get(code="430525100200"))
    assert caught.value.field == "region"


def test_without_capability_is_refused(take_application):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        take_application(username="longhui_analyst")


def test_online_application_waits_for_a_window(take_application):
    app = take_application(username=None, channel=Channel.ONLINE)
    assert app.status == ApplicationStatus.SUBMITTED and app.first_officer is None and app.accepted_at is None
