"""DNA 比对: requested → collected → result with the 7-working-day deadline, every guard (capability, scope,
status order), the work list (overdue: past the deadline or long-stay without a referral), and the pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.core.workdays import add_working_days
from jiuzhu.familysearch import dna_selectors, worklist
from jiuzhu.familysearch import dna_services as svc
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import DnaReferral, DnaResult, DnaStatus
from jiuzhu.rescue.cases_services import case_admit, case_identity_confirm
from jiuzhu.rescue.models import RescueCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def admit(persona):
    """An admission without its handlers (no matching run, no notice): DNA needs only the record."""
    def make(username="longhui_station", **extra):
        data = {"sex": "M", "arrival_channel": "self_request", "name": "", "estimated_age": 60, **extra}
        return case_admit(actor=persona(username), **data)
    return make


def test_request_collect_result_with_the_deadline(admit, persona):
    worker = persona("longhui_station")
    case = admit()
    referral = svc.dna_request(actor=worker, case=case, police_unit="隆回县公安局桃洪派出所")
    assert referral.status == DnaStatus.REQUESTED and referral.result == DnaResult.PENDING
    assert referral.due_on == add_working_days(case.admitted_on, 7) and referral.requested_by == worker
    svc.dna_collect(actor=worker, referral=referral, sample_number="YB-2026-001")
    referral = svc.dna_result(actor=worker, referral=referral, result=DnaResult.MATCHED, matched_name="李长林")
    referral.refresh_from_db()
    assert (referral.status, referral.sample_number, referral.matched_name) == (DnaStatus.RESULT, "YB-2026-001",
                                                                                "李长林")
    kinds = list(Event.objects.filter(subject_type="familysearch.dnareferral").order_by("pk")
                 .values_list("kind", flat=True))
    assert kinds == [FamilySearchEvent.DNA_REQUESTED, FamilySearchEvent.DNA_COLLECTED, FamilySearchEvent.DNA_RESULT]
    assert AuditLog.objects.filter(object_type="familysearch.dnareferral", object_id=str(referral.pk)).count() == 3
    # after a result a resample may be asked for (one open referral at a time)
    svc.dna_request(actor=worker, case=case, police_unit="隆回县公安局")
    assert DnaReferral.objects.filter(case=case).count() == 2


def test_guards(admit, persona):
    worker = persona("longhui_station")
    case = admit()
    with pytest.raises(PermissionDenied):
        svc.dna_request(actor=persona("longhui_officer"), case=case, police_unit="派出所")
    with pytest.raises(Http404):
        svc.dna_request(actor=persona("dongkou_station"), case=case, police_unit="派出所")
    with pytest.raises(DomainError, match="请填写公安机关"):
        svc.dna_request(actor=worker, case=case, police_unit=" ")
    referral = svc.dna_request(actor=worker, case=case, police_unit="派出所")
    with pytest.raises(DomainError, match="已有未反馈结果"):
        svc.dna_request(actor=worker, case=case, police_unit="派出所")
    with pytest.raises(DomainError, match="不能登记比对结果"):  # the order: collected first
        svc.dna_result(actor=worker, referral=referral, result=DnaResult.NO_MATCH)
    with pytest.raises(PermissionDenied):
        svc.dna_collect(actor=persona("longhui_officer"), referral=referral, sample_number="1")
    with pytest.raises(Http404):
        svc.dna_collect(actor=persona("dongkou_station"), referral=referral, sample_number="1")
    with pytest.raises(DomainError, match="采血日期不能早于"):
        svc.dna_collect(actor=worker, referral=referral, sample_number="1",
                        collected_on=referral.requested_on - dt.timedelta(days=1))
    svc.dna_collect(actor=worker, referral=referral, sample_number="1")
    with pytest.raises(DomainError, match="不能登记采血"):
        svc.dna_collect(actor=worker, referral=referral, sample_number="2")
    with pytest.raises(DomainError, match="请填写比中人员姓名"):
        svc.dna_result(actor=worker, referral=referral, result=DnaResult.MATCHED)
    with pytest.raises(Http404):
        svc.dna_result(actor=persona("dongkou_station"), referral=referral, result=DnaResult.NO_MATCH)
    named = admit(name="张三", estimated_age=None, id_number=make_id_number("430524", dt.date(1970, 1, 1), 11))
    case_identity_confirm(actor=worker, case=named, id_number=make_id_number("430524", dt.date(1970, 1, 1), 13))
    with pytest.raises(DomainError, match="身份已查明"):
        svc.dna_request(actor=worker, case=named, police_unit="派出所")


def test_work_list_overdue_and_due(admit, persona):
    worker, today = persona("longhui_station"), dna_selectors.today()
    fresh = admit()
    late = admit()
    long_stay = admit()
    requested = admit()
    RescueCase.objects.filter(pk=late.pk).update(admitted_on=today - dt.timedelta(days=20))
    RescueCase.objects.filter(pk=long_stay.pk).update(long_stay=True)  # flagged, whatever the days say
    referral = svc.dna_request(actor=worker, case=requested, police_unit="派出所")
    DnaReferral.objects.filter(pk=referral.pk).update(due_on=today - dt.timedelta(days=1))
    assert set(dna_selectors.waiting(actor=worker, show="overdue")) == {late, long_stay, requested}
    assert set(dna_selectors.waiting(actor=worker, show="due")) == {fresh}
    assert worklist.dna_overdue(worker).count == 3 and worklist.dna_due(worker).count == 1
    assert worklist.dna_overdue(persona("dongkou_station")).count == 0
    assert worklist.dna_overdue(persona("longhui_officer")) is None
    assert add_working_days(dna_selectors.overdue_admitted_by(today), 7) < today
    assert add_working_days(dna_selectors.overdue_admitted_by(today) + dt.timedelta(days=1), 7) >= today


def test_pages(admit, client_for):
    case = admit()
    web = client_for("longhui_station")
    page = web.get(f"/familysearch/cases/{case.pk}/dna/")
    assert page.status_code == 200 and 'for="id_police_unit"' in page.content.decode()
    bad = web.post(f"/familysearch/cases/{case.pk}/dna/", {"action": "request", "police_unit": ""})
    assert bad.status_code == 400 and "请填写公安机关（派出所）或采血单位" in bad.content.decode()
    assert web.post(f"/familysearch/cases/{case.pk}/dna/", {"action": "request", "police_unit": "派出所"}) \
        .status_code == 302
    assert 'for="id_sample_number"' in web.get(f"/familysearch/cases/{case.pk}/dna/").content.decode()
    assert client_for("dongkou_station").get(f"/familysearch/cases/{case.pk}/dna/").status_code == 404
    listing = web.get("/familysearch/dna/?show=due")
    assert listing.status_code == 200 and case.number in listing.content.decode()
    assert AuditLog.objects.filter(detail__purpose="dna_list").exists()
