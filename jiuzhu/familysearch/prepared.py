"""The matching run's prepared table (issue #19: one client against 1,000,000 records and 100,000 reports in
under 300 ms): every missing report and every rescue record, as the library's report rows (the mapping in
review_services' docstring), prepared once per process into a matching.ReportTable and kept current by the rows
changed since (core.changestamp: `changed_at` on RescueCase, MissingReport and ClientProfile, written by every
ORM save path).

    base    the table built from all rows at the first run (seconds to a minute at a million rows);
    delta   a small table of the rows changed since, rebuilt when they change; a changed row's base position is
            masked out (superseded), so each row is ranked from exactly one of the two;
    counts  deletions leave no stamp: the rows per model are counted each run, and when the count differs from
            what the state knows, every id is read once to find the deleted ones.

Each run looks at the stamps from its last look less CHANGE_LAG (a transaction that committed late), and reads
full rows only for keys whose stamp differs from the one held. The delta is folded into a new base when it
passes REBUILD_AT rows. A state is immutable: a refresh makes a new one, used by its run and installed for the
next runs when the run's transaction commits (a state read inside a transaction that rolls back never serves
another run). The run for a case masks the prepared rows to what it may rank today: open reports, and rescue
records admitted before this one and not refused (as the SQL of the fresh path did); the library's blocking
and exclusions then apply as before. Equal scores are ordered by `tiebreak` (report 2*pk, record 2*pk+1), in
this path and the fresh one alike, so both give the same candidates (tests/test_prepared.py)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from jiuzhu.core.changestamp import CHANGE_LAG
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.models import Organization, Region
from jiuzhu.familysearch.matching import ReportTable, rank
from jiuzhu.familysearch.matching.ranking import Candidate
from jiuzhu.familysearch.models import ClientProfile, MissingReport, ReportStatus
from jiuzhu.rescue.models import CaseStatus, RescueCase

REBUILD_AT = 20_000
EPOCH = dt.date(1970, 1, 1)
COLUMNS = ("report_id", "name", "sex", "birth_year", "height_cm", "hukou_region_code", "missing_date",
           "last_seen_region_code", "features", "source", "tiebreak")
CASE_FIELDS = ("pk", "status", "name", "sex", "birth_date", "estimated_age", "admitted_on", "id_number_cipher",
               "registry_home_region_id", "station_id", "check_note", "changed_at")
PROFILE_FIELDS = ("case_id", "height_cm", "features", "clothing", "accent_region_id", "found_region_id",
                  "stated_name", "changed_at")
REPORT_FIELDS = ("pk", "status", "name", "sex", "birth_year", "height_cm", "hukou_region_id", "missing_date",
                 "last_seen_region_id", "features", "clothing", "changed_at")


def tiebreak(key: str) -> int:
    """The order of equal scores: r<pk> → 2·pk, c<pk> → 2·pk + 1."""
    return 2 * int(key[1:]) + (key[0] == "c")


# ---- Reading rows set-based into report rows ------------------------------------------------------------

def _micros(values) -> np.ndarray:
    """Aware datetimes as int64 microseconds since the epoch (the stamps compared)."""
    if len(values) == 0:
        return np.zeros(0, np.int64)
    return np.array(pd.to_datetime(pd.Series(list(values)), utc=True).astype("datetime64[us, UTC]")
                    .astype("int64"), dtype=np.int64)


def _codes(ids: pd.Series, codes: dict) -> pd.Series:
    return ids.map(codes).fillna("").astype(str).str[:6]


def _joined(a: pd.Series, b: pd.Series) -> pd.Series:
    """review_services._text of two columns: the non-empty ones joined by "；"."""
    a, b = a.fillna("").astype(str), b.fillna("").astype(str)
    return (a + np.where((a != "") & (b != ""), "；", "") + b).astype(object)


def _id_prefix(cipher: str) -> str:
    try:
        return decrypt_text(cipher)[:6] if cipher else ""
    except Exception:  # an unreadable number (a retired key) only loses this hint
        return ""


def _region_codes(*ids: pd.Series) -> dict:
    """{region id: code} for the ids in these columns (all regions when there are many)."""
    wanted = pd.unique(pd.concat(ids, ignore_index=True).dropna()) if ids else []
    regions = Region.objects.all() if len(wanted) > 5000 else Region.objects.filter(pk__in=[int(i) for i in wanted])
    return dict(regions.values_list("pk", "code"))


def _station_regions() -> dict:
    return dict(Organization.objects.values_list("pk", "region_id"))


def _frame(records: pd.DataFrame, extras: dict) -> pd.DataFrame:
    return pd.DataFrame({c: records[c] for c in COLUMNS}).assign(**extras).reset_index(drop=True)


def case_rows(cases: Q | None = None) -> pd.DataFrame:
    """Rescue records (all, or those of `cases`) as report rows with the run's columns: kind, pk, day (the
    admission's day number), rankable (not refused), stamp (the record's or its profile's, the later)."""
    queryset = RescueCase.objects.all() if cases is None else RescueCase.objects.filter(cases)
    df = pd.DataFrame.from_records(list(queryset.values_list(*CASE_FIELDS)), columns=CASE_FIELDS)
    profiles_qs = ClientProfile.objects.all() if cases is None else ClientProfile.objects.filter(
        case_id__in=list(df["pk"]))
    profiles = pd.DataFrame.from_records(list(profiles_qs.values_list(*PROFILE_FIELDS)),
                                         columns=PROFILE_FIELDS).add_prefix("p_")
    df = df.merge(profiles, how="left", left_on="pk", right_on="p_case_id")
    station_region = df["station_id"].map(_station_regions())
    regions = _region_codes(df["registry_home_region_id"], df["p_accent_region_id"], df["p_found_region_id"],
                            station_region)
    admitted = pd.to_datetime(df["admitted_on"])
    birth = pd.to_datetime(df["birth_date"])
    birth_year = birth.dt.year.where(birth.notna(), admitted.dt.year - df["estimated_age"].astype(float))
    home = _codes(df["registry_home_region_id"], regions)
    home = home.where(home != "", _codes(df["p_accent_region_id"], regions))
    needs = (home == "") & (df["id_number_cipher"].fillna("") != "")
    if needs.any():  # decrypted only where neither region tells the home (one at a time: a cipher per row)
        home = home.copy()
        home[needs] = df.loc[needs, "id_number_cipher"].map(_id_prefix)
    seen = _codes(df["p_found_region_id"], regions)
    seen = seen.where(seen != "", _codes(station_region, regions))
    features = _joined(df["p_features"], df["p_clothing"])
    features = features.where(features != "", df["check_note"].fillna(""))
    name = df["name"].fillna("").astype(str)
    name = name.where(name != "", df["p_stated_name"].fillna("").astype(str))
    pk = df["pk"].to_numpy(np.int64)
    out = pd.DataFrame({
        "report_id": "c" + df["pk"].astype(str), "name": name, "sex": df["sex"],
        "birth_year": birth_year.astype(object).where(birth_year.notna(), None),
        "height_cm": df["p_height_cm"].astype(object).where(df["p_height_cm"].notna(), None),
        "hukou_region_code": home, "missing_date": df["admitted_on"], "last_seen_region_code": seen,
        "features": features, "source": "case", "tiebreak": 2 * pk + 1,
    })
    stamp = _micros(df["changed_at"])
    has_profile = df["p_changed_at"].notna().to_numpy()
    if has_profile.any():  # a record's stamp is the later of its own and its profile's
        stamp[has_profile] = np.maximum(stamp[has_profile], _micros(df.loc[has_profile, "p_changed_at"]))
    day = (admitted - pd.Timestamp(EPOCH)).dt.days.to_numpy(np.int64) if len(df) else np.zeros(0, np.int64)
    return _frame(out, {"kind_case": True, "pk": pk, "day": day,
                        "rankable": (df["status"] != CaseStatus.REFUSED).to_numpy(), "stamp": stamp})


