"""Reads of the station's missing-report pages (寻亲登记): the list (scoped by the report's region, filtered by
status, audited set-based), and a report's candidates (比对候选) with their evidence, the client shown as the
national notice shows a person (selectors._case_notice). Confirm and reject stay with the client's station
(review_services.CANDIDATE_SCOPE): a candidate of another station is shown without its buttons or photos."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from jiuzhu.core.audit import audit_persons_shown, audit_read
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.familysearch import selectors
from jiuzhu.familysearch.faces import similarity_label
from jiuzhu.familysearch.models import FamilyNotification, MatchCandidate, MissingReport, ReportStatus
from jiuzhu.familysearch.review_selectors import EvidenceLine, _in_scope, _photos
from jiuzhu.familysearch.review_services import CANDIDATE_SCOPE, face_weight
from jiuzhu.rescue.models import RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

FILTERS = {"open": "寻找中", "found": "已找到", "withdrawn": "已撤销", "all": "全部"}
REPORT_OBJECT_TYPE = "familysearch.missingreport"


def report_search(*, actor, show: str = "open") -> QuerySet:
    qs = selectors.reports_in_scope(actor).select_related("region", "last_seen_region").order_by("-created_at", "-pk")
    return qs.filter(status=show) if show in ReportStatus.values else qs


def audit_reports_shown(actor, reports, *, purpose: str) -> int:
    """One READ row per report shown by a list or an export (one INSERT … SELECT)."""
    return audit_persons_shown(actor=actor, persons=reports, purpose=purpose, object_type=REPORT_OBJECT_TYPE)


@dataclass(frozen=True)
class ReportContact:
    reporter_phone: str
    id_number: str


def report_contact(*, actor, report: MissingReport) -> ReportContact:
    """The reporter's phone and the ID number given, for the report's own page (the caller audited the read)."""
    number = decrypt_text(report.id_number_cipher) if report.id_number_cipher else ""
    if number and not can(actor, Capability.VIEW_FULL_ID):
        number = mask_id_number(number)
    phone = decrypt_text(report.reporter_phone_cipher) if report.reporter_phone_cipher else ""
    return ReportContact(phone, number)


@dataclass
class ReportCandidateRow:
    """The same attributes the candidate piece (_candidate.html) reads on the client's review page."""

    candidate: MatchCandidate
    notice: selectors.CandidateNotice
    evidence: list[EvidenceLine]
    face_label: str
    face_weight: float
    own_photo_id: int | None
    other_photo_id: int | None
    heading: str
    no_decide: bool
    contact: None = None
    notification: FamilyNotification | None = field(default=None)


def candidates_for_report(*, actor, report: MissingReport) -> list[ReportCandidateRow]:
    """The report's candidates (pending first, best score first); each client shown is audited."""
    require(actor, Capability.FAMILY_SEARCH)
    candidates = sorted(MatchCandidate.objects.filter(report=report).select_related("decided_by")
                        .order_by("-score", "pk"), key=lambda c: c.status != "pending")
    case_ids = [c.case_id for c in candidates]
    cases = RescueCase.objects.select_related("station", "station__region").in_bulk(case_ids)
    cases_in = _in_scope(actor, RescueCase, CASE_SCOPE, case_ids)
    decidable = _in_scope(actor, MatchCandidate, CANDIDATE_SCOPE, [c.pk for c in candidates])
    photos = _photos(case_ids, [report.pk])
    notes = {n.candidate_id: n for n in FamilyNotification.objects.filter(candidate__in=candidates)}
    rows = []
    for c in candidates:
        case = cases[c.case_id]
        mine = c.pk in decidable
        audit_read(actor, case, detail={"purpose": "report_candidate", "candidate": c.pk, "report": report.pk})
        rows.append(ReportCandidateRow(
            candidate=c, notice=selectors._case_notice(actor, case, c.case_id in cases_in, photos.get(
                ("case", c.case_id))),
            evidence=[EvidenceLine(e["label"], e["weight"]) for e in c.explanation],
            face_label=similarity_label(c.face_distance) if c.face_distance is not None else "",
            face_weight=face_weight(c.face_distance),
            # thumbnails come through the candidate's page, which only the client's station may open
            own_photo_id=photos.get(("case", c.case_id)) if mine else None,
            other_photo_id=photos.get(("report", report.pk)) if mine else None,
            heading=(f"救助记录 {case.number}" if c.case_id in cases_in else f"{case.station.name}的受助人员"),
            no_decide=not mine, notification=notes.get(c.pk)))
    return rows
