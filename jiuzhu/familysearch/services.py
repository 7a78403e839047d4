"""Writes of family search: missing reports (寻亲登记), face enrolment (人脸采集) and face search (人脸比对) with its
ledger (人脸比对使用台账), and the handler of rescue's CLIENT_ADMITTED.

Each service checks, in this order, the capability (core.permissions), the scope (a rescue record: its station is
the actor's organisation or one directly below it, rescue.scopes.CASE_SCOPE; a missing report: its region in the
actor's subtree, REPORT_SCOPE; 404 otherwise), the status, then writes in one transaction with an audit row and an
event (FamilySearchEvent). The face is encoded before the transaction opens (it takes up to a second).

Who sees which candidate. A face search starts from a record the actor may see (their own station's client, or a
report of their region), and compares it with every enrolled face in the country: that is the point of the
search. What it returns and what the ledger keeps about candidates are their kind, number and distance only. Seeing
a candidate is a separate read (selectors.candidate_notice) that requires the family-search capability and writes
an audit row: a candidate within the actor's scope is their own record, shown by its own page; a candidate of
another station or region is shown as the national family-search notice shows a person (photo, sex, age, date and
place found or last seen, the station handling it, features and clothing) and never with an ID number, a
reporter's or relative's contact, or an address. A match is then confirmed with the other station, never by the
engine: distances come with a Chinese label, never an automatic identification."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core.audit import audit, audit_change
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.errors import DomainError, clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.files import file_facts, stored_file_delete, stored_file_read, stored_file_save
from jiuzhu.core.identity import id_number_field
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, region_in_scope
from jiuzhu.familysearch import faces
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import (
    FacePhoto,
    FaceSearchLog,
    FaceSource,
    FaceStatus,
    MissingReport,
    PersonSex,
    ReportChannel,
    ReportStatus,
)
from jiuzhu.familysearch.selectors import REPORT_SCOPE, current_face_index
from jiuzhu.rescue.models import STAY_STATUSES, CaseStatus, RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

PHOTO_TYPES = ("image/jpeg", "image/png")
DEFAULT_TOP = 10
REPORT_AUTO_PURPOSE = "寻亲登记自动比对"
MAX_TOP = 50
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")


def today() -> dt.date:
    return timezone.localdate()


# ---- Missing reports ------------------------------------------------------------------------------------

def new_receipt_number() -> str:
    """XQ20261202-48213907: the day and eight random digits (digits: read out over the phone; 10**8 a day, the
    column is unique)."""
    return f"XQ{today():%Y%m%d}-{secrets.randbelow(10 ** 8):08d}"


def _clean_phone(value: str) -> str:
    phone = re.sub(r"[\s\-()（）]", "", value or "")
    if not phone:
        raise invalid("请填写联系电话", "reporter_phone")
    if not _PHONE.fullmatch(phone):
        raise invalid("联系电话应为 11 位手机号码或带区号的固定电话", "reporter_phone")
    return phone


def _clean_birth(birth_year, birth_date: dt.date | None, missing_date: dt.date) -> tuple[int | None, dt.date | None]:
    if birth_date is not None:
        if birth_date > missing_date:
            raise invalid("出生日期不能晚于走失日期", "birth_date")
        return birth_date.year, birth_date
    if birth_year in (None, ""):
        return None, None
    try:
        year = int(birth_year)
    except (TypeError, ValueError):
        raise invalid("出生年份应为四位数字", "birth_year") from None
    if not 1900 <= year <= missing_date.year:
        raise invalid(f"出生年份应在 1900 至 {missing_date.year} 之间", "birth_year")
    return year, None


def _clean_height(height_cm) -> int | None:
    if height_cm in (None, ""):
        return None
    try:
        height = int(height_cm)
    except (TypeError, ValueError):
        raise invalid("身高应为整数（厘米）", "height_cm") from None
    if not 40 <= height <= 230:
        raise invalid("身高应在 40 至 230 厘米之间", "height_cm")
    return height


def _photo_checked(photo: bytes | None) -> bytes | None:
    if not photo:
        return None
    try:
        kind = file_facts(photo).content_type
    except DomainError as exc:
        raise invalid(exc.message, "photo") from None
    if kind not in PHOTO_TYPES:
        raise invalid("照片应为 JPEG 或 PNG 图片", "photo")
    return photo


MAX_REPORT_PHOTOS = 3


def _numbered(index: int, total: int, message: str) -> str:
    return f"第 {index} 张照片：{message}" if total > 1 else message


def _report_photos(photos: list[bytes]) -> list[tuple[bytes, faces.Encoding]]:
    """A report's photos (at most three), each checked (type, then one face) before anything is stored; the same
    photo twice is kept once. An error names the photo when there are several."""
    if len(photos) > MAX_REPORT_PHOTOS:
        raise invalid(f"最多上传 {MAX_REPORT_PHOTOS} 张照片", "photo")
    checked, seen = [], set()
    for index, data in enumerate(photos, 1):
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        try:
            data = _photo_checked(data)
            checked.append((data, faces.encode_face(data)))
        except DomainError as exc:
            raise invalid(_numbered(index, len(photos), exc.message), "photo") from None
    return checked


def missing_report_create(*, actor, channel: str, region: Region, sex: str, missing_date: dt.date,
                          reporter_name: str, reporter_relation: str, reporter_phone: str, name: str = "",
                          birth_year: int | None = None, birth_date: dt.date | None = None,
                          height_cm: int | None = None, id_number: str = "", hukou_region: Region | None = None,
                          hukou_text: str = "", last_seen_region: Region | None = None, last_seen_place: str = "",
                          features: str = "", clothing: str = "", accent: str = "", health: str = "",
                          photo: bytes | None = None, client_hash: str = "",
                          missing_time: dt.time | None = None, photos: list[bytes] | None = None) -> MissingReport:
    """走失人员寻亲登记. Staff (station or police channel) need the report-missing capability and a region in their
    jurisdiction; the public portal calls this with actor=None and channel portal (the region is the county the
    family chose). Photos (`photo` and/or `photos`, at most three), when given, must each show one face: they are
    enrolled in the same transaction so the next admission's search finds them; the first is the report's photo.
    The reporter's phone is kept encrypted (last four digits for the masked view). Every report gets a receipt
    number (登记编号) for the family; a portal report keeps its client hash (core.ratelimit, public_services)."""
    if actor is None:
        if channel != ReportChannel.PORTAL:
            raise refused("未登录时只能通过网上寻亲登记")
    else:
        require(actor, Capability.REPORT_MISSING)
        if channel not in (ReportChannel.STATION, ReportChannel.POLICE):
            raise invalid("请选择登记渠道（救助管理站代为登记或公安机关转来）", "channel")
        if not region_in_scope(actor, region):
            raise invalid("受理地区不在您的管辖范围内", "region")
    if region is None:
        raise invalid("请选择受理地区", "region")
    if sex not in PersonSex.values:
        raise invalid("请选择性别", "sex")
    if missing_date is None:
        raise invalid("请填写走失日期", "missing_date")
    if missing_date > today():
        raise invalid("走失日期不能晚于今天", "missing_date")
    if missing_time is not None and missing_date == today() and missing_time > timezone.localtime().time():
        raise invalid("走失时间不能晚于现在", "missing_time")
    number = ""
    info = id_number_field(id_number)
    if info is not None:
        number, birth_date = info.number, info.birth_date
    year, birth_date = _clean_birth(birth_year, birth_date, missing_date)
    phone = _clean_phone(reporter_phone)
    enrolled = _report_photos([p for p in [photo, *(photos or [])] if p])
    report = MissingReport(
        channel=channel, region=region, station=getattr(actor, "organization", None) if actor else None,
        name=clean_text(name, "姓名", "name", 50, join_lines=True), sex=sex, birth_year=year, birth_date=birth_date,
        height_cm=_clean_height(height_cm),
        id_number_cipher=encrypt_text(number) if number else "", id_number_hash=keyed_hash(number) if number else "",
        hukou_region=hukou_region, hukou_text=clean_text(hukou_text, "户籍地址", "hukou_text", 200, join_lines=True),
        missing_date=missing_date, missing_time=missing_time, last_seen_region=last_seen_region,
        last_seen_place=clean_text(last_seen_place, "最后出现地点", "last_seen_place", 200, join_lines=True),
        features=clean_text(features, "体貌特征", "features", 500),
        clothing=clean_text(clothing, "走失时衣着", "clothing", 300),
        accent=clean_text(accent, "口音", "accent", 60, join_lines=True),
        health=clean_text(health, "健康状况", "health", 300),
        reporter_name=clean_text(reporter_name, "登记人姓名", "reporter_name", 50, required=True, join_lines=True),
        reporter_relation=clean_text(reporter_relation, "与走失人员关系", "reporter_relation", 30, required=True,
                                     join_lines=True),
        reporter_phone_cipher=encrypt_text(phone), reporter_phone_last4=phone[-4:], created_by=actor,
        receipt_number=new_receipt_number(), client_hash=client_hash if actor is None else "")
    keys: list[str] = []
    try:
        with transaction.atomic():
            for data, _encoding in enrolled:
                keys.append(stored_file_save(data=data))
            report.photo_key = keys[0] if keys else ""
            report.save()
            audit_change(AuditAction.CREATE, actor, report,
                         changes={"channel": channel, "region": region.code, "photo": bool(keys),
                                  "photos": len(keys)})
            record_event(kind=FamilySearchEvent.MISSING_REPORTED, subject=report, actor=actor, region=region,
                         summary=f"寻亲登记：{report.display_name}（{report.get_channel_display()}）",
                         payload={"channel": channel, "sex": sex, "birth_year": year})
            for key, (data, encoding) in zip(keys, enrolled, strict=True):
                _photo_create(subject=report, source=FaceSource.REPORT, key=key, data=data, encoding=encoding,
                              actor=actor, note=f"寻亲登记照片（{report.get_channel_display()}）")
    except Exception:
        for key in keys:
            stored_file_delete(key)  # the record was rolled back: its files go too
        raise
    return report


# ---- Face enrolment -------------------------------------------------------------------------------------

def _case_in_scope(actor, case: RescueCase, *, lock: bool = False) -> RescueCase:
    qs = RescueCase.objects.select_related("station", "station__region")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return get_scoped_or_404(qs, actor, scope=CASE_SCOPE, pk=case.pk)


def _report_in_scope(actor, report: MissingReport, *, lock: bool = False) -> MissingReport:
    qs = MissingReport.objects.select_related("region")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return get_scoped_or_404(qs, actor, scope=REPORT_SCOPE, pk=report.pk)


def _one_subject(case, report):
    if (case is None) == (report is None):
        raise invalid("请指定一条救助记录或一条寻亲登记", "subject")


def _subject_fields(subject) -> dict:
    return {"case": subject} if isinstance(subject, RescueCase) else {"report": subject}


def _subject_region(subject) -> Region:
    return subject.station.region if isinstance(subject, RescueCase) else subject.region


def _case_source(case: RescueCase) -> str:
    if case.status == CaseStatus.REFUSED:
        raise refused("不予救助的记录不能采集人脸照片")
    return FaceSource.CLIENT if case.status in STAY_STATUSES else FaceSource.HISTORY


def _existing(subject, sha256: str) -> FacePhoto | None:
    return FacePhoto.objects.filter(sha256=sha256, **_subject_fields(subject)).first()


def _photo_create(*, subject, source: str, key: str, data: bytes, encoding: faces.Encoding | None, actor,
                  note: str, failure: str = "") -> FacePhoto:
    """The FacePhoto row, its audit row and its event, in the caller's transaction."""
    photo = FacePhoto.objects.create(
        source=source, photo_key=key, sha256=hashlib.sha256(data).hexdigest(),
        status=FaceStatus.ACTIVE if encoding is not None else FaceStatus.FAILED,
        embedding=faces.vector_bytes(encoding.vector) if encoding is not None else None,
        box=list(encoding.box) if encoding is not None else [], failure=failure[:200], note=note[:300],
        enrolled_by=actor if getattr(actor, "pk", None) else None, **_subject_fields(subject))
    audit_change(AuditAction.CREATE, actor, photo,
                 changes={"subject": subject._meta.label_lower, "subject_id": subject.pk, "source": source,
                          "status": photo.status})
    kind = FamilySearchEvent.FACE_ENROLLED if encoding is not None else FamilySearchEvent.FACE_ENROLL_FAILED
    record_event(kind=kind, subject=photo, actor=actor, region=_subject_region(subject),
                 summary=(f"人脸采集：{photo.get_source_display()}" if encoding is not None
                          else f"人脸采集失败：{failure}"),
                 payload={"subject": subject._meta.label_lower, "subject_id": subject.pk, "source": source})
    return photo


