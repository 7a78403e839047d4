"""Family-search notices (寻亲公告): drafted at admission (due in 24 h, once per record), edited, published by a
station manager (capability, scope, status guards), refreshed monthly by an idempotent sweep, withdrawn by hand and
when the client is identified or leaves; the station's pages and work list; the public portal and feeds show only
the public fields of published notices."""

import datetime as dt
import io
import json
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.familysearch import notice_selectors as sel
from jiuzhu.familysearch import notice_services as svc
from jiuzhu.familysearch import worklist
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import FamilyNotice, NoticeStatus
from jiuzhu.rescue.models import RescueCase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

SECRET_PHONE = "13912345678"
ID_NUMBER = make_id_number("430524", dt.date(1960, 4, 2), 35)


@pytest.fixture
def notice(admit):
    """An unidentified man admitted at 隆回 with things on his record that must never reach the public."""
    case = admit(check_note="左手背有烫伤疤", relatives=f"自称有一女儿，电话 {SECRET_PHONE}",
                 residence_text="隆回县桃洪镇某某路 8 号", belongings="身份证复印件一张")
    return FamilyNotice.objects.get(case=case)


@pytest.fixture
def published(notice, persona):
    return svc.notice_publish(actor=persona("longhui_stationmgr"), notice=notice)


def events(kind, notice):
    return Event.objects.filter(kind=kind, subject_id=str(notice.pk))


# ---- Drafting -------------------------------------------------------------------------------------------

def test_an_unidentified_admission_drafts_one_notice_due_24_hours_after(notice):
    case = notice.case
    assert notice.status == NoticeStatus.DRAFT and notice.due_at == case.admitted_at + dt.timedelta(hours=24)
    assert notice.station_id == case.station_id and notice.sex == "M" and notice.estimated_age == 60
    assert len(notice.public_code) == 12 and notice.public_code.isdigit()
    assert notice.contact_phone == "12349"  # no station line set: the region's 救助热线
    assert "某某路" not in notice.found_place and SECRET_PHONE not in str(vars(notice))
    drafted = events(FamilySearchEvent.NOTICE_DRAFTED, notice).get()
    assert drafted.payload["notice_id"] == notice.pk
    # the event again (a repeated delivery): still one notice, one event
    again = svc.notice_draft_from_admission_event(SimpleNamespace(subject_id=str(case.pk), actor_id=None))
    assert again.pk == notice.pk and FamilyNotice.objects.filter(case=case).count() == 1
    assert events(FamilySearchEvent.NOTICE_DRAFTED, notice).count() == 1


def test_an_identified_admission_gets_no_notice(admit):
    case = admit(name="王建国", id_number=ID_NUMBER, estimated_age=None)
    assert case.identity_confirmed and not FamilyNotice.objects.filter(case=case).exists()


# ---- Edit and publish -----------------------------------------------------------------------------------

def test_the_station_edits_the_public_fields(notice, persona):
    worker = persona("longhui_station")
    svc.notice_update(actor=worker, notice=notice, features="左手背有烫伤疤", height_cm="168")
    notice.refresh_from_db()
    assert notice.features == "左手背有烫伤疤" and notice.height_cm == 168
    edited = events(FamilySearchEvent.NOTICE_EDITED, notice).get()
    assert edited.payload["fields"] == ["features", "height_cm"]  # names only, never the values
    with pytest.raises(DomainError) as error:
        svc.notice_update(actor=worker, notice=notice, estimated_age="三十")
    assert error.value.field == "estimated_age" and "整数" in error.value.message
    with pytest.raises(PermissionDenied):
        svc.notice_update(actor=persona("longhui_officer"), notice=notice, features="x")
    with pytest.raises(Http404):
        svc.notice_update(actor=persona("dongkou_station"), notice=notice, features="x")


def test_only_a_manager_of_the_station_publishes_a_draft_once(notice, persona):
    with pytest.raises(PermissionDenied):
        svc.notice_publish(actor=persona("longhui_station"), notice=notice)  # a worker: no approval
    with pytest.raises(Http404):
        svc.notice_publish(actor=persona("dongkou_stationmgr"), notice=notice)  # another county's station
    today = svc.today()
    published = svc.notice_publish(actor=persona("longhui_stationmgr"), notice=notice)
    assert published.status == NoticeStatus.PUBLISHED and published.revision == 1
    assert published.refresh_due_on == svc.add_month(today) and published.published_by == persona("longhui_stationmgr")
    event = events(FamilySearchEvent.NOTICE_PUBLISHED, notice).get()
    assert event.payload["notice_id"] == notice.pk and event.payload["revision"] == 1
    with pytest.raises(DomainError, match="不能再次审核发布"):
        svc.notice_publish(actor=persona("longhui_stationmgr"), notice=notice)


