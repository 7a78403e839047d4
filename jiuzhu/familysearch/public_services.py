"""Writes of the public portal's family-search forms (no sign-in, issue #19): the mobile verification code
(短信验证码), the family's missing report (走失人员登记) and the two-way photo search (网上以图寻亲). Tips on a
notice are tip_services'.

- Every form is limited per client address (core.ratelimit: the address's keyed hash kept on the row the form
  writes anyway, never the address); codes are limited per number too, so nobody can flood a stranger's phone.
- A code is 6 digits, sent, stored (core.models.PhoneCode, a keyed hash), checked and used through core.sms
  (valid 10 minutes, locked after PhoneCode.MAX_FAILURES wrong tries, limited per address and per number),
  used once: the report's own transaction marks it used, so a failed report (a photo without a face) leaves it
  valid for the corrected form.
- The report is created by services.missing_report_create (channel PORTAL), which stores and enrols its photo
  and records MISSING_REPORTED: face and attribute matching run from that event. The family only ever sees its
  receipt number, never a candidate.
- A photo search keeps no photo: the bytes are encoded in memory and dropped. Only published notices
  (FamilyNotice PUBLISHED) of clients whose face is within the same-person tolerance are answered; an
  unpublished client, a missing report or a distance is never revealed. The search is one row of the
  face-search ledger (purpose 网上以图寻亲, no operator), written also when the photo was refused, since the
  face module was used."""

from __future__ import annotations

import datetime as dt
import io
import warnings

from django.db import transaction
from django.utils import timezone

from jiuzhu.core import sms
from jiuzhu.core.audit import audit
from jiuzhu.core.errors import DomainError, invalid
from jiuzhu.core.events import record_event
from jiuzhu.core.files import FileRejected, sniff_content_type, stored_file_delete, upload_bytes
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.ratelimit import RateLimit
from jiuzhu.familysearch import faces
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.matching.regions import region_code_from_text
from jiuzhu.familysearch.models import (
    FacePhoto,
    FaceSearchLog,
    FamilyNotice,
    MissingReport,
    NoticeStatus,
    ReportChannel,
)
from jiuzhu.familysearch.review_services import _close
from jiuzhu.familysearch.selectors import current_face_index

CODE_PURPOSE = "missing_report"  # core.sms verification codes of the missing report
REPORT_LIMIT = RateLimit("fs-report", 3, dt.timedelta(hours=1),
                         "同一网络一小时内提交的寻亲登记过多，请稍后再试；情况紧急请拨打 110")
SEARCH_LIMIT = RateLimit("fs-photo-search", 10, dt.timedelta(hours=1),
                         "同一网络一小时内以图寻亲的次数过多，请稍后再试")
PHOTO_SEARCH_PURPOSE = "网上以图寻亲"
SEARCH_DEPTH = 50  # nearest subjects read from the index before keeping clients with a published notice

NOT_AN_IMAGE = "照片应为 JPEG 或 PNG 图片（按文件内容判断，与扩展名无关），请重新选择"


def now() -> dt.datetime:
    return timezone.now()


# ---- Uploads ---------------------------------------------------------------------------------------------

def image_from_upload(upload, field: str = "photo") -> bytes | None:
    """The bytes of an uploaded photo, checked in this order, before anything is decoded: its size (the upload
    handler kept no more than the limit, core.files), its first bytes (JPEG or PNG, whatever the file name says),
    then Pillow's verify (a structural check that decodes no pixels). None when no file was chosen."""
    if upload is None or not (upload.size or upload.name):
        return None
    try:
        data = upload_bytes(upload)
    except FileRejected as exc:
        raise invalid(exc.message, field) from None
    if sniff_content_type(data[:16]) not in ("image/jpeg", "image/png"):
        raise invalid(NOT_AN_IMAGE, field)
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a decompression bomb is refused by faces.MAX_PIXELS when decoded
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
    except Exception:  # Pillow raises many types for a damaged file: all mean the same to the family
        raise invalid(faces.NOT_IMAGE, field) from None
    return data


def images_from_uploads(uploads, limit: int, field: str = "photo") -> list[bytes]:
    """Several photos of one form field (`request.FILES.getlist`), each checked as image_from_upload does; more
    than `limit` is refused before any is read, and an error names the photo (第 2 张照片：…)."""
    chosen = [u for u in uploads if u is not None and (u.size or u.name)]
    if len(chosen) > limit:
        raise invalid(f"最多上传 {limit} 张照片", field)
    photos = []
    for index, upload in enumerate(chosen, 1):
        try:
            photos.append(image_from_upload(upload, field))
        except DomainError as exc:
            raise invalid(f"第 {index} 张照片：{exc.message}" if len(chosen) > 1 else exc.message, field) from None
    return photos


# ---- Verification codes ---------------------------------------------------------------------------------

def _mobile(phone: str, field: str = "reporter_phone") -> str:
    return sms.mobile_number(phone, field)


def code_send(*, phone: str, client_address: str | None, purpose: str = CODE_PURPOSE):
    """Sends a new 6-digit code to the reporter's mobile (core.sms.code_send, its limits and messages)."""
    return sms.code_send(phone=phone, client_address=client_address, purpose=purpose, form_label="寻亲登记",
                         field="reporter_phone")