def report_rows(reports: Q | None = None) -> pd.DataFrame:
    """Missing reports (all, or those of `reports`) as report rows with the run's columns (rankable: open)."""
    queryset = MissingReport.objects.all() if reports is None else MissingReport.objects.filter(reports)
    df = pd.DataFrame.from_records(list(queryset.values_list(*REPORT_FIELDS)), columns=REPORT_FIELDS)
    regions = _region_codes(df["hukou_region_id"], df["last_seen_region_id"])
    pk = df["pk"].to_numpy(np.int64)
    out = pd.DataFrame({
        "report_id": "r" + df["pk"].astype(str), "name": df["name"], "sex": df["sex"],
        "birth_year": df["birth_year"].astype(object).where(df["birth_year"].notna(), None),
        "height_cm": df["height_cm"].astype(object).where(df["height_cm"].notna(), None),
        "hukou_region_code": _codes(df["hukou_region_id"], regions), "missing_date": df["missing_date"],
        "last_seen_region_code": _codes(df["last_seen_region_id"], regions),
        "features": _joined(df["features"], df["clothing"]), "source": "report", "tiebreak": 2 * pk,
    })
    return _frame(out, {"kind_case": False, "pk": pk, "day": np.zeros(len(df), np.int64),
                        "rankable": (df["status"] == ReportStatus.OPEN).to_numpy(),
                        "stamp": _micros(df["changed_at"])})