def test_a_draft_of_a_client_identified_meanwhile_is_not_published(notice, persona):
    RescueCase.objects.filter(pk=notice.case_id).update(identity_confirmed=True)  # before any handler ran
    with pytest.raises(DomainError, match="身份已查明"):
        svc.notice_publish(actor=persona("longhui_stationmgr"), notice=notice)
    assert FamilyNotice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT


def test_add_month_keeps_the_day_or_the_months_last():
    assert svc.add_month(dt.date(2026, 1, 31)) == dt.date(2026, 2, 28)
    assert svc.add_month(dt.date(2026, 12, 15)) == dt.date(2027, 1, 15)


# ---- Monthly refresh ------------------------------------------------------------------------------------

def test_the_sweep_refreshes_a_due_notice_once(published):
    due = published.refresh_due_on
    assert svc.notice_refresh_sweep(on=due - dt.timedelta(days=1)) == 0
    assert svc.notice_refresh_sweep(on=due) == 1
    notice = FamilyNotice.objects.get(pk=published.pk)
    assert notice.revision == 2 and notice.refresh_due_on == svc.add_month(due)
    assert svc.notice_refresh_sweep(on=due) == 0  # the same day again: nothing changes
    revisions = [e.payload["revision"] for e in events(FamilySearchEvent.NOTICE_PUBLISHED, notice)]
    assert revisions == [1, 2]


def test_the_sweep_skips_a_client_who_left(published):
    RescueCase.objects.filter(pk=published.case_id).update(status="discharged")
    assert svc.notice_refresh_sweep(on=published.refresh_due_on) == 0
    assert FamilyNotice.objects.get(pk=published.pk).revision == 1


# ---- Withdrawal -----------------------------------------------------------------------------------------

def test_a_manager_withdraws_with_a_reason(published, persona):
    manager = persona("longhui_stationmgr")
    with pytest.raises(PermissionDenied):
        svc.notice_withdraw(actor=persona("longhui_station"), notice=published, reason="家属已来站")
    with pytest.raises(DomainError) as error:
        svc.notice_withdraw(actor=manager, notice=published, reason=" ")
    assert error.value.field == "withdraw_reason"
    svc.notice_withdraw(actor=manager, notice=published, reason="家属已来站接领")
    notice = FamilyNotice.objects.get(pk=published.pk)
    assert notice.status == NoticeStatus.WITHDRAWN and notice.withdraw_reason == "家属已来站接领"
    assert events(FamilySearchEvent.NOTICE_WITHDRAWN, notice).count() == 1
    with pytest.raises(DomainError, match="不能再次撤回"):
        svc.notice_withdraw(actor=manager, notice=notice, reason="再撤一次")
    with pytest.raises(Http404):
        sel.public_notice(notice.public_code)


def test_identification_withdraws_the_notice(published, persona, django_capture_on_commit_callbacks):
    from jiuzhu.rescue.cases_services import case_identity_confirm

    with django_capture_on_commit_callbacks(execute=True):
        case_identity_confirm(actor=persona("longhui_station"), case=published.case, id_number=ID_NUMBER)
    notice = FamilyNotice.objects.get(pk=published.pk)
    assert notice.status == NoticeStatus.WITHDRAWN and notice.withdraw_reason == "身份已查明"


def test_a_confirmed_match_and_a_discharge_withdraw_the_notice_once(notice, published):
    match = SimpleNamespace(payload={"case": notice.case_id}, subject_id="1", actor_id=None)
    assert svc.notice_withdraw_on_match_event(match).status == NoticeStatus.WITHDRAWN
    assert svc.notice_withdraw_on_match_event(match) is None  # delivered again: nothing more
    assert svc.notice_withdraw_on_discharge_event(SimpleNamespace(subject_id=str(notice.case_id), actor_id=None)) \
        is None
    assert events(FamilySearchEvent.NOTICE_WITHDRAWN, notice).count() == 1