def code_check(*, phone: str, code: str, purpose: str = CODE_PURPOSE):
    """The reporter's newest code if `code` is it (core.sms.code_check)."""
    return sms.code_check(phone=phone, code=code, purpose=purpose, field="reporter_phone")


# ---- The family's missing report ------------------------------------------------------------------------

def region_from_text(text: str) -> Region | None:
    """The region a free-text place names (cpca: "湖南省邵阳市隆回县桃洪镇" → 430524), at the precision given."""
    code = region_code_from_text(text) if (text or "").strip() else ""
    return Region.objects.filter(code=code).first() if code else None


def report_submit_public(*, client_address: str | None, reporter_phone: str, code: str, sex: str,
                         missing_date: dt.date | None, reporter_name: str, reporter_relation: str, name: str = "",
                         birth_year=None, height_cm=None, hukou_text: str = "", last_seen_place: str = "",
                         features: str = "", clothing: str = "", health: str = "",
                         photo: bytes | None = None, missing_time: dt.time | None = None,
                         photos: list[bytes] | None = None) -> MissingReport:
    """走失人员登记 from the portal: the reporter's mobile verified by its code, then the report created by
    services.missing_report_create (channel PORTAL; the photo enrolled there) and the code used, in one
    transaction. The report's region (who handles it) is the county of the last-seen place, else of the hukou
    (cpca)."""
    from jiuzhu.familysearch.services import missing_report_create

    client = REPORT_LIMIT.key(client_address)
    REPORT_LIMIT.check(MissingReport.objects, key=client)
    phone = _mobile(reporter_phone)
    row = code_check(phone=phone, code=code)
    last_seen_region = region_from_text(last_seen_place)
    hukou_region = region_from_text(hukou_text)
    region = last_seen_region or hukou_region
    if region is None:
        raise invalid("请在走失地点写明省、市、县（区），如“湖南省邵阳市隆回县桃洪镇”，以便由当地救助管理机构受理",
                      "last_seen_place")
    report, keys = None, set()
    try:
        with transaction.atomic():
            report = missing_report_create(
                actor=None, channel=ReportChannel.PORTAL, region=region, sex=sex, missing_date=missing_date,
                missing_time=missing_time, reporter_name=reporter_name, reporter_relation=reporter_relation,
                reporter_phone=phone, name=name,
                birth_year=birth_year, height_cm=height_cm, hukou_region=hukou_region, hukou_text=hukou_text,
                last_seen_region=last_seen_region, last_seen_place=last_seen_place, features=features,
                clothing=clothing, health=health, photo=photo, photos=photos, client_hash=client)
            keys = {report.photo_key, *FacePhoto.objects.filter(report=report).values_list("photo_key", flat=True)}
            keys.discard("")
            sms.code_use(row, now())
    except Exception:
        for key in keys:  # created, then rolled back: its stored photos go too
            stored_file_delete(key)
        raise
    return report


# ---- Two-way photo search -------------------------------------------------------------------------------

def _log(*, client: str, notices: list[FamilyNotice], hits: dict, photos: int) -> FaceSearchLog:
    first = notices[0] if notices else None
    # no photo ids: a staff search's page opens the photos its result lists (selectors.search_photo), and a public
    # search's row is for accountability, not a way into photos
    result = [{"kind": "case", "id": n.case_id, "distance": round(hits[n.case_id].distance, 4),
               "notice": n.public_code} for n in notices]
    log = FaceSearchLog.objects.create(
        day=timezone.localdate(), operator=None, organization=first.station if first else None,
        region=first.station.region if first else None, purpose=PHOTO_SEARCH_PURPOSE, photos=photos,
        candidates=len(notices), best_distance=result[0]["distance"] if result else None, result=result,
        client_hash=client)
    audit(AuditAction.READ, actor=None, obj=log,
          detail={"purpose": "public_face_search", "notices": [n.public_code for n in notices],
                  "refused": photos == 0})
    record_event(kind=FamilySearchEvent.FACE_SEARCHED, subject=log, actor=None, region=log.region,
                 summary=(f"网上以图寻亲：显示 {len(notices)} 条寻亲公告" if photos
                          else "网上以图寻亲：照片未通过人脸检测"),
                 payload={"public": True, "notices": len(notices)})
    return log


def photo_search_public(*, photo: bytes, client_address: str | None) -> list[FamilyNotice]:
    """The published notices whose client resembles the photo (nearest first); see the module's docstring."""
    client = SEARCH_LIMIT.key(client_address)
    SEARCH_LIMIT.check(FaceSearchLog.objects, key=client, time_field="searched_at")
    if not photo:
        raise invalid("请选择照片", "photo")
    try:
        encoding = faces.encode_face(photo)
    except DomainError:
        with transaction.atomic():
            _log(client=client, notices=[], hits={}, photos=0)
        raise
    hits = {h.subject_id: h for h in current_face_index().search([encoding.vector], k=SEARCH_DEPTH)
            if h.kind == faces.KIND_CASE and _close(h.distance)}
    notices = sorted(FamilyNotice.objects.filter(case_id__in=list(hits), status=NoticeStatus.PUBLISHED)
                     .select_related("station", "station__region"),
                     key=lambda n: (hits[n.case_id].distance, n.pk))
    with transaction.atomic():
        _log(client=client, notices=notices, hits=hits, photos=1)
    return notices
