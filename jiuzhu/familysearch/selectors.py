"""Reads of family search. Every function takes the actor and applies the scope (404 out of scope); showing a
person (a report, a candidate's notice) writes an audit row. `current_face_index()` is the 1:N index of every
active face, rebuilt from the database (one query) when the enrolled set changed.

How a candidate is seen: see services' docstring. `candidate_notice` gives, for any candidate of a search the
actor may run, what the national family-search notice shows (photo, sex, age, date and place, handling station,
features, clothing) and nothing more: no ID number, no reporter's or relative's contact, no address."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_read
from jiuzhu.core.files import files_root
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, scope_q, scoped
from jiuzhu.familysearch import faces
from jiuzhu.familysearch.models import FacePhoto, FaceSearchLog, FaceStatus, MissingReport
from jiuzhu.rescue.models import RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

REPORT_SCOPE = {"region_field": "region"}
LOG_SCOPE = {"region_field": "region"}


def today() -> dt.date:
    return timezone.localdate()


# ---- Missing reports ------------------------------------------------------------------------------------

def reports_in_scope(actor):
    require(actor, Capability.REPORT_MISSING)
    return scoped(MissingReport.objects.select_related("region"), actor, **REPORT_SCOPE)


def report_get(*, actor, report_id: int, purpose: str = "page") -> MissingReport:
    """One missing report, audited; 404 out of scope."""
    report = get_scoped_or_404(reports_in_scope(actor), actor, pk=report_id)
    audit_read(actor, report, detail={"purpose": purpose})
    return report


# ---- Face ledger and photos -----------------------------------------------------------------------------

def search_logs_in_scope(actor):
    """The face-search ledger (人脸比对使用台账) of the actor's jurisdiction, newest first."""
    require(actor, Capability.FAMILY_SEARCH)
    return scoped(FaceSearchLog.objects.select_related("operator", "organization"), actor, **LOG_SCOPE) \
        .order_by("-searched_at", "-pk")


def face_photos_of(*, actor, case: RescueCase | None = None, report: MissingReport | None = None):
    """The enrolled photos of one record in the actor's scope (failed ones included: what to retake)."""
    require(actor, Capability.FAMILY_SEARCH)
    if case is not None:
        case = get_scoped_or_404(RescueCase.objects.all(), actor, scope=CASE_SCOPE, pk=case.pk)
        return FacePhoto.objects.filter(case=case).order_by("-enrolled_at", "-pk")
    report = get_scoped_or_404(MissingReport.objects.all(), actor, scope=REPORT_SCOPE, pk=report.pk)
    return FacePhoto.objects.filter(report=report).order_by("-enrolled_at", "-pk")


# ---- Candidates -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CandidateNotice:
    """What a station sees of a candidate outside its own records: the notice, never the record."""

    kind: str  # "case" or "report"
    subject_id: int
    in_scope: bool  # the actor's own record (its full page is rescue's or this app's own)
    photo_id: int | None
    name: str  # as stated by the client or given by the family; "" when unknown
    sex: str
    age: str
    date_label: str
    date: dt.date | None
    place: str
    station: str
    features: str
    time: dt.time | None = None  # a report's 走失时间, when the family knew it


def _case_notice(actor, case: RescueCase, in_scope: bool, photo_id) -> CandidateNotice:
    age = case.age_on(today())
    return CandidateNotice(
        kind="case", subject_id=case.pk, in_scope=in_scope, photo_id=photo_id, name=case.name,
        sex=case.get_sex_display(), age="" if age is None else (f"{age}岁" if case.birth_date else f"约{age}岁"),
        date_label="入站日期", date=case.admitted_on, place=case.station.region.full_name,
        station=case.station.name, features=case.check_note)


def _report_notice(actor, report: MissingReport, in_scope: bool, photo_id) -> CandidateNotice:
    age = today().year - report.birth_year if report.birth_year else None
    place = report.last_seen_region.full_name if report.last_seen_region_id else ""
    return CandidateNotice(
        kind="report", subject_id=report.pk, in_scope=in_scope, photo_id=photo_id, name=report.name,
        sex=report.get_sex_display(), age="" if age is None else f"{age}岁", date_label="走失日期",
        date=report.missing_date, time=report.missing_time, place=place, station=report.region.name,
        features="；".join(t for t in (report.features, report.clothing) if t))


def candidate_notice(*, actor, kind: str, subject_id: int) -> CandidateNotice:
    """A face-search candidate as a notice (see the module's docstring), audited as a read of that record. Only
    records with an active enrolled face are candidates: anything else is 404, so this is no way to read an
    arbitrary record."""
    require(actor, Capability.FAMILY_SEARCH)
    field = {"case": "case_id", "report": "report_id"}.get(kind)
    if field is None:
        raise Http404("记录不存在")
    photo = FacePhoto.objects.filter(status=FaceStatus.ACTIVE, **{field: subject_id}).order_by("-pk").first()
    if photo is None:
        raise Http404("记录不存在或没有可比对的人脸照片")
    if kind == "case":
        record = RescueCase.objects.select_related("station", "station__region").get(pk=subject_id)
        q = scope_q(actor, **CASE_SCOPE)
        in_scope = q is None or RescueCase.objects.filter(q, pk=subject_id).exists()
        notice = _case_notice(actor, record, in_scope, photo.pk)
    else:
        record = MissingReport.objects.select_related("region", "last_seen_region").get(pk=subject_id)
        q = scope_q(actor, **REPORT_SCOPE)
        in_scope = q is None or MissingReport.objects.filter(q, pk=subject_id).exists()
        notice = _report_notice(actor, record, in_scope, photo.pk)
    audit_read(actor, record, detail={"purpose": "face_candidate", "in_scope": in_scope})
    return notice


