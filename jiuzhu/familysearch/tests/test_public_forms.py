"""The public portal's family-search forms (issue #19): the verification code (wrong, expired, locked, used once,
limited per address and per number), the family's missing report end to end, upload refusals before decoding,
the two-way photo search (only published notices; ledger row; no photo kept), tips (published notices only,
rate-limited, seen and handled by the notice's station only)."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from jiuzhu.core import sms
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Event, PhoneCode
from jiuzhu.core.ratelimit import RateLimit
from jiuzhu.core.sms import last_message_to
from jiuzhu.familysearch import faces, public_services, tip_services, worklist
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import (
    FacePhoto,
    FaceSearchLog,
    MissingReport,
    NoticeTip,
    TipStatus,
)

from .conftest import photo_bytes

PHONE = "13912345678"


def sent_code(phone=PHONE) -> str:
    return re.search(r"\d{6}", last_message_to(phone).text).group(0)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def upload(name: str, data: bytes | None = None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else photo_bytes(name), content_type)


def stored(settings) -> list:
    from pathlib import Path

    return sorted(p for p in (Path(settings.MEDIA_ROOT) / "files").rglob("*.bin"))


# ---- Verification codes ---------------------------------------------------------------------------------

def test_code_is_kept_hashed_a_wrong_one_counts_the_right_one_passes(world, sms_outbox):
    row = public_services.code_send(phone=PHONE, client_address="10.0.0.1")
    code = sent_code()
    assert PHONE not in row.phone_hash and code not in row.code_hash and len(row.code_hash) == 64
    with pytest.raises(DomainError) as exc:
        public_services.code_check(phone=PHONE, code=wrong(code))
    assert exc.value.field == "code" and exc.value.message == "验证码不正确，还可以再试 4 次"
    row.refresh_from_db()
    assert row.failures == 1
    assert public_services.code_check(phone=PHONE, code=code).pk == row.pk


def test_code_expires_after_ten_minutes(world, sms_outbox, monkeypatch):
    public_services.code_send(phone=PHONE, client_address="10.0.0.1")
    later = timezone.now() + dt.timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(sms, "now", lambda: later)
    with pytest.raises(DomainError, match="验证码已过期"):
        public_services.code_check(phone=PHONE, code=sent_code())


def test_five_wrong_tries_lock_the_code(world, sms_outbox):
    public_services.code_send(phone=PHONE, client_address="10.0.0.1")
    code = sent_code()
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError, match=f"还可以再试 {left} 次"):
            public_services.code_check(phone=PHONE, code=wrong(code))
    with pytest.raises(DomainError, match="错误次数过多"):
        public_services.code_check(phone=PHONE, code=wrong(code))
    with pytest.raises(DomainError, match="错误次数过多"):  # the right code no longer opens it
        public_services.code_check(phone=PHONE, code=code)
    assert PhoneCode.objects.get().failures == PhoneCode.MAX_FAILURES


def test_codes_limited_per_number_and_per_address(world, sms_outbox):
    for i in range(sms.PHONE_LIMIT.limit):  # one number from many addresses
        public_services.code_send(phone=PHONE, client_address=f"10.0.1.{i}")
    with pytest.raises(DomainError, match="过于频繁") as exc:
        public_services.code_send(phone=PHONE, client_address="10.0.1.99")
    assert exc.value.code == "rate_limited"
    for i in range(sms.CODE_LIMIT.limit):  # many numbers from one address
        public_services.code_send(phone=f"1370000000{i}", client_address="10.0.2.1")
    with pytest.raises(DomainError, match="获取验证码的次数过多"):
        public_services.code_send(phone="13700000009", client_address="10.0.2.1")
    assert PhoneCode.objects.count() == sms.PHONE_LIMIT.limit + sms.CODE_LIMIT.limit


def test_code_to_a_landline_is_refused(world, sms_outbox):
    with pytest.raises(DomainError, match="11 位") as exc:
        public_services.code_send(phone="0739-1234567", client_address="10.0.0.1")
    assert exc.value.field == "reporter_phone" and not sms_outbox


# ---- The family's missing report ------------------------------------------------------------------------

REPORT = {"name": "李长林", "sex": "M", "birth_year": "1958", "hukou_text": "湖南省邵阳市洞口县",
          "last_seen_place": "湖南省邵阳市隆回县桃洪镇汽车站", "features": "左耳较大", "clothing": "蓝色外套",
          "health": "认知症", "reporter_name": "李梅", "reporter_relation": "女儿"}


def test_family_files_a_report_with_a_verified_phone_and_a_photo(world, media, fast_faces, sms_outbox):
    browser = Client()
    assert browser.get("/xunqin/report/form/").status_code == 302  # no number verified yet: back to step 1
    response = browser.post("/xunqin/report/", {"reporter_phone": PHONE})
    assert response.status_code == 302 and response.url == "/xunqin/report/form/"
    form = browser.get(response.url).content.decode()
    assert "演示环境" in form and sent_code() in form  # the outbox backend: the demo shows the code
    data = {**REPORT, "missing_date": (dt.date.today() - dt.timedelta(days=3)).isoformat(), "code": sent_code(),
            "missing_time": "7点30", "photo": [upload("fr_obama.jpg"), upload("fr_obama2.jpg")]}
    response = browser.post("/xunqin/report/form/", data)
    assert response.status_code == 302, response.content.decode()[:400]
    report = MissingReport.objects.get()
    receipt = browser.get(response.url).content.decode()
    assert report.receipt_number in receipt and re.fullmatch(r"XQ\d{8}-\d{8}", report.receipt_number)
    assert f"#{report.pk}" not in receipt and "李长林" not in receipt  # a number, never the row or the person
    assert (report.channel, report.region.code, report.last_seen_region.code, report.hukou_region.code) == \
        ("portal", "430524", "430524", "430525")
    assert report.missing_time == dt.time(7, 30)
    assert report.created_by is None and report.client_hash and report.reporter_phone_last4 == "5678"
    assert FacePhoto.objects.filter(report=report, status="active").count() == 2  # both photos enrolled
    assert report.photo_key == FacePhoto.objects.filter(report=report).order_by("pk").first().photo_key
    assert Event.objects.filter(kind=FamilySearchEvent.MISSING_REPORTED, subject_id=str(report.pk)).exists()
    assert PhoneCode.objects.get().used_at is not None
    # the same code again: used once
    with pytest.raises(DomainError, match="该验证码已使用"):
        public_services.code_check(phone=PHONE, code=data["code"])
    assert browser.get("/xunqin/report/form/").status_code == 302  # the verified number left the session


def test_a_wrong_code_files_nothing_and_keeps_the_form(world, sms_outbox):
    browser = Client()
    browser.post("/xunqin/report/", {"reporter_phone": PHONE})
    data = {**REPORT, "missing_date": dt.date.today().isoformat(), "code": wrong(sent_code())}
    response = browser.post("/xunqin/report/form/", data)
    text = response.content.decode()
    assert response.status_code == 400 and "验证码不正确" in text and "左耳较大" in text
    assert not MissingReport.objects.exists()


def test_several_photos_each_checked_and_named_in_the_error(world, media, settings, fast_faces, sms_outbox,
                                                            monkeypatch):
    browser = Client()
    browser.post("/xunqin/report/", {"reporter_phone": PHONE})
    base = {**REPORT, "missing_date": dt.date.today().isoformat(), "code": sent_code()}
    response = browser.post("/xunqin/report/form/", {**base, "photo": [upload("fr_obama.jpg"),
                                                                         upload("fr_two_people.jpg")]})
    assert response.status_code == 400 and f"第 2 张照片：{faces.MANY_FACES}" in response.content.decode()
    assert not MissingReport.objects.exists() and stored(settings) == []
    monkeypatch.setattr(faces, "encode_face", lambda data: pytest.fail("decoded"))
    four = [upload(n) for n in ("fr_obama.jpg", "fr_obama2.jpg", "fr_obama3.jpg", "fr_biden.jpg")]
    response = browser.post("/xunqin/report/form/", {**base, "photo": four})
    assert response.status_code == 400 and "最多上传 3 张照片" in response.content.decode()
    from jiuzhu.familysearch.services import _report_photos  # the service's own limit, whatever the form sends

    with pytest.raises(DomainError, match="最多上传 3 张照片"):
        _report_photos([photo_bytes(n) for n in ("fr_obama.jpg", "fr_obama2.jpg", "fr_obama3.jpg", "fr_biden.jpg")])
    # the second photo too large: refused before any face is decoded
    settings.STORED_FILE_MAX_BYTES = 150_000  # fr_obama_small.jpg 33 kB passes, fr_obama.jpg 280 kB does not
    response = browser.post("/xunqin/report/form/", {**base, "photo": [upload("fr_obama_small.jpg"),
                                                                         upload("fr_obama.jpg")]})
    assert response.status_code == 400 and "第 2 张照片：" in response.content.decode()
    assert "超过了" in response.content.decode() and not MissingReport.objects.exists()


def test_reports_limited_per_address(world, sms_outbox, monkeypatch):
    monkeypatch.setattr(public_services, "REPORT_LIMIT", RateLimit("fs-report", 1, dt.timedelta(hours=1), "过多"))
    for expected in (1, 1):
        public_services.code_send(phone=PHONE, client_address=f"10.0.3.{expected}")
        try:
            public_services.report_submit_public(
                client_address="10.0.3.1", reporter_phone=PHONE, code=sent_code(),
                missing_date=dt.date.today(), **{k: v for k, v in REPORT.items()})
        except DomainError as exc:
            assert exc.code == "rate_limited"
        PhoneCode.objects.all().delete()  # the number's own send limit is not what this test is about
    assert MissingReport.objects.count() == 1


# ---- Upload checks (before decoding) and the photo search -----------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("note.jpg", b"this is a text file, not a photo\n" * 20, "照片应为 JPEG 或 PNG 图片"),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 600, "文件不是可以识别的照片"),
    ("big.jpg", b"\xff\xd8\xff" + b"\x00" * 3000, "超过了"),
])
def test_uploads_refused_in_chinese_before_any_face_is_decoded(world, media, settings, monkeypatch, name, data,
                                                              message):
    settings.STORED_FILE_MAX_BYTES = 2000
    monkeypatch.setattr(faces, "encode_face", lambda data: pytest.fail("decoded"))
    response = Client().post("/xunqin/photo/", {"photo": upload(name, data)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not FaceSearchLog.objects.exists()


def test_a_body_over_the_limit_is_refused_before_it_is_read(world, settings):
    settings.STORED_FILE_MAX_BYTES = 1000
    response = Client().post("/xunqin/photo/", {"photo": upload("x.jpg", b"\xff\xd8\xff" + b"\x00" * 70_000)})
    assert response.status_code == 413 and "提交的内容过大" in response.content.decode()


def test_photo_without_a_face_is_refused_and_logged(world, media, blank_jpeg):
    response = Client().post("/xunqin/photo/", {"photo": upload("card.jpg", blank_jpeg)})
    assert response.status_code == 400 and faces.NO_FACE in response.content.decode()
    log = FaceSearchLog.objects.get()
    assert (log.purpose, log.photos, log.operator, log.case, log.report, log.result) == \
        ("网上以图寻亲", 0, None, None, None, [])


def test_photo_search_reveals_only_published_notices(world, media, fast_faces, admit, notice_for, file_report,
                                                     settings):
    shown = admit(photo=photo_bytes("fr_obama.jpg"))
    hidden = admit(photo=photo_bytes("fr_biden.jpg"), name="拜登某")
    published, draft = notice_for(shown), notice_for(hidden, status="draft")
    file_report(None, region_code="430525", name="拜登家属寻找的人", photo=photo_bytes("fr_biden.jpg"))
    files_before = stored(settings)
    browser = Client()

    text = browser.post("/xunqin/photo/", {"photo": upload("fr_obama2.jpg")}).content.decode()
    assert published.public_code in text and f"/xunqin/n/{published.public_code}/tip/" in text
    assert shown.number not in text and "距离" not in text  # the notice only: no record number, no distance
    log = FaceSearchLog.objects.latest("pk")
    assert (log.purpose, log.operator, log.case, log.candidates, log.region) == \
        ("网上以图寻亲", None, None, 1, shown.station.region)
    assert log.result[0]["notice"] == published.public_code

    # the unpublished client (and the family's report) resembling this photo: nothing at all
    text = browser.post("/xunqin/photo/", {"photo": upload("fr_biden.jpg")}).content.decode()
    assert 'id="no-results"' in text
    assert draft.public_code not in text and "拜登" not in text and hidden.number not in text
    assert FaceSearchLog.objects.latest("pk").result == []
    assert stored(settings) == files_before  # no uploaded photo kept
    assert FacePhoto.objects.count() == 3


def test_photo_search_limited_per_address(world, media, blank_jpeg, monkeypatch):
    monkeypatch.setattr(public_services, "SEARCH_LIMIT",
                        RateLimit("fs-photo-search", 1, dt.timedelta(hours=1), "以图寻亲的次数过多"))
    Client().post("/xunqin/photo/", {"photo": upload("a.jpg", blank_jpeg)})
    monkeypatch.setattr(faces, "encode_face", lambda data: pytest.fail("encoded past the limit"))
    response = Client().post("/xunqin/photo/", {"photo": upload("a.jpg", blank_jpeg)})
    assert response.status_code == 429 and "以图寻亲的次数过多" in response.content.decode()


# ---- Tips -----------------------------------------------------------------------------------------------

def test_tip_reaches_the_notices_station_only_and_is_handled_once(world, admit, notice_for, client_for, persona):
    notice = notice_for(admit())
    response = Client().post(f"/xunqin/n/{notice.public_code}/tip/",
                             {"text": "像是我们村的老李", "contact_name": "王", "contact_phone": "13700001111"})
    assert response.status_code == 302
    tip = NoticeTip.objects.get()
    assert tip.contact_phone_cipher and "13700001111" not in tip.contact_phone_cipher and tip.client_hash
    assert Event.objects.filter(kind=FamilySearchEvent.TIP_RECEIVED, subject_id=str(tip.pk)).exists()
    assert worklist.new_tips(persona("longhui_station")).count == 1

    station = client_for("longhui_station")
    page = station.get("/familysearch/tips/").content.decode()
    assert "像是我们村的老李" in page and "13700001111" in page
    other = client_for("dongkou_station")
    assert "像是我们村的老李" not in other.get("/familysearch/tips/").content.decode()
    assert other.post(f"/familysearch/tips/{tip.pk}/handled/").status_code == 404
    assert client_for("longhui_officer").get("/familysearch/tips/").status_code == 403

    assert station.post(f"/familysearch/tips/{tip.pk}/handled/", {"note": "已电话回访"}).status_code == 302
    tip.refresh_from_db()
    assert (tip.status, tip.handled_note, tip.handled_by.username) == (TipStatus.HANDLED, "已电话回访",
                                                                       "longhui_station")
    assert Event.objects.filter(kind=FamilySearchEvent.TIP_HANDLED, subject_id=str(tip.pk)).exists()
    assert station.post(f"/familysearch/tips/{tip.pk}/handled/").status_code == 400  # handled once
    assert worklist.new_tips(persona("longhui_station")).count == 0


def test_tips_only_on_published_notices_and_rate_limited(world, admit, notice_for, monkeypatch):
    draft = notice_for(admit(), status="draft")
    assert Client().get(f"/xunqin/n/{draft.public_code}/tip/").status_code == 404
    notice = notice_for(admit())
    monkeypatch.setattr(tip_services, "TIP_LIMIT", RateLimit("fs-tip", 2, dt.timedelta(hours=1), "线索过多"))
    url = f"/xunqin/n/{notice.public_code}/tip/"
    assert [Client().post(url, {"text": "线索"}).status_code for _ in range(3)] == [302, 302, 429]
    assert Client().post(url, {"text": "线索"}, REMOTE_ADDR="10.9.9.9").status_code == 302  # another address
    response = Client().post(url, {"text": ""}, REMOTE_ADDR="10.9.9.8")
    assert response.status_code == 400 and "请填写线索内容" in response.content.decode()
    assert NoticeTip.objects.count() == 3


def test_rate_limit_keys_are_the_hashes_rescue_already_keeps():
    """core.ratelimit's key of purpose "rescue-report" is street_services' client hash: rescue can switch to it
    without its stored hashes changing."""
    from jiuzhu.rescue.street_services import PUBLIC_LIMITED, PUBLIC_MAX_PER_HOUR, PUBLIC_WINDOW, public_client_hash

    limit = RateLimit("rescue-report", PUBLIC_MAX_PER_HOUR, PUBLIC_WINDOW, PUBLIC_LIMITED)
    assert limit.key("10.1.2.3") == public_client_hash("10.1.2.3") and limit.key(None) == public_client_hash(None)