def face_enroll(*, actor, case: RescueCase | None = None, report: MissingReport | None = None, data: bytes,
                note: str = "") -> FacePhoto:
    """人脸采集: one photo of a client (in stay: admission photo; discharged: a historical record) or of a missing
    person (an open report). The photo must show exactly one face (Chinese message otherwise, nothing stored). The
    same photo of the same subject again returns the row already enrolled."""
    require(actor, Capability.FAMILY_SEARCH)
    _one_subject(case, report)
    subject = _case_in_scope(actor, case) if case is not None else _report_in_scope(actor, report)
    if report is not None and subject.status != ReportStatus.OPEN:
        raise refused(f"该寻亲登记当前状态为“{subject.get_status_display()}”，不能采集照片")
    source = _case_source(subject) if case is not None else FaceSource.REPORT
    data = _photo_checked(data)
    if data is None:
        raise invalid("请选择照片", "photo")
    note = clean_text(note, "来源说明", "note", 300, join_lines=True)
    existing = _existing(subject, hashlib.sha256(data).hexdigest())
    if existing is not None and existing.status == FaceStatus.ACTIVE:
        return existing
    encoding = faces.encode_face(data)
    key = stored_file_save(data=data)
    try:
        with transaction.atomic():
            subject = (_case_in_scope(actor, subject, lock=True) if case is not None
                       else _report_in_scope(actor, subject, lock=True))
            if existing is not None:  # the same photo failed before (a detector change): enrolled now
                FacePhoto.objects.filter(pk=existing.pk).delete()
            photo = _photo_create(subject=subject, source=source, key=key, data=data, encoding=encoding,
                                  actor=actor, note=note or FaceSource(source).label)
    except IntegrityError:
        stored_file_delete(key)  # enrolled meanwhile by a parallel request: that row stands
        found = _existing(subject, hashlib.sha256(data).hexdigest())
        if found is None:
            raise
        return found
    except Exception:
        stored_file_delete(key)
        raise
    return photo