def candidate_photo_key(*, actor, photo_id: int) -> str:
    """The stored file of an active enrolled photo (a candidate's thumbnail): the caller has shown its notice
    through candidate_notice (audited); 404 for anything else."""
    require(actor, Capability.FAMILY_SEARCH)
    photo = FacePhoto.objects.filter(pk=photo_id, status=FaceStatus.ACTIVE).first()
    if photo is None:
        raise Http404("照片不存在")
    return photo.photo_key


def case_for_faces(*, actor, case_id: int) -> RescueCase:
    """A rescue record for its face page (its photos, searches, candidates), audited; 404 out of scope."""
    require(actor, Capability.FAMILY_SEARCH)
    case = get_scoped_or_404(RescueCase.objects.select_related("station", "station__region"), actor,
                             scope=CASE_SCOPE, pk=case_id)
    audit_read(actor, case, detail={"purpose": "faces"})
    return case


def latest_search(*, actor, case: RescueCase) -> FaceSearchLog | None:
    return search_logs_in_scope(actor).filter(case=case).first()


def search_photo(*, actor, log_id: int, photo_id: int) -> FacePhoto:
    """A photo shown on a search's page: one of the candidates that search returned, or a photo of the searched
    record itself; the search must be in the actor's ledger scope. 404 otherwise, so photo numbers cannot be
    walked. The caller writes the audit row."""
    log = get_scoped_or_404(search_logs_in_scope(actor), actor, pk=log_id)
    listed = {int(r["photo"]) for r in log.result if "photo" in r}
    own = FacePhoto.objects.filter(pk=photo_id, case_id=log.case_id, report_id=log.report_id).exists()
    if photo_id not in listed and not own:
        raise Http404("照片不存在")
    photo = FacePhoto.objects.filter(pk=photo_id).exclude(status=FaceStatus.WITHDRAWN).first()
    if photo is None:
        raise Http404("照片不存在")
    return photo


# ---- The 1:N index --------------------------------------------------------------------------------------

def index_directory():
    return files_root() / "face-index"


DELTA_MAX_ROWS = 20_000  # rows enrolled since the files were written, searched from memory; more: rewrite the files
MANIFEST = "manifest.json"


def _rows_to_arrays(rows, n: int) -> tuple[np.ndarray, np.ndarray]:
    vectors = np.empty((n, faces.DIMENSIONS), dtype=np.float32)
    ids = np.empty((n, 3), dtype=np.int64)
    i = 0
    for pk, case_id, report_id, blob in rows:
        if i >= n:  # enrolled meanwhile: the next search has it
            break
        vectors[i] = faces.vector_from_bytes(blob)
        ids[i] = (faces.KIND_CASE, case_id, pk) if case_id else (faces.KIND_REPORT, report_id, pk)
        i += 1
    return vectors[:i], ids[:i]


def _active_rows(**filters):
    return FacePhoto.objects.filter(status=FaceStatus.ACTIVE, **filters).order_by("pk") \
        .values_list("pk", "case_id", "report_id", "embedding")


def _read_manifest(directory) -> dict | None:
    try:
        return json.loads((directory / MANIFEST).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _write_files(directory) -> tuple[faces.FaceIndex, dict]:
    """The files of every active face, from one query, and their manifest (what they hold: the active count up
    to the last id, and the last change of any row up to it)."""
    state = FacePhoto.objects.aggregate(count=Count("pk", filter=_active()), last=Max("pk"),
                                        changed=Max("changed_at"))
    last = state["last"] or 0
    vectors, ids = _rows_to_arrays(_active_rows(pk__lte=last).iterator(chunk_size=5000), state["count"] or 0)
    manifest = {"format": faces.INDEX_FORMAT, "last": last, "count": len(ids),
                "changed": state["changed"].isoformat() if state["changed"] else ""}
    tag = faces.FaceIndex.tag_for(manifest["last"], manifest["count"], manifest["changed"])
    manifest["tag"] = tag
    index = faces.FaceIndex.write(directory, tag, vectors, ids)
    partial = directory / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest))
    os.replace(partial, directory / MANIFEST)
    return index, manifest


def current_face_index() -> faces.IndexSet:
    """Every active face, searchable: the memory-mapped files plus, from memory, the rows enrolled since they were
    written. The files stand while they have the current layout (faces.INDEX_FORMAT) and no row they cover changed
    (the same active count up to their last id, the same last change: a withdrawal or a re-enrolment changes one or
    the other); rows enrolled since are one small query.
    When the files are stale or more than DELTA_MAX_ROWS rows came since, they are written again from one query
    over all active embeddings (at 1,000,000 faces: seconds, once, not at every admission)."""
    directory = index_directory()
    manifest = _read_manifest(directory)
    base = None
    if manifest is not None and manifest.get("format") == faces.INDEX_FORMAT:
        covered = FacePhoto.objects.filter(pk__lte=manifest["last"]).aggregate(
            count=Count("pk", filter=_active()), changed=Max("changed_at"))
        changed = covered["changed"].isoformat() if covered["changed"] else ""
        if covered["count"] == manifest["count"] and changed == manifest["changed"]:
            base = faces.FaceIndex.open(directory, manifest["tag"])
    if base is not None:
        newer = FacePhoto.objects.filter(status=FaceStatus.ACTIVE, pk__gt=manifest["last"]).count()
        if newer > DELTA_MAX_ROWS:
            base = None
    if base is None:
        base, manifest = _write_files(directory)
    newer = list(_active_rows(pk__gt=manifest["last"])[:DELTA_MAX_ROWS + 1])
    delta = faces.FaceIndex.in_memory(*_rows_to_arrays(newer, len(newer))) if newer else None
    return faces.IndexSet(base, delta)


def _active() -> Q:
    return Q(status=FaceStatus.ACTIVE)
