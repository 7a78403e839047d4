"""Writes of the review side of family search (issue #19): the client's identification profile (甄别信息), the
matching runs that write candidates (比对候选), and the reviewer's confirm / reject.

Services check the capability (FAMILY_SEARCH), the scope (the rescue record's station: rescue.scopes.CASE_SCOPE,
404 otherwise), the status, then write in one transaction with an audit row and an event.

Matching runs are set-based: the "reports" (open missing reports; earlier rescue records) come from the
process's prepared table (familysearch/prepared.py: every report and record prepared once as a
matching.ReportTable, kept current by the rows whose change stamp moved, masked per run to what this client may
be ranked against), ranked (top 10), merged with the face search's candidates, and written in bulk.
`ranked_fresh` reads the same rows afresh (SQL blocking, one table per run): the reference the prepared path is
tested against. A run is idempotent: the same data gives the same rows and
writes nothing; pending rows whose score changed are updated; decided rows are never touched; a rejected pair is
passed to the library as exclude_pairs, and never written again.

How a historical rescue record stands in as a "report" (a repeat client: the same person at a station before):

    report column           from the earlier RescueCase
    name                    its name (or the name the client gave in its profile)
    sex                     its sex (M/F/U)
    birth_year              birth_date.year; else admitted_on.year - estimated_age
    height_cm               its profile's height
    hukou_region_code       registry_home_region (the low-income registry's answer); else its profile's accent or
                            stated-home region; else the first six digits of its ID number (decrypted)
    missing_date            admitted_on (the day the person was last known: at that station)
    last_seen_region_code   its profile's found region; else its station's region
    features                its profile's features and clothing; else its admission check note

And the client side (the rescue record being ranked, matching.records.Client): name (or the stated name), sex,
estimated_age (from the birth date at the found date, else the estimated age), height, accent_region_code (the
profile's accent region), found_date and found_region_code (the profile's, defaulting to the sighting the client
came from, else the admission date and the station's region), features (profile features and clothing, else the
check note).

The face's weight is added to the attribute score when both sides have an enrolled face: a log2 likelihood ratio
by distance band (FACE_WEIGHTS). Those numbers are set by judgement from face_recognition's documented tolerance
(0.6: 99.38% on LFW), not estimated on our data; the page shows them as their own evidence line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import CharField, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from jiuzhu.core.audit import audit, audit_change
from jiuzhu.core.candidate_sources import NameBlock
from jiuzhu.core.candidate_sources import sources as candidate_sources
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.disclosure import answered_today
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.familysearch import faces, prepared
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.matching import ReportTable, rank, rank_many
from jiuzhu.familysearch.matching.comparators import AGE_HI, AGE_LO
from jiuzhu.familysearch.matching.names import given_key, parse_client_name, surname_key
from jiuzhu.familysearch.matching.regions import region_code_from_text
from jiuzhu.familysearch.models import (
    Build,
    CandidateStatus,
    ClientProfile,
    FacePhoto,
    FaceSearchLog,
    FaceStatus,
    MatchCandidate,
    MissingReport,
    ReportStatus,
)
from jiuzhu.familysearch.notify import family_notice_text, send_family_notice
from jiuzhu.registry.selectors import persons_for_matching
from jiuzhu.rescue.models import STAY_STATUSES, CaseStatus, RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

TOP = 10
# log2 likelihood ratio of a face distance band (upper bound, weight); beyond the last band: FACE_WEIGHT_FAR.
FACE_WEIGHTS = ((0.40, 10.0), (0.50, 6.0), (faces.SAME_PERSON_THRESHOLD, 2.0))
FACE_WEIGHT_FAR = -3.0
CANDIDATE_SCOPE = {"region_field": "case__station__region", "organization_field": "case__station"}


def today() -> dt.date:
    return timezone.localdate()


def face_weight(distance: float | None) -> float:
    if distance is None:
        return 0.0
    for bound, weight in FACE_WEIGHTS:
        if distance < bound:
            return weight
    return FACE_WEIGHT_FAR


def _case_in_scope(actor, case_id: int, *, lock: bool = False) -> RescueCase:
    qs = RescueCase.objects.select_related("station", "station__region", "sighting", "sighting__region")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return get_scoped_or_404(qs, actor, scope=CASE_SCOPE, pk=case_id)


# ---- The identification profile ------------------------------------------------------------------------

def profile_defaults(case: RescueCase) -> dict:
    """Found date, region and place of a record without a profile: its sighting's, else its admission's."""
    if case.sighting_id:
        seen = timezone.localtime(case.sighting.seen_at).date()
        return {"found_on": seen, "found_region": case.sighting.region, "found_place": case.sighting.place}
    return {"found_on": case.admitted_on, "found_region": case.station.region, "found_place": case.station.name}


def _clean_height(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        height = int(value)
    except (TypeError, ValueError):
        raise invalid("身高应为整数（厘米）", "height_cm") from None
    if not 40 <= height <= 230:
        raise invalid("身高应在 40 至 230 厘米之间", "height_cm")
    return height


def _region_from_words(*texts: str) -> Region | None:
    """The region the client's words point to (cpca: "河南周口人" → 411600), at the precision said."""
    for text in texts:
        if text:
            code = region_code_from_text(text)
            if code:
                region = Region.objects.filter(code=code).first()
                if region is not None:
                    return region
    return None


PROFILE_TEXTS = {  # field: (label, max length, one line)
    "accent": ("口音", 60, True), "ethnicity": ("民族", 20, True), "features": ("体貌特征", 500, False),
    "clothing": ("衣着", 300, False), "health": ("健康与精神状况", 300, False),
    "found_place": ("发现地点", 200, True), "stated_name": ("自述姓名或称呼", 50, True),
    "stated_home": ("自述家乡", 200, True), "narrative": ("自述线索", 2000, False),
}