# ---- Face search ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    kind: str  # "case" or "report"
    subject_id: int
    photo_id: int
    distance: float

    @property
    def label(self) -> str:
        return faces.similarity_label(self.distance)

    @property
    def kind_label(self) -> str:
        return "救助记录" if self.kind == "case" else "寻亲登记"


@dataclass(frozen=True)
class SearchResult:
    log: FaceSearchLog
    candidates: list[Candidate]


KIND_NAMES = {faces.KIND_CASE: "case", faces.KIND_REPORT: "report"}


def _search(*, subject, actor, purpose: str, top: int) -> SearchResult:
    """Searches the subject's active faces against the whole index and writes the ledger row, its audit row and
    its event (in the caller's transaction)."""
    probes = list(FacePhoto.objects.filter(status=FaceStatus.ACTIVE, **_subject_fields(subject))
                  .values_list("embedding", flat=True))
    if not probes:
        raise refused("该记录还没有可用于比对的人脸照片，请先采集正面清晰照片")
    own = (faces.KIND_CASE if isinstance(subject, RescueCase) else faces.KIND_REPORT, subject.pk)
    index = current_face_index()
    hits = index.search([faces.vector_from_bytes(p) for p in probes], k=top, exclude=own)
    candidates = [Candidate(kind=KIND_NAMES[h.kind], subject_id=h.subject_id, photo_id=h.photo_id,
                            distance=round(h.distance, 4)) for h in hits]
    org = getattr(actor, "organization", None) if actor is not None else None
    if org is None:
        org = subject.station  # the automatic runs: the record's station, or the report's (none from the portal)
    log = FaceSearchLog.objects.create(
        day=today(), operator=actor if getattr(actor, "pk", None) else None, organization=org,
        region=_subject_region(subject), purpose=purpose[:100], photos=len(probes), candidates=len(candidates),
        best_distance=candidates[0].distance if candidates else None,
        result=[{"kind": c.kind, "id": c.subject_id, "photo": c.photo_id, "distance": c.distance}
                for c in candidates],
        **_subject_fields(subject))
    audit(AuditAction.READ, actor=actor, obj=log,
          detail={"purpose": "face_search", "subject": subject._meta.label_lower, "subject_id": subject.pk,
                  "candidates": len(candidates)})
    record_event(kind=FamilySearchEvent.FACE_SEARCHED, subject=log, actor=actor, region=log.region,
                 summary=f"人脸比对：{len(candidates)} 名候选"
                         + (f"，最小距离 {candidates[0].distance:.2f}" if candidates else ""),
                 payload={"subject": subject._meta.label_lower, "subject_id": subject.pk,
                          "candidates": len(candidates)})
    return SearchResult(log=log, candidates=candidates)