# ---- The prepared parts and the state -------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """A ReportTable with the run's columns aligned to its positions."""
    table: ReportTable
    kind_case: np.ndarray
    pk: np.ndarray
    day: np.ndarray
    rankable: np.ndarray
    stamp: np.ndarray

    @classmethod
    def build(cls, rows: pd.DataFrame) -> Part:
        table = ReportTable(rows[list(COLUMNS)])
        order = table.order
        return cls(table, rows["kind_case"].to_numpy(bool)[order], rows["pk"].to_numpy(np.int64)[order],
                   rows["day"].to_numpy(np.int64)[order], rows["rankable"].to_numpy(bool)[order],
                   rows["stamp"].to_numpy(np.int64)[order])

    def allowed_for(self, case_pk: int, case_day: int) -> np.ndarray:
        """Open reports; records admitted before this one (the earlier day, or the same day and a smaller
        number) and not refused."""
        earlier = (self.day < case_day) | ((self.day == case_day) & (self.pk < case_pk))
        return self.rankable & (~self.kind_case | earlier)


@dataclass(frozen=True)
class State:
    base: Part
    base_alive: np.ndarray  # neither superseded by a delta row nor deleted
    base_exists: np.ndarray  # not deleted
    base_counts: tuple[int, int]  # rows of the base not deleted: (reports, records)
    delta_rows: pd.DataFrame  # the changed rows, one per key (report_id), with `in_base`
    delta: Part | None
    looked_at: dt.datetime

    def known(self, kind_case: bool) -> int:
        """Rows of one model this state holds (to compare with the database's count)."""
        return _known(self.base_counts, self.delta_rows, kind_case)


def _known(base_counts: tuple[int, int], delta_rows: pd.DataFrame, kind_case: bool) -> int:
    new = delta_rows[~delta_rows["in_base"].to_numpy(bool)]
    return base_counts[kind_case] + int(np.count_nonzero(new["kind_case"].to_numpy(bool) == kind_case))


_lock = threading.Lock()
_state: State | None = None


def reset() -> None:
    """Forgets the prepared table (tests: rows of a rolled-back test must not serve the next one)."""
    global _state
    with _lock:
        _state = None


def _install(state: State) -> None:
    global _state
    with _lock:
        if _state is None or _state.looked_at <= state.looked_at:
            _state = state


def _empty_rows() -> pd.DataFrame:
    return pd.concat([case_rows(Q(pk__in=[])), report_rows(Q(pk__in=[]))], ignore_index=True).assign(in_base=False)


def build() -> State:
    looked_at = timezone.now()
    rows = pd.concat([report_rows(), case_rows()], ignore_index=True)
    base = Part.build(rows)
    alive = np.ones(base.table.size, bool)
    cases = int(np.count_nonzero(base.kind_case))
    return State(base, alive, alive.copy(), (base.table.size - cases, cases), _empty_rows(), None, looked_at)


def _changed_keys(state: State, since: dt.datetime) -> pd.Index:
    """Keys whose stamp in the database differs from the one the state holds, among those stamped since."""
    cases = pd.DataFrame.from_records(
        list(RescueCase.objects.filter(changed_at__gte=since).values_list("pk", "changed_at")),
        columns=["pk", "changed_at"])
    profiles = pd.DataFrame.from_records(
        list(ClientProfile.objects.filter(changed_at__gte=since).values_list("case_id", "changed_at")),
        columns=["pk", "changed_at"])
    reports = pd.DataFrame.from_records(
        list(MissingReport.objects.filter(changed_at__gte=since).values_list("pk", "changed_at")),
        columns=["pk", "changed_at"])
    # a record's stamp is the later of its own and its profile's (both after `since` when both are listed)
    both = pd.concat([cases.assign(key="c" + cases["pk"].astype(str)),
                      profiles.assign(key="c" + profiles["pk"].astype(str)),
                      reports.assign(key="r" + reports["pk"].astype(str))], ignore_index=True)
    if both.empty:
        return pd.Index([])
    both["stamp"] = _micros(both["changed_at"])
    seen = both.groupby("key")["stamp"].max()
    keys = seen.index.astype(object)
    # the stamp held: the delta's row, else the base's (when not deleted), else none (-1)
    position = state.base.table.locate(keys)
    held = np.where(position >= 0, state.base.stamp[position], -1)
    held[(position >= 0) & ~state.base_exists[position]] = -1
    in_delta = state.delta_rows.set_index("report_id")["stamp"].reindex(keys)
    held = np.where(in_delta.notna().to_numpy(), in_delta.fillna(-1).to_numpy(np.int64), held)
    return keys[held != seen.to_numpy()]


