"""Reads of family-search notices (寻亲公告): the station's list and page (scoped, 404 out of scope, every client
shown audited) and the public portal's and feed's reads (published only, the public fields only).

Public means: status published, and the client still unidentified in stay. The second half makes a notice leave
the portal the moment the client is identified or discharged, before the withdrawal handler has run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_persons_shown, audit_read
from jiuzhu.core.models import Event, Region
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import FamilyNotice, NoticeStatus
from jiuzhu.familysearch.notice_services import NOTICE_SCOPE
from jiuzhu.rescue.models import STAY_STATUSES

CASE_OBJECT_TYPE = "rescue.rescuecase"  # a notice shows a client: audited as rescue's records are
DUE_SOON = dt.timedelta(hours=6)  # a draft is "due" on the work list this long before its deadline
FILTERS = {  # the list's filter: value -> (Chinese label)
    "open": "待发布和已发布", "draft": "待审核发布", "overdue": "超过 24 小时未发布", "published": "已发布",
    "refresh": "到期待更新", "withdrawn": "已撤回", "all": "全部",
}
NOTICE_KINDS = (FamilySearchEvent.NOTICE_DRAFTED, FamilySearchEvent.NOTICE_EDITED,
                FamilySearchEvent.NOTICE_PUBLISHED, FamilySearchEvent.NOTICE_WITHDRAWN)
PUBLIC_PAGE_SIZE = 20
FEED_SIZE = 200


def today() -> dt.date:
    return timezone.localdate()


# ---- The station's reads ---------------------------------------------------------------------------

def notices_in_scope(actor) -> QuerySet[FamilyNotice]:
    require(actor, Capability.RESCUE_CASES)
    return scoped(FamilyNotice.objects.select_related("station", "region"), actor, **NOTICE_SCOPE)


def filter_q(show: str, *, now: dt.datetime | None = None) -> Q:
    now = now or timezone.now()
    return {
        "open": Q(status__in=(NoticeStatus.DRAFT, NoticeStatus.PUBLISHED)),
        "draft": Q(status=NoticeStatus.DRAFT),
        "overdue": Q(status=NoticeStatus.DRAFT, due_at__lt=now),
        "published": Q(status=NoticeStatus.PUBLISHED),
        "refresh": refresh_due_q(timezone.localdate(now)),
        "withdrawn": Q(status=NoticeStatus.WITHDRAWN),
    }.get(show, Q())


def refresh_due_q(on: dt.date) -> Q:
    return Q(status=NoticeStatus.PUBLISHED, refresh_due_on__lte=on, case__status__in=STAY_STATUSES,
             case__identity_confirmed=False)


def notice_search(*, actor, show: str = "open") -> QuerySet[FamilyNotice]:
    """The station's notices by the list's filter: drafts first by deadline, then the newest."""
    return notices_in_scope(actor).filter(filter_q(show)).order_by("status", "due_at", "-pk")


def audit_notices_shown(actor, case_ids, *, purpose: str) -> int:
    """One READ row per client whose notice a list or export shows (set-based), as rescue audits its records."""
    return audit_persons_shown(actor=actor, persons=case_ids, purpose=f"notice_{purpose}",
                               object_type=CASE_OBJECT_TYPE)


def notice_get(*, actor, notice_id: int, purpose: str = "page") -> FamilyNotice:
    """One notice, audited (the notice and the client it shows); 404 out of scope."""
    notice = get_scoped_or_404(notices_in_scope(actor).select_related("case", "published_by"), actor,
                               pk=notice_id)
    audit_read(actor, notice, detail={"purpose": purpose, "case": notice.case_id})
    return notice


def notice_for_case(*, actor, case_id: int) -> FamilyNotice | None:
    """The notice of a rescue record the actor may see (for the record page's link), unaudited: only its id."""
    require(actor, Capability.RESCUE_CASES)
    return scoped(FamilyNotice.objects.filter(case_id=case_id), actor, **NOTICE_SCOPE).only("pk", "status").first()


def notice_history(notice: FamilyNotice) -> QuerySet[Event]:
    """The notice's life: drafted, edited, each publication (revision), withdrawn; oldest first."""
    return Event.objects.filter(subject_type="familysearch.familynotice", subject_id=str(notice.pk),
                                kind__in=NOTICE_KINDS).select_related("actor").order_by("occurred_at", "pk")


def drafts_due(actor, *, now: dt.datetime | None = None) -> QuerySet[FamilyNotice]:
    """Drafts whose 24-hour deadline passed or comes within DUE_SOON (the manager's work list)."""
    now = now or timezone.now()
    return notices_in_scope(actor).filter(status=NoticeStatus.DRAFT, due_at__lt=now + DUE_SOON)


def refreshes_due(actor, on: dt.date | None = None) -> QuerySet[FamilyNotice]:
    return notices_in_scope(actor).filter(refresh_due_q(on or today()))


# ---- The public's reads (no actor: published notices are public) -----------------------------------

def public_q() -> Q:
    return Q(status=NoticeStatus.PUBLISHED, case__status__in=STAY_STATUSES, case__identity_confirmed=False)


@dataclass(frozen=True)
class PublicSearch:
    sex: str = ""
    age_from: int | None = None
    age_to: int | None = None
    region: str = ""  # a name (or part of one) of the found region or any region above it
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    accent: str = ""


def _int(value: str) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if 0 <= number <= 120 else None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def public_search_from(params) -> PublicSearch:
    """The portal's search form, forgiving: a value that does not parse is ignored, never an error page."""
    sex = (params.get("sex") or "").strip()
    return PublicSearch(sex=sex if sex in ("M", "F") else "", age_from=_int(params.get("age_from", "")),
                        age_to=_int(params.get("age_to", "")), region=(params.get("region") or "").strip()[:30],
                        found_from=_date(params.get("found_from", "")), found_to=_date(params.get("found_to", "")),
                        accent=(params.get("accent") or "").strip()[:30])


def public_notices(search: PublicSearch | None = None) -> QuerySet[FamilyNotice]:
    """Published notices, newest first, narrowed by the portal's search. The region is found by name: a notice
    found in the region named, or anywhere below it (a city's name finds its counties' notices)."""
    qs = FamilyNotice.objects.filter(public_q()).select_related("region", "station")
    s = search or PublicSearch()
    if s.sex:
        qs = qs.filter(sex=s.sex)
    if s.age_from is not None:
        qs = qs.filter(estimated_age__gte=s.age_from)
    if s.age_to is not None:
        qs = qs.filter(estimated_age__lte=s.age_to)
    if s.found_from:
        qs = qs.filter(found_on__gte=s.found_from)
    if s.found_to:
        qs = qs.filter(found_on__lte=s.found_to)
    if s.accent:
        qs = qs.filter(accent__contains=s.accent)
    if s.region:
        paths = list(Region.objects.filter(Q(name__contains=s.region) | Q(full_name__contains=s.region))
                     .values_list("path", flat=True)[:50])
        match = Q(pk__in=[])
        for path in paths:
            match |= Q(region__path__startswith=path)
        qs = qs.filter(match)
    return qs.order_by("-published_at", "-pk")


def public_notice(code: str) -> FamilyNotice:
    """One published notice by its public code; 404 for anything else (a draft, a withdrawn one, a wrong code)."""
    notice = FamilyNotice.objects.filter(public_q(), public_code=(code or "")[:16]).select_related(
        "region", "station").first()
    if notice is None:
        raise Http404("寻亲公告不存在或已撤回")
    return notice


def feed_notices() -> list[FamilyNotice]:
    return list(public_notices()[:FEED_SIZE])


PUBLIC_PHOTO_SIDE = 800  # px: enough for a family to recognise a face, no more of the original than needed


def public_photo_bytes(notice: FamilyNotice) -> bytes:
    """The notice's photo as a new JPEG (longest side at most PUBLIC_PHOTO_SIDE) without the original's metadata:
    a phone's EXIF may carry where and when the photo was taken. 404 when the notice has no photo."""
    import io

    from PIL import Image, ImageOps

    from jiuzhu.core.files import stored_file_read

    if not notice.photo_key:
        raise Http404("该公告没有照片")
    with Image.open(io.BytesIO(stored_file_read(notice.photo_key))) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((PUBLIC_PHOTO_SIDE, PUBLIC_PHOTO_SIDE))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
    return out.getvalue()