def profile_save(*, actor, case: RescueCase, height_cm: int | None = None, build: str = "", accent: str = "",
                 ethnicity: str = "", features: str = "", clothing: str = "", health: str = "",
                 found_on: dt.date | None = None, found_region: Region | None = None, found_place: str = "",
                 stated_name: str = "", stated_home: str = "", narrative: str = "",
                 rematch: bool = True) -> ClientProfile:
    """甄别信息 of a client in stay: created or replaced. The accent region is read from the stated home, else the
    accent (cpca). The found date must not be after the admission. Then the client is ranked again
    (`rematch`), since the profile is what the ranking compares."""
    require(actor, Capability.FAMILY_SEARCH)
    case = _case_in_scope(actor, case.pk)
    if case.status not in STAY_STATUSES:
        raise refused(f"该记录当前状态为“{case.get_status_display()}”，不能填写甄别信息")
    values = {"height_cm": _clean_height(height_cm)}
    given = {"accent": accent, "ethnicity": ethnicity, "features": features, "clothing": clothing,
             "health": health, "found_place": found_place, "stated_name": stated_name, "stated_home": stated_home,
             "narrative": narrative}
    for field, (label, length, one_line) in PROFILE_TEXTS.items():
        values[field] = clean_text(given[field], label, field, length, join_lines=one_line)
    if build and build not in Build.values:
        raise invalid("请选择体型", "build")
    values["build"] = build or ""
    defaults = profile_defaults(case)
    found_on = found_on or defaults["found_on"]
    if found_on > case.admitted_on:
        raise invalid("发现日期不能晚于入站日期", "found_on")
    values["found_on"] = found_on
    values["found_region"] = found_region or defaults["found_region"]
    values["found_place"] = values["found_place"] or defaults["found_place"]
    values["accent_region"] = _region_from_words(values["stated_home"], values["accent"])
    with transaction.atomic():
        case = _case_in_scope(actor, case.pk, lock=True)
        profile = ClientProfile.objects.filter(case=case).first()
        created = profile is None
        profile = profile or ClientProfile(case=case)
        changed = [f for f, v in values.items() if getattr(profile, f, None) != v] if not created else list(values)
        for field, value in values.items():
            setattr(profile, field, value)
        profile.updated_by = actor
        profile.save()
        # the names of the fields changed, never their values (a person's description)
        audit_change(AuditAction.CREATE if created else AuditAction.UPDATE, actor, profile,
                     changes={"case": case.pk, "fields": sorted(changed)})
        record_event(kind=FamilySearchEvent.PROFILE_SAVED, subject=profile, actor=actor, region=case.station.region,
                     summary=f"甄别信息{'登记' if created else '更新'}：救助记录 {case.number}",
                     payload={"case": case.pk, "fields": sorted(changed)})
    if rematch:
        match_case(case=case, actor=actor)
    return profile


# ---- Reading records into the library's columns ----------------------------------------------------------

def _profiles(**annotations):
    return {name: Subquery(ClientProfile.objects.filter(case=OuterRef("pk")).values(field)[:1])
            for name, field in annotations.items()}


PROFILE_COLUMNS = {"p_height": "height_cm", "p_features": "features", "p_clothing": "clothing",
                   "p_found_on": "found_on", "p_found_region": "found_region__code",
                   "p_accent_region": "accent_region__code", "p_stated_name": "stated_name"}
CASE_COLUMNS = ("pk", "name", "sex", "birth_date", "estimated_age", "admitted_on", "check_note", "id_number_cipher",
                "registry_home_region__code", "station__region__code", "sighting__seen_at", "sighting__region__code")


def _case_rows(queryset) -> list[dict]:
    """Rescue records with their profile's columns, in one query."""
    return list(queryset.annotate(**_profiles(**PROFILE_COLUMNS)).values(*CASE_COLUMNS, *PROFILE_COLUMNS))


def _code(value) -> str:
    return (value or "")[:6]


def _text(*parts) -> str:
    return "；".join(p for p in parts if p)


def _found(row: dict) -> tuple[dt.date, str]:
    if row["p_found_on"]:
        return _as_date(row["p_found_on"]), _code(row["p_found_region"])
    if row["sighting__seen_at"]:
        return timezone.localtime(row["sighting__seen_at"]).date(), _code(row["sighting__region__code"])
    return row["admitted_on"], _code(row["station__region__code"])


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def client_columns(row: dict) -> dict:
    """One rescue record as the library's client (matching.records.CLIENT_COLUMNS)."""
    found_on, found_region = _found(row)
    birth = row["birth_date"]
    if birth:
        age = found_on.year - birth.year - ((found_on.month, found_on.day) < (birth.month, birth.day))
    else:
        age = row["estimated_age"]
    return {"client_id": row["pk"], "name": row["name"] or row["p_stated_name"] or "", "sex": row["sex"],
            "estimated_age": age, "height_cm": row["p_height"], "accent_region_code": _code(row["p_accent_region"]),
            "found_date": found_on, "found_region_code": found_region,
            "features": _text(row["p_features"], row["p_clothing"]) or row["check_note"]}


def _id_prefix(cipher: str) -> str:
    try:
        return decrypt_text(cipher)[:6] if cipher else ""
    except Exception:  # an unreadable number (a retired key) only loses this hint
        return ""