def _deleted_keys(state: State, delta_rows: pd.DataFrame) -> set[str]:
    """Keys of rows deleted since (only when a count differs from the rows held with the changed ones read:
    then every id is read once)."""
    gone: set[str] = set()
    for model, kind_case in ((RescueCase, True), (MissingReport, False)):
        if model.objects.count() == _known(state.base_counts, delta_rows, kind_case):
            continue
        ids = np.fromiter(model.objects.values_list("pk", flat=True), np.int64)
        held = state.base.pk[state.base_exists & (state.base.kind_case == kind_case)]
        delta = delta_rows[delta_rows["kind_case"].to_numpy(bool) == kind_case]
        held = np.union1d(held, delta["pk"].to_numpy(np.int64))
        gone |= {("c" if kind_case else "r") + str(pk) for pk in np.setdiff1d(held, ids)}
    return gone


def refresh(state: State) -> State:
    """The state with the rows changed (or deleted) since its last look."""
    looked_at = timezone.now()
    changed = _changed_keys(state, state.looked_at - CHANGE_LAG)
    delta_rows = state.delta_rows
    if len(changed):
        case_ids = [int(k[1:]) for k in changed if k[0] == "c"]
        report_ids = [int(k[1:]) for k in changed if k[0] == "r"]
        parts = ([report_rows(Q(pk__in=report_ids))] if report_ids else []) + \
            ([case_rows(Q(pk__in=case_ids))] if case_ids else [])
        fresh = pd.concat(parts, ignore_index=True)
        fresh["in_base"] = state.base.table.locate(fresh["report_id"].astype(object)) >= 0
        delta_rows = pd.concat([delta_rows[~delta_rows["report_id"].isin(set(changed))], fresh],
                               ignore_index=True)
    gone = _deleted_keys(state, delta_rows)
    if not len(changed) and not gone:
        return replace(state, looked_at=looked_at)
    drop = set(changed) | gone
    if gone:
        delta_rows = delta_rows[~delta_rows["report_id"].isin(gone)].reset_index(drop=True)
    if len(delta_rows) > REBUILD_AT:
        return build()
    alive, exists = state.base_alive.copy(), state.base_exists.copy()
    alive[state.base.table.positions(drop)] = False
    removed = state.base.table.positions(gone)
    removed = removed[exists[removed]]
    exists[removed] = False
    removed_cases = int(np.count_nonzero(state.base.kind_case[removed]))
    counts = (state.base_counts[0] - (len(removed) - removed_cases), state.base_counts[1] - removed_cases)
    delta = Part.build(delta_rows) if len(delta_rows) else None
    return State(state.base, alive, exists, counts, delta_rows, delta, looked_at)


def current() -> State:
    """The prepared state for this run: built or refreshed; installed for later runs when the run's
    transaction commits (at once outside one)."""
    with _lock:
        state = _state
    state = build() if state is None else refresh(state)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _install(state))
    else:
        _install(state)
    return state


def rank_case(client: dict, case: RescueCase, top: int, rejected: list) -> list[Candidate]:
    """The `top` best open reports and earlier records for a client, from the prepared state."""
    state = current()
    day = (case.admitted_on - EPOCH).days
    found: list[Candidate] = []
    for part, alive in ((state.base, state.base_alive), (state.delta, None)):
        if part is None:
            continue
        allowed = part.allowed_for(case.pk, day)
        if alive is not None:
            allowed &= alive
        found += rank(client, part.table, top, exclude_pairs=rejected, allowed=allowed)
    found.sort(key=lambda c: (-c.score, tiebreak(c.report_id)))
    return found[:top]
