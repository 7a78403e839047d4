"""Reads of the review page (比对候选核实): a client's profile and candidates, each with why (every evidence item,
its Chinese label and weight; the face distance and its label) and the other side shown as the national notice
shows a person (selectors._case_notice / _report_notice: name if given, sex, age, place and date, the handling
station, features). The reporter's name, phone and the report's ID number are shown only to the station that
confirmed that candidate. Every person shown writes an audit row; out of scope is 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from jiuzhu.core.audit import audit_read
from jiuzhu.core.candidate_sources import sources as candidate_sources
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.disclosure import disclose_up_to_cap
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404, scope_q
from jiuzhu.familysearch.faces import similarity_label
from jiuzhu.familysearch.models import (
    CandidateStatus,
    ClientProfile,
    FacePhoto,
    FaceStatus,
    FamilyNotification,
    MatchCandidate,
    MissingReport,
)
from jiuzhu.familysearch.review_services import CANDIDATE_SCOPE, face_weight, profile_defaults
from jiuzhu.familysearch.selectors import REPORT_SCOPE, CandidateNotice, _case_notice, _report_notice, today
from jiuzhu.registry.models import Person
from jiuzhu.rescue.models import RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE


def case_for_review(*, actor, case_id: int, purpose: str = "match_review") -> RescueCase:
    """A rescue record for its profile or review page, audited; 404 out of scope, 403 without the capability."""
    require(actor, Capability.FAMILY_SEARCH)
    case = get_scoped_or_404(RescueCase.objects.select_related("station", "station__region", "sighting",
                                                               "sighting__region"),
                             actor, scope=CASE_SCOPE, pk=case_id)
    audit_read(actor, case, detail={"purpose": purpose})
    return case


def profile_of(case: RescueCase) -> ClientProfile | None:
    return ClientProfile.objects.select_related("accent_region", "found_region").filter(case=case).first()


def profile_values(case: RescueCase) -> dict:
    """The profile form's values: the saved profile's, else the defaults (the sighting's or the admission's)."""
    profile = profile_of(case)
    if profile is None:
        defaults = profile_defaults(case)
        return {**defaults, "found_region_code": defaults["found_region"].code}
    values = {f.name: getattr(profile, f.name) for f in ClientProfile._meta.concrete_fields}
    values["found_region_code"] = profile.found_region.code
    return values


@dataclass(frozen=True)
class EvidenceLine:
    label: str
    weight: float


@dataclass(frozen=True)
class Contact:
    reporter_name: str
    reporter_relation: str
    reporter_phone: str
    id_number: str


@dataclass
class CandidateRow:
    candidate: MatchCandidate
    notice: CandidateNotice
    evidence: list[EvidenceLine]
    face_label: str
    face_weight: float
    own_photo_id: int | None
    other_photo_id: int | None
    contact: Contact | None
    notification: FamilyNotification | None


def _photos(case_ids, report_ids) -> dict[tuple[str, int], int]:
    """The newest active photo of each subject (one query)."""
    out: dict[tuple[str, int], int] = {}
    rows = FacePhoto.objects.filter(status=FaceStatus.ACTIVE).filter(
        Q(case_id__in=list(case_ids)) | Q(report_id__in=list(report_ids))).order_by("pk") \
        .values_list("pk", "case_id", "report_id")
    for pk, case_id, report_id in rows:
        out[("case", case_id) if case_id else ("report", report_id)] = pk
    return out


def _in_scope(actor, model, scope: dict, ids) -> set[int]:
    q = scope_q(actor, **scope)
    qs = model.objects.filter(pk__in=list(ids))
    return set((qs if q is None else qs.filter(q)).values_list("pk", flat=True))


def _contact(actor, candidate: MatchCandidate, report: MissingReport) -> Contact | None:
    """The report's contact and ID number, for the station that confirmed this candidate only."""
    if candidate.status != CandidateStatus.CONFIRMED or candidate.decided_by is None \
            or candidate.decided_by.organization_id != getattr(actor, "organization_id", None):
        return None
    number = decrypt_text(report.id_number_cipher) if report.id_number_cipher else ""
    if number and not can(actor, Capability.VIEW_FULL_ID):
        number = mask_id_number(number)
    phone = decrypt_text(report.reporter_phone_cipher) if report.reporter_phone_cipher else ""
    return Contact(report.reporter_name, report.reporter_relation, phone, number)