def face_search(*, actor, case: RescueCase | None = None, report: MissingReport | None = None,
                top: int = DEFAULT_TOP, purpose: str = "人工比对") -> SearchResult:
    """人脸比对: the subject's enrolled faces against every enrolled face, the `top` nearest other subjects with
    their distances. Writes one ledger row (FaceSearchLog) with an audit row and an event. Candidates are ids and
    distances only (see the module's docstring for how a candidate is then shown)."""
    require(actor, Capability.FAMILY_SEARCH)
    _one_subject(case, report)
    try:
        top = int(top)
    except (TypeError, ValueError):
        raise invalid("候选人数应为整数", "top") from None
    if not 1 <= top <= MAX_TOP:
        raise invalid(f"候选人数应在 1 至 {MAX_TOP} 之间", "top")
    purpose = clean_text(purpose, "比对事由", "purpose", 100, required=True, join_lines=True)
    subject = _case_in_scope(actor, case) if case is not None else _report_in_scope(actor, report)
    if isinstance(subject, RescueCase) and subject.status == CaseStatus.REFUSED:
        raise refused("不予救助的记录不能进行人脸比对")
    if isinstance(subject, MissingReport) and subject.status != ReportStatus.OPEN:
        raise refused(f"该寻亲登记当前状态为“{subject.get_status_display()}”，不能进行人脸比对")
    with transaction.atomic():
        return _search(subject=subject, actor=actor, purpose=purpose, top=top)