def case_as_report(row: dict) -> dict:
    """One earlier rescue record as the library's report (the mapping in the module's docstring)."""
    if row["birth_date"]:
        birth_year = row["birth_date"].year
    elif row["estimated_age"] is not None:
        birth_year = row["admitted_on"].year - row["estimated_age"]
    else:
        birth_year = None
    home = (_code(row["registry_home_region__code"]) or _code(row["p_accent_region"])
            or _id_prefix(row["id_number_cipher"]))
    return {"report_id": f"c{row['pk']}", "name": row["name"] or row["p_stated_name"] or "", "sex": row["sex"],
            "birth_year": birth_year, "height_cm": row["p_height"], "hukou_region_code": home,
            "missing_date": row["admitted_on"],
            "last_seen_region_code": _code(row["p_found_region"]) or _code(row["station__region__code"]),
            "features": _text(row["p_features"], row["p_clothing"]) or row["check_note"], "source": "case"}


REPORT_VALUES = ("pk", "name", "sex", "birth_year", "height_cm", "hukou_region__code", "missing_date",
                 "last_seen_region__code", "features", "clothing")


def report_columns(row: dict) -> dict:
    return {"report_id": f"r{row['pk']}", "name": row["name"], "sex": row["sex"], "birth_year": row["birth_year"],
            "height_cm": row["height_cm"], "hukou_region_code": _code(row["hukou_region__code"]),
            "missing_date": row["missing_date"], "last_seen_region_code": _code(row["last_seen_region__code"]),
            "features": _text(row["features"], row["clothing"]), "source": "report"}


def _frame(rows: list[dict]) -> pd.DataFrame:
    columns = ("report_id", "name", "sex", "birth_year", "height_cm", "hukou_region_code", "missing_date",
               "last_seen_region_code", "features", "source")
    return pd.DataFrame(rows, columns=columns).astype(object)


def _existing_key(c: MatchCandidate) -> tuple:
    return (c.case_id, c.report_id, c.other_case_id, c.registry_person_id, c.source, c.source_id)


def _candidate_key(c: MatchCandidate) -> str:
    """The library's report_id of a candidate's other side: r<report>, c<case>, p<registry person>,
    s<source>#<id> (a core.candidate_sources person)."""
    if c.source_id:
        return f"s{c.source}#{c.source_id}"
    return f"p{c.registry_person_id}" if c.registry_person_id else _key(c.report_id, c.other_case_id)


def _key(report_id: int | None, other_case_id: int | None) -> str:
    return f"r{report_id}" if report_id else f"c{other_case_id}"


def _split(key: str) -> tuple[int | None, int | None]:
    return (int(key[1:]), None) if key[0] == "r" else (None, int(key[1:]))


# ---- Faces ---------------------------------------------------------------------------------------------

def _vectors(case_ids, report_ids) -> dict[tuple[str, int], np.ndarray]:
    """Every active face of these subjects, in one query: {("case"|"report", id): (n, 128) array}."""
    rows = FacePhoto.objects.filter(status=FaceStatus.ACTIVE).filter(
        Q(case_id__in=list(case_ids)) | Q(report_id__in=list(report_ids))).values_list("case_id", "report_id",
                                                                                      "embedding")
    out: dict[tuple[str, int], list] = {}
    for case_id, report_id, blob in rows:
        out.setdefault(("case", case_id) if case_id else ("report", report_id), []).append(
            faces.vector_from_bytes(blob))
    return {k: np.vstack(v) for k, v in out.items()}


def _distance(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    if a is None or b is None:
        return None
    return round(float(np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)).min()), 4)


def _close(distance: float | None) -> bool:
    return distance is not None and distance < faces.SAME_PERSON_THRESHOLD


# ---- Writing candidates ---------------------------------------------------------------------------------

@dataclass
class Proposal:
    case_id: int
    report_id: int | None
    other_case_id: int | None
    attribute_score: float | None
    explanation: list
    by_attributes: bool
    by_face: bool
    face_distance: float | None = None
    registry_person_id: int | None = None
    source: str = ""
    source_id: int | None = None

    @property
    def score(self) -> float:
        return round((self.attribute_score or 0.0) + face_weight(self.face_distance), 3)


def _explained(candidate) -> list[dict]:
    return [{"evidence": e.evidence, "level": e.level, "label": e.label, "weight": round(e.weight, 3)}
            for e in candidate.explanation]


@dataclass(frozen=True)
class RunResult:
    created: int
    updated: int
    candidates: int