def _counties(persons) -> dict[str, str]:
    """{county code: full name} of the persons' hukou (else record) regions, in one query."""
    codes = {(p.hukou_region or p.region).code[:6] for p in persons}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "full_name"))


def _person_notice(person: Person, counties: dict[str, str]) -> CandidateNotice:
    """A low-income registry person as a candidate: what the match compares and nothing more (name, sex, age,
    county of hukou): never the ID number, the address, the village, the tier or the household."""
    born = person.birth_date
    on = today()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return CandidateNotice(
        kind="person", subject_id=person.pk, in_scope=False, photo_id=None, name=person.name,
        sex=person.get_sex_display(), age=f"{age}岁", date_label="", date=None,
        place=counties.get((person.hukou_region or person.region).code[:6], ""), station="低收入人口库",
        features="")


def _sourced(actor, candidates) -> dict[tuple[str, int], CandidateNotice]:
    """Candidates from the sources other apps declare (core.candidate_sources), described and audited by them."""
    by_source: dict[str, list[int]] = {}
    for c in candidates:
        if c.source_id:
            by_source.setdefault(c.source, []).append(c.source_id)
    declared = candidate_sources()
    out = {}
    for name, ids in by_source.items():
        if name not in declared:
            continue
        facts = declared[name].describe(actor=actor, ids=ids, detail={"purpose": "match_candidate"})
        for source_id, f in facts.items():
            out[(name, source_id)] = CandidateNotice(
                kind="source", subject_id=source_id, in_scope=False, photo_id=None, name=f.name, sex=f.sex,
                age=f.age, date_label="", date=None, place=f.place, station=f.source_label, features=f.note)
    return out


def _unknown_source(c: MatchCandidate) -> CandidateNotice:
    return CandidateNotice(kind="source", subject_id=c.source_id, in_scope=False, photo_id=None, name="", sex="",
                           age="", date_label="", date=None, place="", station=c.source, features="")


PERSON_DISCLOSURE_TYPE = "familysearch.candidate_person"


def person_key(c: MatchCandidate, persons: dict[int, Person]) -> str:
    """What a registry or source candidate counts as against the daily cap: the person, never the run or the
    candidate row (a registry person by the ID number's keyed hash, as core.disclosure counts the registry's
    other answers, so the same person seen through an import and here counts once)."""
    if c.registry_person_id:
        person = persons.get(c.registry_person_id)
        return (person.id_number_hash if person is not None else "") or f"registry.person#{c.registry_person_id}"
    return f"{c.source}#{c.source_id}"


def _disclosed(actor, candidates, persons) -> tuple[list[MatchCandidate], int]:
    """The candidates the actor may see, and how many registry/source persons are withheld today. Those persons
    are shown only to users who may ask the registry (LOOKUP_REGISTRY), and each one shown counts once a day
    against the user's disclosure cap (core.disclosure, the registry's rule for other departments); past it
    the rest are withheld, best first kept."""
    others = [c for c in candidates if c.registry_person_id or c.source_id]
    if not others:
        return candidates, 0
    if not can(actor, Capability.LOOKUP_REGISTRY):
        return [c for c in candidates if not (c.registry_person_id or c.source_id)], 0
    keys = {c.pk: person_key(c, persons) for c in others}
    allowed = disclose_up_to_cap(actor=actor, keys=list(keys.values()), object_type=PERSON_DISCLOSURE_TYPE,
                                 object_repr="比对候选人员（低收入人口库、易流浪走失人员信息库）")
    shown = [c for c in candidates if c.pk not in keys or keys[c.pk] in allowed]
    return shown, len({k for k in keys.values() if k not in allowed})


@dataclass
class Candidates:
    rows: list[CandidateRow]
    withheld: int  # registry/source persons not shown: the user's daily cap is reached


def candidates_for(*, actor, case: RescueCase) -> list[CandidateRow]:
    return review_candidates(actor=actor, case=case).rows