def test_a_discharge_withdraws_a_draft(notice):
    svc.notice_withdraw_on_discharge_event(SimpleNamespace(subject_id=str(notice.case_id), actor_id=None))
    assert FamilyNotice.objects.get(pk=notice.pk).withdraw_reason == "受助人员已离站"


# ---- The station's pages and work list ------------------------------------------------------------------

def test_the_work_list_shows_due_drafts_and_refreshes_to_the_manager(notice, persona):
    FamilyNotice.objects.filter(pk=notice.pk).update(due_at=notice.due_at - dt.timedelta(days=2))  # overdue
    assert worklist.notice_drafts_due(persona("longhui_stationmgr")).count == 1
    assert worklist.notice_drafts_due(persona("dongkou_stationmgr")).count == 0
    assert worklist.notice_drafts_due(persona("longhui_station")) is None  # a worker does not publish
    assert worklist.notice_refreshes_due(persona("longhui_stationmgr")).count == 0


def test_the_station_pages_are_scoped_and_audited(notice, client_for):
    manager = client_for("longhui_stationmgr")
    listed = manager.get("/familysearch/notices/?show=overdue")
    assert listed.status_code == 200 and notice.public_code not in listed.content.decode()  # not overdue yet
    listed = manager.get("/familysearch/notices/?show=draft")
    assert notice.public_code in listed.content.decode()
    assert AuditLog.objects.filter(object_type="rescue.rescuecase", object_id=str(notice.case_id),
                                   detail__purpose="notice_list").exists()
    page = manager.get(f"/familysearch/notices/{notice.pk}/")
    assert page.status_code == 200 and "审核发布" in page.content.decode()
    assert manager.get(f"/familysearch/notices/{notice.pk}/print/").status_code == 200
    export = manager.get("/familysearch/notices/export/?show=all")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    saved = manager.post(f"/familysearch/notices/{notice.pk}/", {
        "title": notice.title, "sex": "M", "estimated_age": "70", "found_on": "昨天", "contact_phone": "12349"})
    assert saved.status_code == 400 and "发现日期：日期“昨天”无法识别" in saved.content.decode()
    assert client_for("dongkou_stationmgr").get(f"/familysearch/notices/{notice.pk}/").status_code == 404
    case_page = client_for("longhui_station").get(f"/rescue/cases/{notice.case_id}/").content.decode()
    assert f"/familysearch/notices/{notice.pk}/" in case_page and "寻亲公告（待审核发布）" in case_page


# ---- The public portal and feeds ------------------------------------------------------------------------

def test_the_portal_and_feeds_show_published_notices_and_nothing_private(published, file_report, settings):
    settings.ALLOWED_HOSTS = ["*"]
    report = file_report(id_number=ID_NUMBER)  # a family's report nearby, with an ID number and a phone
    case = published.case
    anonymous = Client()
    pages = {
        "list": anonymous.get("/xunqin/?sex=M&age_from=50&age_to=70&region=隆回&accent="),
        "page": anonymous.get(f"/xunqin/n/{published.public_code}/"),
        "json": anonymous.get("/xunqin/feed.json"),
        "rss": anonymous.get("/xunqin/feed.rss"),
    }
    for name, response in pages.items():
        text = response.content.decode()
        assert response.status_code == 200, name
        assert published.public_code in text, name
        for secret in (SECRET_PHONE, "某某路", "身份证复印件", ID_NUMBER, ID_NUMBER[-4:], case.number,
                       f"/rescue/cases/{case.pk}", report.reporter_name, "13800001234"):
            assert secret not in text, (name, secret)
    feed = json.loads(pages["json"].content)
    item = feed["items"][0]
    assert item["url"].startswith("http://testserver/xunqin/n/") and item["_xunqin"]["revision"] == 1
    assert "case" not in item["_xunqin"] and "id" not in item["_xunqin"]
    rss = ET.fromstring(pages["rss"].content)
    assert rss.tag == "rss" and rss.find("channel/item/link").text == item["url"]
    assert published.public_code not in anonymous.get("/xunqin/?sex=F").content.decode()
    assert published.public_code not in anonymous.get("/xunqin/?region=洞口").content.decode()
    assert anonymous.get("/xunqin/?age_from=abc&found_from=昨天").status_code == 200  # ignored, not an error


