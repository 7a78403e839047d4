"""Splink links feed rows without a usable ID number to registry persons: a misspelt name (同音字) with the
right birth date and region links; a clearly different person does not; an uncertain one is reviewed."""

import datetime as dt

import pytest
from django.http import Http404

from conftest import VILLAGE_A, member
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.monitoring import feeds, feeds_store
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import FeedLinkReview, LinkReviewStatus
from jiuzhu.monitoring.tests import feed_files as ff
from jiuzhu.registry.models import Person

BORN = dt.date(1962, 3, 8)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def liu(register):
    register(members=[member("刘桂兰", "head", born=BORN, seq=42), member("王建国", "spouse", born=BORN, seq=11)])
    return Person.objects.get(name="刘桂兰")


def upload(persona, rows):
    return feeds.feed_upload(actor=persona("longhui_clerk"), kind="medical_settlement", data=ff.csv_bytes(rows),
                             filename="结算.csv").batch


def stored(batch):
    return {r["row_number"]: r for r in feeds_store.read_rows(batch.data_path).to_pylist()}


def test_a_homophone_name_with_the_right_birth_date_and_village_links(persona, liu):
    batch = upload(persona, [ff.medical_row("", "刘贵兰", born=BORN.isoformat(), region=VILLAGE_A)])
    row = stored(batch)[2]
    assert row["person_id"] == liu.pk and row["id_hash"] == liu.id_number_hash and row["link_method"] == "splink"
    assert not FeedLinkReview.objects.exists()


def test_a_wrong_check_digit_is_a_notice_and_the_row_is_linked_by_name(persona, liu):
    number = decrypt_text(liu.id_number_cipher)
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    batch = upload(persona, [ff.medical_row(wrong, "刘桂兰", born=BORN.isoformat(), region=VILLAGE_A)])
    assert batch.rows_rejected == 0 and stored(batch)[2]["person_id"] == liu.pk
    notices = feeds.batch_report(batch)["notices"]
    assert notices[0]["row"] == 2 and "将按姓名、出生日期和地区匹配人员" in notices[0]["message"]


def test_a_clearly_different_person_is_not_linked(persona, liu):
    batch = upload(persona, [ff.medical_row("", "赵德明", born=BORN.isoformat(), region=VILLAGE_A)])
    row = stored(batch)[2]
    assert row["person_id"] is None and row["id_hash"] is None
    assert not FeedLinkReview.objects.exists()


def test_an_uncertain_link_is_reviewed_by_an_officer_and_accepting_fills_the_row(persona, liu):
    # The same sound, but no region: not enough to link alone.
    batch = upload(persona, [ff.medical_row("", "刘贵兰", born=BORN.isoformat(), region="")])
    review = FeedLinkReview.objects.get()
    assert review.person == liu and review.status == LinkReviewStatus.PENDING and 0.5 <= review.probability < 0.95
    assert stored(batch)[2]["person_id"] is None
    # The department does not settle links; another county's officer does not see it.
    assert not feeds.reviews_for(persona("longhui_clerk")).exists()
    with pytest.raises(Http404):
        feeds.link_review_decide(actor=persona("dongkou_officer"), review_id=review.pk, accept=True)
    feeds.link_review_decide(actor=persona("longhui_officer"), review_id=review.pk, accept=True)
    row = stored(batch)[2]
    assert row["person_id"] == liu.pk and row["link_method"] == "review"
    assert decrypt_text(row["id_enc"]) == decrypt_text(liu.id_number_cipher)
    assert AuditLog.objects.filter(object_type="monitoring.feedlinkreview", person_id=liu.pk).exists()
    assert Event.objects.filter(kind=MonitoringEvent.LINK_REVIEWED, person_id=liu.pk).exists()


def test_rejecting_a_link_leaves_the_row_unlinked(persona, liu):
    batch = upload(persona, [ff.medical_row("", "刘贵兰", born=BORN.isoformat(), region="")])
    review = FeedLinkReview.objects.get()
    feeds.link_review_decide(actor=persona("longhui_officer"), review_id=review.pk, accept=False)
    review.refresh_from_db()
    assert review.status == LinkReviewStatus.REJECTED and stored(batch)[2]["person_id"] is None


def test_a_row_with_a_valid_id_number_is_linked_by_its_hash(persona, liu):
    number = decrypt_text(liu.id_number_cipher)
    batch = upload(persona, [ff.medical_row(number, "刘桂兰")])
    row = stored(batch)[2]
    assert row["person_id"] == liu.pk and row["link_method"] == "id" and row["birth_date"] == BORN


def test_a_workbook_with_several_sheets_names_the_sheet_in_reviews_errors_and_the_command(persona, liu, tmp_path):
    import io

    import openpyxl
    from django.core.management import call_command

    book = openpyxl.Workbook()
    first = book.active
    first.title = "九月"
    for row in (ff.HEADERS, ff.good_rows(1)[0]):
        first.append(row)
    second = book.create_sheet("十月")
    for row in (ff.HEADERS, ff.good_rows(1, start=5)[0], ff.medical_row("", "刘贵兰", born=BORN.isoformat(), region=""),
                ff.medical_row(ff.good_rows(1, start=9)[0][0], "钱七", total="一万")):
        second.append(row)
    data = io.BytesIO()
    book.save(data)
    path = tmp_path / "两月结算.xlsx"
    path.write_bytes(data.getvalue())
    err = io.StringIO()
    call_command("upload_feed", str(path), kind="medical_settlement", user="longhui_clerk", stdout=io.StringIO(),
                 stderr=err)
    assert "工作表“十月”第4行 I列 医疗总费用：“一万”不是数字" in err.getvalue()
    review = FeedLinkReview.objects.get()
    assert (review.sheet, review.row_number, review.person) == ("十月", 3, liu)
    from django.test import Client

    client = Client()
    client.force_login(persona("longhui_officer"))
    html = client.get("/monitoring/feeds/links/").content.decode()
    assert "工作表“十月”第 3 行" in html, html[:2000]
    batch = client.get(f"/monitoring/feeds/{review.batch_id}/").content.decode()
    assert "工作表“十月”第 4 行" in batch