def review_candidates(*, actor, case: RescueCase) -> Candidates:
    """The client's candidates, pending first then decided, best score first; each other record shown is
    audited (purpose match_candidate); registry and source persons only as `_disclosed` allows."""
    require(actor, Capability.FAMILY_SEARCH)
    candidates = list(MatchCandidate.objects.filter(case=case).select_related("decided_by").order_by(
        "-score", "pk"))
    order = {CandidateStatus.CONFIRMED: 0, CandidateStatus.PENDING: 1}
    candidates.sort(key=lambda c: order.get(c.status, 2))
    person_ids = [c.registry_person_id for c in candidates if c.registry_person_id]
    persons = Person.objects.only("pk", "name", "sex", "birth_date", "id_number_hash", "hukou_region__code",
                                  "region__code").select_related("hukou_region", "region").in_bulk(person_ids)
    candidates, withheld = _disclosed(actor, candidates, persons)
    report_ids = [c.report_id for c in candidates if c.report_id]
    case_ids = [c.other_case_id for c in candidates if c.other_case_id]
    persons = {c.registry_person_id: persons[c.registry_person_id] for c in candidates if c.registry_person_id}
    counties = _counties(persons.values())
    sourced = _sourced(actor, candidates)
    reports = MissingReport.objects.select_related("region", "last_seen_region").in_bulk(report_ids)
    others = RescueCase.objects.select_related("station", "station__region").in_bulk(case_ids)
    reports_in = _in_scope(actor, MissingReport, REPORT_SCOPE, report_ids)
    cases_in = _in_scope(actor, RescueCase, CASE_SCOPE, case_ids)
    photos = _photos([case.pk, *case_ids], report_ids)
    notes = {n.candidate_id: n for n in FamilyNotification.objects.filter(candidate__in=candidates)}
    rows = []
    for c in candidates:
        if c.report_id:
            record = reports[c.report_id]
            photo = photos.get(("report", c.report_id))
            notice = _report_notice(actor, record, c.report_id in reports_in, photo)
            contact = _contact(actor, c, record)
        elif c.registry_person_id:
            record, photo, contact = persons[c.registry_person_id], None, None
            notice = _person_notice(record, counties)
        elif c.source_id:
            record, photo, contact = None, None, None  # audited by the source (_sourced)
            notice = sourced.get((c.source, c.source_id)) or _unknown_source(c)
        else:
            record = others[c.other_case_id]
            photo = photos.get(("case", c.other_case_id))
            notice = _case_notice(actor, record, c.other_case_id in cases_in, photo)
            contact = None
        if record is not None:
            audit_read(actor, record, person_id=record.pk if c.registry_person_id else None,
                       detail={"purpose": "match_candidate", "candidate": c.pk, "contact": contact is not None})
        evidence = [EvidenceLine(e["label"], e["weight"]) for e in c.explanation]
        rows.append(CandidateRow(
            candidate=c, notice=notice, evidence=evidence,
            face_label=similarity_label(c.face_distance) if c.face_distance is not None else "",
            face_weight=face_weight(c.face_distance), own_photo_id=photos.get(("case", case.pk)),
            other_photo_id=photo, contact=contact, notification=notes.get(c.pk)))
    return Candidates(rows, withheld)


def candidate_photo(*, actor, candidate_id: int, photo_id: int) -> FacePhoto:
    """A thumbnail on the review page: an active photo of the candidate's client or of its other side; the
    candidate must be in the actor's scope. 404 otherwise. The caller writes the audit row."""
    require(actor, Capability.FAMILY_SEARCH)
    candidate = get_scoped_or_404(MatchCandidate.objects.all(), actor, scope=CANDIDATE_SCOPE, pk=candidate_id)
    photo = FacePhoto.objects.filter(pk=photo_id, status=FaceStatus.ACTIVE).first()
    ours = bool(photo) and ((photo.case_id is not None and photo.case_id in (candidate.case_id,
                                                                             candidate.other_case_id))
                            or (photo.report_id is not None and photo.report_id == candidate.report_id))
    if not ours:
        raise Http404("照片不存在")
    return photo


def candidate_in_scope(*, actor, candidate_id: int) -> MatchCandidate:
    require(actor, Capability.FAMILY_SEARCH)
    return get_scoped_or_404(MatchCandidate.objects.select_related("case"), actor, scope=CANDIDATE_SCOPE,
                             pk=candidate_id)