def _write(proposals: list[Proposal], existing: dict, *, actor, subject, region) -> RunResult:
    """New pairs in bulk, pending pairs whose figures changed updated, decided pairs untouched; an audit row and
    an event only when something was written."""
    new, changed = [], []
    for p in proposals:
        row = existing.get((p.case_id, p.report_id, p.other_case_id, p.registry_person_id, p.source, p.source_id))
        values = {"score": p.score, "attribute_score": None if p.attribute_score is None
                  else round(p.attribute_score, 3), "face_distance": p.face_distance, "explanation": p.explanation,
                  "by_attributes": p.by_attributes, "by_face": p.by_face}
        if row is None:
            new.append(MatchCandidate(case_id=p.case_id, report_id=p.report_id, other_case_id=p.other_case_id,
                                      registry_person_id=p.registry_person_id, source=p.source,
                                      source_id=p.source_id, **values))
        elif row.status == CandidateStatus.PENDING and any(getattr(row, f) != v for f, v in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            changed.append(row)
    if not new and not changed:
        return RunResult(0, 0, len(proposals))
    with transaction.atomic():
        MatchCandidate.objects.bulk_create(new, ignore_conflicts=True)  # a parallel run wrote it: that row stands
        if changed:
            MatchCandidate.objects.bulk_update(changed, ["score", "attribute_score", "face_distance", "explanation",
                                                         "by_attributes", "by_face", "updated_at"])
        detail = {"purpose": "match_run", "subject": subject._meta.label_lower, "subject_id": subject.pk,
                  "created": len(new), "updated": len(changed)}
        audit(AuditAction.CREATE, actor=actor, obj=subject, detail=detail)
        record_event(kind=FamilySearchEvent.MATCH_RUN, subject=subject, actor=actor, region=region,
                     summary=f"寻亲比对：新增 {len(new)} 名候选，更新 {len(changed)} 名",
                     payload={"subject": subject._meta.label_lower, "subject_id": subject.pk,
                              "created": len(new), "updated": len(changed)})
    return RunResult(len(new), len(changed), len(proposals))


def _face_hits(*, case: RescueCase | None = None, report: MissingReport | None = None) -> dict[str, float]:
    """The latest face search's candidates of this subject under the same-person tolerance: {key: distance}."""
    log = FaceSearchLog.objects.filter(**({"case": case} if case else {"report": report})) \
        .order_by("-searched_at", "-pk").first()
    hits: dict[str, float] = {}
    for row in (log.result if log else []):
        if row["distance"] < faces.SAME_PERSON_THRESHOLD:
            key = f"r{row['id']}" if row["kind"] == "report" else f"c{row['id']}"
            hits[key] = min(row["distance"], hits.get(key, 9.0))
    return hits


def _earlier(case: RescueCase) -> Q:
    return Q(admitted_on__lt=case.admitted_on) | Q(admitted_on=case.admitted_on, pk__lt=case.pk)


def _sex_block(sex: str) -> Q:
    """The library's blocking by sex, in SQL: the same sex or unknown (everyone when the client's is unknown)."""
    return Q(sex__in=[sex, "U"]) if sex in ("M", "F") else Q()


def _report_block(client: dict) -> Q:
    """Open reports the library could rank for this client, said in SQL so that only those rows are read: its
    blocking (sex, birth years the estimated age allows, unknown ones) and its time exclusion (missing after the
    client was found). The library applies the same rules again; this only spares reading the rest."""
    q = Q(status=ReportStatus.OPEN) & _sex_block(client["sex"])
    found = client["found_date"]
    if found is not None:
        q &= Q(missing_date__lte=found)
        if client["estimated_age"] is not None:
            centre = found.year - round(client["estimated_age"])
            q &= Q(birth_year__isnull=True) | Q(birth_year__range=(centre + AGE_LO - 1, centre + AGE_HI + 1))
    return q


def _year(field: str):
    """A date column's year in the database's own functions (Django's ExtractYear is a Python function per row
    on SQLite: seconds over 100,000 rows): the first four characters of its ISO text."""
    return Cast(Substr(Cast(field, CharField()), 1, 4), IntegerField())


def _earlier_block(queryset, client: dict):
    """Earlier rescue records the library could rank for this client, said in SQL as for the reports
    (`_report_block`): the birth year case_as_report gives a record (its birth date's year, else the admission's
    year less the estimated age; unknown when neither) within the years the client's estimated age allows, or
    unknown; and admitted (a record's missing date) no later than the client was found. The library applies the
    same rules again; this only spares reading and preparing the rest (at 1,000,000 records, most of them)."""
    found = client["found_date"]
    if found is None:
        return queryset
    queryset = queryset.filter(admitted_on__lte=found)
    if client["estimated_age"] is None:
        return queryset
    centre = found.year - round(client["estimated_age"])
    born = Coalesce(_year("birth_date"), _year("admitted_on") - F("estimated_age"))
    return queryset.alias(block_birth_year=born).filter(
        Q(block_birth_year__isnull=True) | Q(block_birth_year__range=(centre + AGE_LO - 1, centre + AGE_HI + 1)))


def _registry_blocks(name: str) -> tuple[list[str], list[str], list[str]]:
    """The sound keys the registry is blocked on for a client's name, from each reading of it
    (matching.names.parse_client_name): full names, surnames, given names (nicknames too)."""
    full, surnames, givens = [], [], []
    for parts in parse_client_name(name):
        if parts.kind == "full":
            full.append(f"{surname_key(parts.surname)} {given_key(parts.given)}")
        elif parts.kind == "surname":
            surnames.append(surname_key(parts.surname))
        elif parts.kind in ("given", "nickname"):
            givens.append(given_key(parts.given))
    return [k for k in full if k.strip()], [k for k in surnames if k], [k for k in givens if k]


def person_as_report(row: dict) -> dict:
    """One low-income registry person as the library's report: the birth year, the hukou region (else where the
    record is kept) as home and last-seen region; no missing date (unknown: no time-order evidence), no height,
    no features."""
    home = _code(row["hukou_region__code"]) or _code(row["region__code"])
    return {"report_id": f"p{row['pk']}", "name": row["name"], "sex": row["sex"],
            "birth_year": row["birth_date"].year if row["birth_date"] else None, "height_cm": None,
            "hukou_region_code": home, "missing_date": None, "last_seen_region_code": _code(row["region__code"]),
            "features": "", "source": "registry"}


def _registry_rows(client: dict, case: RescueCase, actor) -> list[dict]:
    """Low-income registry persons for an unidentified client who gave some name: only when the run has an actor
    who may ask the registry (LOOKUP_REGISTRY, the rescue admission's own rule), the client has no ID number, and
    the name gives a sound key to block on (a nameless client would be ranked against a whole birth cohort).
    Blocked in SQL by the registry (registry.selectors.persons_for_matching): sound keys, sex, birth years."""
    if actor is None or not can(actor, Capability.LOOKUP_REGISTRY) or case.identity_confirmed \
            or case.id_number_hash:
        return []
    full, surnames, givens = _registry_blocks(client["name"])
    if not (full or surnames or givens):
        return []
    born_from, born_to = _born_between(client)
    rows = persons_for_matching(actor=actor, full_keys=full, surname_keys=surnames, given_keys=givens,
                                sex=client["sex"], born_from=born_from, born_to=born_to)
    return [person_as_report(r) for r in rows]


def _person_side(key: str) -> dict:
    if key[0] == "p":
        return {"registry_person_id": int(key[1:])}
    source, source_id = key[1:].rsplit("#", 1)
    return {"source": source, "source_id": int(source_id)}


def _source_rows(client: dict, case: RescueCase, actor) -> list[dict]:
    """Persons of the sources other apps declare through core (core.candidate_sources: follow-up's at-risk
    registry), on the same conditions as the low-income registry's; each source blocks in SQL by the name as
    written, sex and birth years, and checks the actor itself."""
    if actor is None or case.identity_confirmed or case.id_number_hash:
        return []
    block = NameBlock(**{k: tuple(v) for k, v in _written_names(client["name"]).items()})
    if not block:
        return []
    born_from, born_to = _born_between(client)
    rows = []
    for name, source in candidate_sources().items():
        for row in source.find(actor=actor, names=block, sex=client["sex"], born_from=born_from, born_to=born_to):
            rows.append({**{k: v for k, v in row.items() if k != "id"}, "report_id": f"s{name}#{row['id']}",
                         "source": name})
    return rows


def _written_names(name: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"full": [], "surnames": [], "givens": []}
    for parts in parse_client_name(name):
        if parts.kind == "full":
            out["full"].append(parts.surname + parts.given)
        elif parts.kind == "surname":
            out["surnames"].append(parts.surname)
        elif parts.kind in ("given", "nickname"):
            out["givens"].append(parts.given)
    return out


def _born_between(client: dict) -> tuple[int | None, int | None]:
    if client["found_date"] is None or client["estimated_age"] is None:
        return None, None
    centre = client["found_date"].year - round(client["estimated_age"])
    return centre + AGE_LO - 1, centre + AGE_HI + 1


# Registry and at-risk persons are other departments' records: the registry answers other departments only on an
# exact ID number or name + birth date (its LOOKUP_REGISTRY rule, capped per day by core.disclosure). Proposing
# them on weak similarity would let a station list them by typing names as a client's stated name. So a person
# becomes a candidate only when the whole name reads the same (level exact or sound, never surname or given
# name alone), the sex is known on both sides and agrees, and name + sex + age weigh at least
# PERSON_MIN_IDENTITY_SCORE (log2 likelihood ratios, matching/weights.json): sound name 11.25 + same sex 0.03 +
# age "close" (-4..+5 years) 0.90 = 12.17 passes; an exact name with the age only "near" (11.83) or unknown
# (10.41) does not; given name (7.56) or surname (4.75) with everything else agreeing reaches 9.04 at most.
# Home, place and time are left out: a registry row has no missing date, and a county match on a surname must
# not stand in for the name. No faces are enrolled for these persons, so no face evidence applies. At most
# PERSONS_TOP per client.
PERSON_MIN_IDENTITY_SCORE = 12.1
PERSON_NAME_LEVELS = ("exact", "sound")
PERSON_IDENTITY_EVIDENCE = ("name", "sex", "age")
PERSONS_TOP = 3


def identity_score(ranked) -> float:
    """The weight of name, sex and age in a ranked candidate's explanation (what identifies a person)."""
    return sum(e.weight for e in ranked.explanation if e.evidence in PERSON_IDENTITY_EVIDENCE)


def strong_evidence(ranked) -> bool:
    levels = {e.evidence: e.level for e in ranked.explanation}
    return (levels.get("name") in PERSON_NAME_LEVELS and levels.get("sex") == "same"
            and identity_score(ranked) >= PERSON_MIN_IDENTITY_SCORE)


def _strong_persons(client: dict, registered: list[dict], rejected: list) -> dict:
    """{key: ranked} of the registry and source persons with strong evidence, the PERSONS_TOP best."""
    if not registered:
        return {}
    ranked = rank(client, ReportTable(_frame(registered)), len(registered), exclude_pairs=rejected)
    return {c.report_id: c for c in [c for c in ranked if strong_evidence(c)][:PERSONS_TOP]}


def _withdraw_stale_persons(case: RescueCase, existing: dict, keep: set[str], *, actor) -> int:
    """Pending registry and source candidates this run no longer proposes (the stated name changed, the client
    was identified) are deleted, never decided: a person stays on the page only while the evidence stands, so
    re-running with other names cannot pile persons up (at most PERSONS_TOP at a time). Decided rows stay."""
    stale = [c.pk for c in existing.values() if c.status == CandidateStatus.PENDING
             and (c.registry_person_id or c.source_id) and _candidate_key(c) not in keep]
    if not stale:
        return 0
    with transaction.atomic():
        MatchCandidate.objects.filter(pk__in=stale, status=CandidateStatus.PENDING).delete()
        audit(AuditAction.DELETE, actor=actor, obj=case,
              detail={"purpose": "match_run_withdrawn_persons", "candidates": stale})
    return len(stale)


def match_case(*, case: RescueCase, actor=None, top: int = TOP) -> RunResult:
    """The matching run of one client: open missing reports and earlier rescue records ranked by the library
    (top `top`, rejected pairs excluded), merged with the face search's candidates, written as candidates.
    No capability check: called by the handler and by the services above, which checked it."""
    case = RescueCase.objects.select_related("station", "station__region").get(pk=case.pk)
    if case.status == CaseStatus.REFUSED:
        return RunResult(0, 0, 0)
    client = client_columns(_case_rows(RescueCase.objects.filter(pk=case.pk))[0])
    registered = _registry_rows(client, case, actor) + _source_rows(client, case, actor)
    existing = {_existing_key(c): c for c in MatchCandidate.objects.filter(case=case)}
    rejected = [(case.pk, _candidate_key(row)) for row in existing.values() if row.status == CandidateStatus.REJECTED]
    found = {c.report_id: c for c in prepared.rank_case(client, case, top, rejected)}
    strong = _strong_persons(client, registered, rejected)
    hits = {k: d for k, d in _face_hits(case=case).items() if (case.pk, k) not in set(rejected) and k not in found}
    # Face candidates outside the attribute blocking still come (a face outweighs a misestimated age): their rows
    # are read by number; only open reports and earlier, not refused records qualify.
    rows: dict = {}
    unread = [_split(k) for k in hits]
    rows.update({r["report_id"]: r for r in (
        [report_columns(r) for r in MissingReport.objects.filter(
            status=ReportStatus.OPEN, pk__in=[r for r, _o in unread if r]).values(*REPORT_VALUES)]
        + [case_as_report(r) for r in _case_rows(RescueCase.objects.filter(
            _earlier(case), pk__in=[o for _r, o in unread if o]).exclude(status=CaseStatus.REFUSED))])})
    faced = {k: d for k, d in hits.items() if k in rows}
    if faced:  # the attribute evidence of face-only candidates, for the page's "why"
        subset = _frame([rows[k] for k in faced])
        extra = {c.report_id: c for c in rank(client, ReportTable(subset), len(faced))}
    else:
        extra = {}
    # registry and declared-source persons: by attributes only (no enrolled faces there), strong evidence only
    person_rows = [Proposal(case_id=case.pk, report_id=None, other_case_id=None, by_attributes=True, by_face=False,
                            attribute_score=ranked.score, explanation=_explained(ranked), **_person_side(key))
                   for key, ranked in strong.items()]
    if actor is not None and can(actor, Capability.LOOKUP_REGISTRY):
        _withdraw_stale_persons(case, existing, set(strong), actor=actor)
    keys = [k for k in found if k[0] in "rc"] + list(faced)
    split = [_split(k) for k in keys]
    vectors = _vectors([case.pk] + [o for _r, o in split if o], [r for r, _o in split if r])
    own = vectors.get(("case", case.pk))
    proposals = person_rows
    for key, (report_id, other_id) in zip(keys, split, strict=True):
        ranked = found.get(key) or extra.get(key)
        theirs = vectors.get(("report", report_id) if report_id else ("case", other_id))
        proposals.append(Proposal(
            case_id=case.pk, report_id=report_id, other_case_id=other_id,
            attribute_score=ranked.score if ranked else None, explanation=_explained(ranked) if ranked else [],
            by_attributes=key in found, by_face=key in faced or _close(_distance(own, theirs)),
            face_distance=_distance(own, theirs)))
    return _write(proposals, existing, actor=actor, subject=case, region=case.station.region)


def ranked_fresh(client: dict, case: RescueCase, top: int, rejected: list) -> list:
    """What prepared.rank_case gives, read afresh: the open reports and earlier records the blocking lets
    through, read in SQL (`_report_block`, `_earlier_block`) and prepared for this run only. The reference the
    prepared path is tested against (tests/test_prepared.py), and the matching run before it."""
    reports = [report_columns(r) for r in MissingReport.objects.filter(_report_block(client))
               .values(*REPORT_VALUES)]
    earlier = [case_as_report(r) for r in _case_rows(_earlier_block(
        RescueCase.objects.filter(_earlier(case), _sex_block(client["sex"])).exclude(status=CaseStatus.REFUSED),
        client))]
    frame = _frame(reports + earlier)
    keys = frame["report_id"].astype(str)
    frame["tiebreak"] = 2 * keys.str[1:].astype("int64") + (keys.str[0] == "c").astype("int64")
    return rank(client, ReportTable(frame), top, exclude_pairs=rejected)


def match_report(*, report: MissingReport, actor=None, top: int = TOP) -> RunResult:
    """The reverse run for a missing report: current and past clients (found on or after the missing date)
    ranked against it (each client against the one-row table: the library's comparators read client and report
    columns differently, so the report stays the report), the `top` best written as candidates, with the face
    search's candidates merged in."""
    report = MissingReport.objects.select_related("region").get(pk=report.pk)
    if report.status != ReportStatus.OPEN:
        return RunResult(0, 0, 0)
    key = f"r{report.pk}"
    row = MissingReport.objects.filter(pk=report.pk).values(*REPORT_VALUES).get()
    table = ReportTable(_frame([report_columns(row)]))
    clients = [client_columns(r) for r in _case_rows(
        RescueCase.objects.exclude(status=CaseStatus.REFUSED).filter(_sex_block(report.sex),
                                                                       admitted_on__gte=report.missing_date))]
    existing = {_existing_key(c): c for c in MatchCandidate.objects.filter(report=report)}
    rejected = [(cand.case_id, key) for cand in existing.values() if cand.status == CandidateStatus.REJECTED]
    by_client = {c["client_id"]: c for c in clients}
    scores = {}
    if clients:
        ranked = rank_many(pd.DataFrame(clients).astype(object), table, top=1, exclude_pairs=rejected)
        ranked = ranked.sort_values(["score", "client_id"], ascending=[False, True]).head(top)
        scores = {int(c): rank(by_client[int(c)], table, 1)[0] for c in ranked["client_id"]}
    ranked_ids = set(scores)
    rejected_ids = {c for c, _k in rejected}
    faced = {int(k[1:]): d for k, d in _face_hits(report=report).items()
             if k[0] == "c" and int(k[1:]) in by_client and int(k[1:]) not in rejected_ids}
    for case_id in faced:
        if case_id not in scores:
            found = rank(by_client[case_id], table, 1)
            scores[case_id] = found[0] if found else None
    vectors = _vectors(list(scores), [report.pk])
    theirs = vectors.get(("report", report.pk))
    proposals = []
    for case_id, ranked in scores.items():
        distance = _distance(vectors.get(("case", case_id)), theirs)
        proposals.append(Proposal(
            case_id=case_id, report_id=report.pk, other_case_id=None,
            attribute_score=ranked.score if ranked else None, explanation=_explained(ranked) if ranked else [],
            by_attributes=case_id in ranked_ids, by_face=case_id in faced or _close(distance),
            face_distance=distance))
    return _write(proposals, existing, actor=actor, subject=report, region=report.region)


def match_run(*, actor, case: RescueCase) -> RunResult:
    """重新比对 (the page's button): the client ranked again."""
    require(actor, Capability.FAMILY_SEARCH)
    case = _case_in_scope(actor, case.pk)
    if case.status == CaseStatus.REFUSED:
        raise refused("不予救助的记录不进行寻亲比对")
    return match_case(case=case, actor=actor)


# ---- Handlers ------------------------------------------------------------------------------------------

def match_from_admission_event(event) -> RunResult | None:
    """Handler of CLIENT_ADMITTED (after the face step, same event): the new client ranked."""
    case = RescueCase.objects.filter(pk=int(event.subject_id)).first()
    if case is None:
        return None
    return match_case(case=case, actor=event.actor if event.actor_id else None)


def match_from_report_event(event) -> RunResult | None:
    """Handler of MISSING_REPORTED (after the report's face search): current and past clients ranked."""
    report = MissingReport.objects.filter(pk=int(event.subject_id)).first()
    if report is None:
        return None
    return match_report(report=report, actor=event.actor if event.actor_id else None)


def discharge_from_confirmation_event(event):
    """Handler of MATCH_CONFIRMED: the family is found, so rescue opens a 待办离站 for the station (its service,
    idempotent: one plan per case; nothing for a client already gone). A missing report's contact is the one to
    collect the client (亲属接领, the reporter noted); a repeat client identified from an earlier record (or a
    registry person) has no family contact here: an escorted return is planned, the station finds the family
    through the identity.
    Acts as the confirming reviewer (the event's actor), whose scope and capabilities the service checks."""
    from jiuzhu.rescue.cases_services import discharge_plan_open
    from jiuzhu.rescue.models import DischargeKind

    candidate = MatchCandidate.objects.select_related("case", "report").filter(
        pk=int(event.subject_id), status=CandidateStatus.CONFIRMED).first()
    if candidate is None or not event.actor_id:
        return None
    source = f"familysearch.matchcandidate:{candidate.pk}"
    report = candidate.report
    if report is not None:
        phone = decrypt_text(report.reporter_phone_cipher) if report.reporter_phone_cipher else ""
        return discharge_plan_open(
            actor=event.actor, case=candidate.case, kind=DischargeKind.RELATIVES_COLLECTED,
            reason=f"寻亲比对确认（寻亲登记 #{report.pk}），家属已找到", source=source,
            contact_name=report.reporter_name, contact_relation=report.reporter_relation, contact_phone=phone)
    found_in = (f"历史救助记录 #{candidate.other_case_id}" if candidate.other_case_id else _side_label(candidate))
    return discharge_plan_open(actor=event.actor, case=candidate.case, kind=DischargeKind.ESCORTED_RETURN,
                               reason=f"寻亲比对确认（{found_in}），身份已查明", source=source)


# ---- The reviewer's decision ---------------------------------------------------------------------------

def _candidate_locked(actor, candidate_id: int) -> MatchCandidate:
    return get_scoped_or_404(MatchCandidate.objects.select_for_update(of=("self",)).select_related(
        "case", "case__station", "case__station__region"), actor, scope=CANDIDATE_SCOPE, pk=candidate_id)


def _require_pending(candidate: MatchCandidate) -> None:
    if candidate.status != CandidateStatus.PENDING:
        raise refused(f"该候选已{candidate.get_status_display()}，不能再次处理")


def _require_shown_today(actor, candidate: MatchCandidate, persons: dict) -> None:
    """A registry or at-risk person may be confirmed only by a user who was shown that person today (counted
    against the daily disclosure cap): posting a withheld candidate's number does not get round the cap."""
    from jiuzhu.familysearch.review_selectors import person_key  # the selectors import this module

    if person_key(candidate, persons) not in answered_today(actor):
        raise refused("该候选人员今日未向您显示（已达每日查看上限），不能确认；请明日再办理或联系上级民政部门核实")


def candidate_confirm(*, actor, candidate: MatchCandidate, note: str = "", id_number: str = "") -> MatchCandidate:
    """确认比对结果: the client is the person of the missing report (or of the earlier rescue record). The identity
    is established through rescue's case_identity_confirm with the report's (or earlier record's) name and ID
    number, or the number the reviewer checked on the family's documents (`id_number`); the report is marked
    FOUND; the family contact is told (notify.send_family_notice: recorded, channel 电话/短信); every other pending
    candidate of this client, and of this report, becomes moot (SUPERSEDED). One transaction."""
    from jiuzhu.rescue.cases_services import case_identity_confirm

    require(actor, Capability.FAMILY_SEARCH)
    note = clean_text(note, "核实说明", "note", 300)
    with transaction.atomic():
        # The client's record first: decisions about one client wait for each other, so a candidate superseded
        # by a parallel confirmation is seen as such below (never two identities for one client).
        case_id = get_scoped_or_404(MatchCandidate.objects.all(), actor, scope=CANDIDATE_SCOPE,
                                    pk=candidate.pk).case_id
        RescueCase.objects.select_for_update(of=("self",)).filter(pk=case_id).values_list("pk", flat=True).first()
        candidate = _candidate_locked(actor, candidate.pk)
        _require_pending(candidate)
        case = candidate.case
        report = other = None
        plain = ""
        if candidate.report_id:
            report = MissingReport.objects.select_for_update(of=("self",)).get(pk=candidate.report_id)
            if report.status != ReportStatus.OPEN:
                raise refused(f"该寻亲登记当前状态为“{report.get_status_display()}”，不能确认")
            known, name = report.id_number_cipher, report.name
        elif candidate.registry_person_id:
            from jiuzhu.registry.models import Person

            require(actor, Capability.LOOKUP_REGISTRY)  # confirming takes the registry's identity

            person = Person.objects.get(pk=candidate.registry_person_id)
            _require_shown_today(actor, candidate, {person.pk: person})
            known, name = person.id_number_cipher, person.name
        elif candidate.source_id:
            require(actor, Capability.LOOKUP_REGISTRY)
            _require_shown_today(actor, candidate, {})
            # the source answers the number in plain (it decrypts its own column); kept in memory only
            name, plain = candidate_sources()[candidate.source].identity(actor=actor, source_id=candidate.source_id)
            known = ""
        else:
            other = RescueCase.objects.get(pk=candidate.other_case_id)
            known, name = other.id_number_cipher, other.name
        number = (id_number or "").strip() or (decrypt_text(known) if known else "") or plain
        if not number:
            raise invalid("该候选没有登记身份证号码：请核实家属提供的户口簿或身份证件后填写", "id_number")
        case_identity_confirm(actor=actor, case=case, id_number=number, name=name)
        now = timezone.now()
        candidate.status, candidate.decided_by, candidate.decided_at, candidate.reason = \
            CandidateStatus.CONFIRMED, actor, now, note
        candidate.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
        moot = MatchCandidate.objects.filter(status=CandidateStatus.PENDING).filter(
            Q(case=case) | (Q(report=report) if report else Q(pk__in=[]))).exclude(pk=candidate.pk)
        superseded = moot.update(status=CandidateStatus.SUPERSEDED, decided_at=now, updated_at=now)
        audit_change(AuditAction.UPDATE, actor, candidate,
                     changes={"status": "confirmed", "case": case.pk, "report": candidate.report_id,
                              "other_case": candidate.other_case_id, "registry_person": candidate.registry_person_id,
                              "superseded": superseded})
        notified = None
        if report is not None:
            report.status = ReportStatus.FOUND
            report.save(update_fields=["status"])
            audit_change(AuditAction.UPDATE, actor, report, changes={"status": "found", "case": case.pk})
            text = family_notice_text(report=report, station_name=case.station.name,
                                      station_phone=getattr(actor, "phone", ""))  # the confirming worker's
            notified = send_family_notice(candidate=candidate, report=report, text=text, actor=actor)
        record_event(kind=FamilySearchEvent.MATCH_CONFIRMED, subject=candidate, actor=actor,
                     region=case.station.region,
                     summary=f"寻亲比对确认：救助记录 {case.number}"
                             + (f" 与寻亲登记 #{report.pk}" if report else f" 与历史救助记录 #{other.pk}" if other
                                else f" 与{_side_label(candidate)}人员"),
                     payload={"case": case.pk, "report": candidate.report_id, "other_case": candidate.other_case_id,
                              "registry_person": candidate.registry_person_id, "source": candidate.source,
                              "source_id": candidate.source_id, "notified": notified.pk if notified else None,
                              "superseded": superseded})
    return candidate


def _side_label(candidate: MatchCandidate) -> str:
    if candidate.source_id:
        source = candidate_sources().get(candidate.source)
        return source.label if source else candidate.source
    return "低收入人口库"


def candidate_reject(*, actor, candidate: MatchCandidate, reason: str) -> MatchCandidate:
    """排除候选: not the same person, with the reason. The pair is never ranked nor written again."""
    require(actor, Capability.FAMILY_SEARCH)
    reason = clean_text(reason, "排除理由", "reason", 300, required=True)
    with transaction.atomic():
        candidate = _candidate_locked(actor, candidate.pk)
        _require_pending(candidate)
        candidate.status, candidate.decided_by, candidate.decided_at, candidate.reason = \
            CandidateStatus.REJECTED, actor, timezone.now(), reason
        candidate.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
        audit_change(AuditAction.UPDATE, actor, candidate, changes={"status": "rejected", "case": candidate.case_id})
        record_event(kind=FamilySearchEvent.MATCH_REJECTED, subject=candidate, actor=actor,
                     region=candidate.case.station.region, summary=f"排除比对候选 #{candidate.pk}",
                     payload={"case": candidate.case_id, "report": candidate.report_id,
                              "other_case": candidate.other_case_id})
    return candidate
