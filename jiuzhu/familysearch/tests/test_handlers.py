"""The handler of rescue's CLIENT_ADMITTED: a client admitted with a photo is enrolled and searched once; a photo
without a face keeps the admission and records the failure for the station to retake."""

import pytest

from jiuzhu.core.events import deliver
from jiuzhu.core.models import Event, EventDelivery
from jiuzhu.familysearch import services
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import FacePhoto, FaceSearchLog, FaceSource, FaceStatus
from jiuzhu.rescue.events import RescueEvent
from jiuzhu.rescue.models import CaseStatus

from .conftest import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "fast_faces")]
HANDLER = "jiuzhu.familysearch.services.face_from_admission_event"


def admission_event(case) -> Event:
    return Event.objects.get(kind=RescueEvent.CLIENT_ADMITTED, subject_id=str(case.pk))


def test_admission_with_a_photo_enrols_and_searches(admit, file_report, persona):
    report = file_report("dongkou_station", region_code="430525", photo=photo_bytes("df_img13.jpg"))
    case = admit(photo=photo_bytes("df_img14.jpg"))
    photo = FacePhoto.objects.get(case=case)
    assert photo.source == FaceSource.CLIENT and photo.status == FaceStatus.ACTIVE
    assert photo.photo_key == case.photo_key  # the admission's stored file, not a copy
    assert photo.enrolled_by == persona("longhui_station") and photo.note == "入站登记照片（自动采集）"
    log = FaceSearchLog.objects.get(case=case)
    assert log.purpose == "入站自动比对" and log.operator == persona("longhui_station")
    assert log.organization == case.station and log.result[0]["kind"] == "report"
    assert log.result[0]["id"] == report.pk and log.best_distance < 0.6
    assert EventDelivery.objects.filter(event=admission_event(case), handler=HANDLER).count() == 1
    assert Event.objects.filter(kind=FamilySearchEvent.FACE_SEARCHED, subject_id=str(log.pk)).exists()


def test_the_event_twice_enrols_once(admit):
    case = admit(photo=photo_bytes("of_lennon-1.jpg"))
    event = admission_event(case)
    assert deliver(event) == 0  # delivered already: EventDelivery makes it a no-op
    EventDelivery.objects.filter(event=event).delete()  # as if the first delivery's row were lost
    assert deliver(event) >= 1
    again = services.face_from_admission_event(event)  # and the handler itself, called once more
    assert FacePhoto.objects.filter(case=case).count() == 1 and again.case == case
    assert FaceSearchLog.objects.filter(case=case).count() == 1  # searched only when the photo was new


def test_a_faceless_photo_keeps_the_admission_and_records_the_failure(admit, blank_jpeg):
    case = admit(photo=blank_jpeg)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_STATION and case.photo_key
    photo = FacePhoto.objects.get(case=case)
    assert photo.status == FaceStatus.FAILED and photo.embedding is None
    assert photo.failure == "照片中未检测到人脸，请上传正面清晰照片"
    assert Event.objects.filter(kind=FamilySearchEvent.FACE_ENROLL_FAILED, subject_id=str(photo.pk)).exists()
    assert not FaceSearchLog.objects.exists()
    services.face_from_admission_event(admission_event(case))
    assert FacePhoto.objects.filter(case=case).count() == 1


def test_a_photo_with_two_faces_is_recorded_too(admit):
    case = admit(photo=photo_bytes("fr_kit_with_rose.jpg"))
    assert FacePhoto.objects.get(case=case).failure == "照片中有多张人脸，请裁剪为一人后上传"


def test_admission_without_a_photo_does_nothing(admit):
    case = admit()
    assert services.face_from_admission_event(admission_event(case)) is None
    assert not FacePhoto.objects.exists() and not FaceSearchLog.objects.exists()


def test_a_retaken_photo_is_enrolled_by_the_worker(admit, persona, blank_jpeg):
    case = admit(photo=blank_jpeg)
    photo = services.face_enroll(actor=persona("longhui_station"), case=case, data=photo_bytes("of_adams.jpg"))
    assert photo.status == FaceStatus.ACTIVE
    assert set(FacePhoto.objects.filter(case=case).values_list("status", flat=True)) == {"active", "failed"}


def test_a_report_with_a_photo_is_searched_at_once(admit, file_report, persona, django_capture_on_commit_callbacks):
    case = admit(photo=photo_bytes("df_img16.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        report = file_report("dongkou_station", region_code="430525", photo=photo_bytes("df_img17.jpg"))
    log = FaceSearchLog.objects.get(report=report)
    assert log.purpose == "寻亲登记自动比对" and log.operator == persona("dongkou_station")
    assert log.organization == report.station and log.region.code == "430525"
    assert log.result[0]["kind"] == "case" and log.result[0]["id"] == case.pk
    event = Event.objects.get(kind=FamilySearchEvent.MISSING_REPORTED, subject_id=str(report.pk))
    assert services.face_from_report_event(event) is None  # once per report
    with django_capture_on_commit_callbacks(execute=True):
        portal = file_report(None, region_code="430525", photo=photo_bytes("df_img1.jpg"))
        without = file_report(None, region_code="430525")
    assert FaceSearchLog.objects.get(report=portal).operator is None
    assert not FaceSearchLog.objects.filter(report=without).exists()