# ---- Handler of rescue's CLIENT_ADMITTED ----------------------------------------------------------------

def face_from_admission_event(event) -> FacePhoto | None:
    """Handler of RescueEvent.CLIENT_ADMITTED: the client's admission photo (RescueCase.photo_key, the same stored
    file) is enrolled and searched, the search logged in the ledger as the automatic run (operator: the worker who
    admitted). Idempotent: the same photo of the same record is enrolled once, and searched only when it is new.
    A photo without exactly one face is kept as FAILED with the reason (the station retakes it); the admission
    is not touched."""
    case = RescueCase.objects.select_related("station", "station__region").filter(pk=int(event.subject_id)).first()
    if case is None or not case.photo_key or case.status == CaseStatus.REFUSED:
        return None
    data = stored_file_read(case.photo_key)
    existing = _existing(case, hashlib.sha256(data).hexdigest())
    if existing is not None:
        return existing
    try:
        encoding, failure = faces.encode_face(data), ""
    except DomainError as exc:
        encoding, failure = None, exc.message
    actor = event.actor if event.actor_id else None
    try:
        with transaction.atomic():
            photo = _photo_create(subject=case, source=FaceSource.CLIENT, key=case.photo_key, data=data,
                                  encoding=encoding, actor=actor, note="入站登记照片（自动采集）", failure=failure)
            if encoding is not None:
                _search(subject=case, actor=actor, purpose="入站自动比对", top=DEFAULT_TOP)
    except IntegrityError:
        return _existing(case, hashlib.sha256(data).hexdigest())  # a parallel delivery enrolled it
    return photo


def face_from_report_event(event) -> SearchResult | None:
    """Handler of FamilySearchEvent.MISSING_REPORTED: a report filed with a photo is searched at once against every
    enrolled face (current and past clients, other reports), logged in the ledger as the automatic run (operator:
    the staff member who filed it; none for the portal). Once per report: a second delivery finds the run logged."""
    report = MissingReport.objects.select_related("region", "station").filter(pk=int(event.subject_id)).first()
    if report is None or report.status != ReportStatus.OPEN:
        return None
    if not FacePhoto.objects.filter(report=report, status=FaceStatus.ACTIVE).exists():
        return None
    if FaceSearchLog.objects.filter(report=report, purpose=REPORT_AUTO_PURPOSE).exists():
        return None
    with transaction.atomic():
        return _search(subject=report, actor=event.actor if event.actor_id else None, purpose=REPORT_AUTO_PURPOSE,
                       top=DEFAULT_TOP)