def test_drafts_and_withdrawn_notices_are_not_public(notice, persona):
    anonymous = Client()
    assert anonymous.get(f"/xunqin/n/{notice.public_code}/").status_code == 404  # a draft
    assert notice.public_code not in anonymous.get("/xunqin/feed.json").content.decode()
    svc.notice_publish(actor=persona("longhui_stationmgr"), notice=notice)
    assert anonymous.get(f"/xunqin/n/{notice.public_code}/").status_code == 200
    RescueCase.objects.filter(pk=notice.case_id).update(identity_confirmed=True)  # before the handler withdraws it
    assert anonymous.get(f"/xunqin/n/{notice.public_code}/").status_code == 404
    assert notice.public_code not in anonymous.get("/xunqin/feed.rss").content.decode()


def test_the_demo_gives_notices_in_each_state_once(admit):
    from jiuzhu.familysearch.demo import populate

    """…and the rest of family search's demo: subscribers with deliveries, two staff reports (隆回's with a
    candidate), a tip, a DNA referral within its deadline and an overdue one; each once after two runs."""
    from jiuzhu.familysearch.models import DnaReferral, MatchCandidate, MissingReport, NoticeTip
    from jiuzhu.familysearch.push_models import PushDelivery, PushSubscriber

    cases = [admit(estimated_age=age) for age in (50, 60, 70)]
    for case, days in ((cases[0], 20), (cases[1], 3)):  # admitted days ago, as the demo dates its records
        RescueCase.objects.filter(pk=case.pk).update(admitted_at=case.admitted_at - dt.timedelta(days=days),
                                                     admitted_on=case.admitted_on - dt.timedelta(days=days))
    made = populate()
    assert made == {"notices": 3, "published": 1, "withdrawn": 1, "subscribers": 4, "deliveries": made["deliveries"],
                    "reports": 2, "tips": 1, "dna": 2} and made["deliveries"] >= 2  # 隆回's own subscribers at least
    states = dict(FamilyNotice.objects.filter(case__in=cases).values_list("case_id", "status"))
    assert states == {cases[0].pk: "withdrawn", cases[1].pk: "draft", cases[2].pk: "published"}
    assert FamilyNotice.objects.get(case=cases[1]).due_at < sel.timezone.now()  # overdue
    assert PushSubscriber.objects.filter(confirmed=True, active=True).count() == 4
    by_staff = PushSubscriber.objects.filter(channel="email").values_list("confirmed_by__username", flat=True)
    assert sorted(by_staff) == ["dongkou_stationmgr", "longhui_stationmgr"]  # no mailbox read
    report = MissingReport.objects.get(region__code="430524", channel="station")
    assert MatchCandidate.objects.filter(report=report, case=cases[2]).exists()  # the client it describes
    assert {r.case_id: r.due_on < sel.today() for r in DnaReferral.objects.all()} == {cases[2].pk: False,
                                                                                     cases[0].pk: True}
    counts = (PushSubscriber.objects.count(), PushDelivery.objects.count(), MissingReport.objects.count(),
              NoticeTip.objects.count(), DnaReferral.objects.count())
    assert counts[1:] == (made["deliveries"], 2, 1, 2)
    assert populate() == {"notices": 0, "published": 0, "withdrawn": 0, "subscribers": 0, "deliveries": 0,
                          "reports": 0, "tips": 0, "dna": 0}  # the second run changes nothing
    assert (PushSubscriber.objects.count(), PushDelivery.objects.count(), MissingReport.objects.count(),
            NoticeTip.objects.count(), DnaReferral.objects.count()) == counts


def test_the_public_photo_is_served_only_while_published_without_its_metadata(notice, persona, blank_jpeg):
    from PIL import Image

    from jiuzhu.core.files import stored_file_save

    FamilyNotice.objects.filter(pk=notice.pk).update(photo_key=stored_file_save(data=blank_jpeg))
    anonymous = Client()
    url = f"/xunqin/n/{notice.public_code}/photo/"
    assert anonymous.get(url).status_code == 404  # a draft
    svc.notice_publish(actor=persona("longhui_stationmgr"), notice=notice)
    photo = anonymous.get(url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg" and photo["Cache-Control"] == "no-store"
    assert not Image.open(io.BytesIO(photo.content)).getexif()
    svc.notice_withdraw(actor=persona("longhui_stationmgr"), notice=notice, reason="家属已接领")
    assert anonymous.get(url).status_code == 404
