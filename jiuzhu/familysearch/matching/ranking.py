"""Ranking reports (or historical records, registry persons: anything with the report columns) for a client.

``ReportTable(df)`` prepares the columns once: names split and keyed, codes, dates as day numbers, feature
bigrams in an inverted index, rows sorted by (sex, birth year) so that blocking is a few contiguous slices.
``rank(client, table, top=10)`` then works on arrays only:

1. blocking that keeps recall: the client's sex and unknown sex (all when the client's is unknown), birth
   years the estimated age allows (misestimates up to 10 years, 虚岁) and unknown birth years;
2. exclusions: the person went missing after the client was found; rejected pairs (``exclude_pairs``);
3. each comparator's level, its weight from weights.json, the score as their sum; the top ones with their
   explanation (evidence, level, Chinese label, weight), whose weights sum to the score.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from . import comparators as cmp
from .evidence import EVIDENCE, EVIDENCE_LABELS, LEVEL_LABELS, LEVELS
from .names import char_key, given_key, parse_client_name, parse_report_name, surname_key
from .records import (
    REPORT_COLUMNS,
    Client,
    read_birth_year,
    read_client,
    read_date,
    read_height,
    read_region,
    read_sex,
)

EPOCH = dt.date(1970, 1, 1)
_BY_BASE, _BY_UNKNOWN, _SLOT = 1800, 4095, 4096
NAME_CODES = ("full", "full_k", "sur", "sur_k", "giv", "giv_k", "g1", "g1_k", "gl", "gl_k")


@functools.lru_cache(maxsize=4)
def load_weights(path: str | None = None) -> dict[str, np.ndarray]:
    """Per evidence, the weight of each level (log2 m/u) in LEVELS order."""
    if path:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    else:
        data = json.loads(resources.files(__package__).joinpath("weights.json").read_text(encoding="utf-8"))
    return {e: np.array([float(data["weights"][e].get(level, 0.0)) for level in LEVELS[e]]) for e in EVIDENCE}


@dataclass(frozen=True)
class Evidence:
    evidence: str
    level: str
    label: str
    weight: float


@dataclass
class Candidate:
    report_id: object
    score: float
    explanation: list[Evidence] = field(default_factory=list)
    source: str = ""


def _day(date: dt.date | None) -> int | None:
    return None if date is None else (date - EPOCH).days


class ReportTable:
    """Reports prepared once for many queries. ``df`` has the report columns (REPORT_COLUMNS; values as
    in the CSV or already typed) and optionally ``source`` (missing report, historical record ...).
    Values that cannot be read raise records.FieldError; the CSV reader checks rows first."""

    def __init__(self, df: pd.DataFrame):
        df = df.reset_index(drop=True)
        n = len(df)
        missing = [c for c in REPORT_COLUMNS if c not in df.columns and c != "report_id"]
        for column in missing:
            df[column] = None
        sex = _map_unique(df["sex"], read_sex, np.int8)
        birth_year = _map_unique(df["birth_year"], read_birth_year, np.int32)
        slot = np.where(sex < 0, 2, sex).astype(np.int32)
        by_slot = np.where(birth_year > 0, np.clip(birth_year - _BY_BASE, 0, _BY_UNKNOWN - 1), _BY_UNKNOWN)
        key = slot * _SLOT + by_slot
        order = np.argsort(key, kind="stable")
        self.order = order  # table position -> the frame's row: callers align their own columns with it
        self.block_key = key[order]
        df = df.iloc[order].reset_index(drop=True)
        self.size = n
        # Equal scores are ordered by `tiebreak` (a number per row, when the frame has one: the same ranking
        # whatever order the rows came in), else by position.
        self.tiebreak = (df["tiebreak"].to_numpy(np.int64) if "tiebreak" in df.columns
                         else np.arange(n, dtype=np.int64))
        self.report_id = df["report_id"].to_numpy() if "report_id" in df.columns else np.arange(n)[order]
        self.source = df["source"].astype(str).to_numpy() if "source" in df.columns else None
        self._position = pd.Index(self.report_id)
        self.sex = sex[order]
        self.birth_year = birth_year[order]
        self.height = _map_unique(df["height_cm"], read_height, np.float32)
        self.home = _map_unique(df["hukou_region_code"], lambda v: read_region(v, "hukou_region_code"), np.int32)
        self.place = _map_unique(df["last_seen_region_code"], lambda v: read_region(v, "last_seen_region_code"),
                                 np.int32)
        for column in ("home", "place"):
            codes = getattr(self, column)
            setattr(self, f"{column}_city", np.where(codes % 10000 != 0, codes // 100, 0).astype(np.int32))
            setattr(self, f"{column}_province", (codes // 10000).astype(np.int32))
        self.missing_day = _map_unique(df["missing_date"], _missing_day, np.int32)
        self._prepare_names(df["name"])
        self._prepare_features(df["features"])

    # -- preparation -------------------------------------------------------------------------
    def _prepare_names(self, names: pd.Series) -> None:
        codes, uniques = pd.factorize(names.fillna("").astype(str), sort=False)
        parts = {c: [] for c in NAME_CODES}
        for name in uniques:
            surname, given = parse_report_name(name)
            values = _name_values(surname, given) if surname else dict.fromkeys(NAME_CODES, "")
            for c in NAME_CODES:
                parts[c].append(values[c])
        vocab: dict[str, int] = {}
        self.names: dict[str, np.ndarray] = {}
        for c in NAME_CODES:
            ids = np.array([-1 if not v else vocab.setdefault(v, len(vocab)) for v in parts[c]], np.int32)
            self.names[c] = ids[codes] if len(ids) else np.empty(0, np.int32)
        self.vocab = vocab

    def _prepare_features(self, features: pd.Series) -> None:
        codes, uniques = pd.factorize(features.fillna("").astype(str), sort=False)
        vocab: dict[str, int] = {}
        sets = [np.array(sorted(vocab.setdefault(b, len(vocab)) for b in cmp.bigrams(text)), np.int32)
                for text in uniques]
        sizes_u = np.array([len(s) for s in sets] or [0], np.int64)
        starts_u = np.concatenate([[0], np.cumsum(sizes_u)[:-1]])
        flat_u = np.concatenate(sets) if sets else np.empty(0, np.int32)
        size = sizes_u[codes] if self.size else np.zeros(0, np.int64)
        self.feature_size = size.astype(np.int32)
        # Each row's bigram ids, gathered from its distinct text's (CSR without a loop over rows).
        total = int(size.sum())
        row_start = np.cumsum(size) - size
        offset = np.arange(total) - np.repeat(row_start, size)
        flat = flat_u[np.repeat(starts_u[codes], size) + offset] if total else np.empty(0, np.int32)
        rows = np.repeat(np.arange(self.size, dtype=np.int32), size)
        # Inverted index: for each bigram, the rows that have it.
        order = np.argsort(flat, kind="stable")
        self.postings = rows[order]
        self.posting_start = np.searchsorted(flat[order], np.arange(len(vocab) + 1)).astype(np.int64)
        self.bigram_vocab = vocab

    # -- queries -------------------------------------------------------------------------------
    def block(self, client: Client) -> np.ndarray:
        """Row positions a client's candidates come from (sex and birth-year slices)."""
        slots = (0, 1, 2) if client.sex < 0 else (client.sex, 2)
        if np.isnan(client.estimated_age) or client.found_date is None:
            ranges = [(s * _SLOT, s * _SLOT + _SLOT - 1) for s in slots]
        else:
            centre = client.found_date.year - round(client.estimated_age)
            lo = max(centre + cmp.AGE_LO - 1 - _BY_BASE, 0)
            hi = min(centre + cmp.AGE_HI + 1 - _BY_BASE, _BY_UNKNOWN - 1)
            ranges = []
            for s in slots:
                ranges += [(s * _SLOT + lo, s * _SLOT + hi), (s * _SLOT + _BY_UNKNOWN, s * _SLOT + _BY_UNKNOWN)]
        edges = np.array(ranges, dtype=self.block_key.dtype)  # same dtype: no conversion of the whole key
        starts = np.searchsorted(self.block_key, edges[:, 0], "left")
        ends = np.searchsorted(self.block_key, edges[:, 1], "right")
        return np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])

    def feature_overlap(self, text: str) -> tuple[np.ndarray | None, int]:
        """Shared bigram count with every row (None when the client has no features) and the client's count."""
        grams = cmp.bigrams(text)
        if not grams:
            return None, 0
        ids = [self.bigram_vocab[g] for g in grams if g in self.bigram_vocab]
        if not ids:
            return np.zeros(self.size, np.int32), len(grams)
        hits = np.concatenate([self.postings[self.posting_start[i]:self.posting_start[i + 1]] for i in ids])
        return np.bincount(hits, minlength=self.size).astype(np.int32), len(grams)

    def positions(self, report_ids: Iterable) -> np.ndarray:
        found = self.locate(report_ids)
        return found[found >= 0]

    def locate(self, report_ids: Iterable) -> np.ndarray:
        """The position of each report id, -1 where the table has none."""
        return self._position.get_indexer(list(report_ids))

    def client_name_readings(self, name: str) -> list[dict]:
        readings = []
        for parts in parse_client_name(name):
            if parts.kind == "none":
                return [{"kind": "none"}]
            values = _name_values(parts.surname, parts.given)
            reading = {c: self.vocab.get(v, -2) if v else -3 for c, v in values.items()}
            reading["kind"] = parts.kind
            reading["single"] = len(parts.given) == 1
            readings.append(reading)
        return readings


def _name_values(surname: str, given: str) -> dict[str, str]:
    sk = surname_key(surname)
    gk = given_key(given)
    return {
        "full": surname + given if surname and given else "",
        "full_k": f"{sk} {gk}" if surname and given else "",
        "sur": surname, "sur_k": sk,
        "giv": given, "giv_k": gk,
        "g1": given[:1], "g1_k": char_key(given[:1]),
        "gl": given[-1:], "gl_k": char_key(given[-1:]),
    }


def _missing_day(value: object) -> int:
    date = read_date(value, "missing_date")
    return cmp.NO_DAY if date is None else (date - EPOCH).days


def _map_unique(series: pd.Series, read, dtype) -> np.ndarray:
    """A reader applied to each distinct value once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.array([read(v) for v in uniques] + [read(None)], dtype=dtype)
    return values[codes]  # the sentinel -1 picks read(None), the last


def _as_client(client: dict | Client) -> Client:
    return client if isinstance(client, Client) else read_client(client)


def compare(client: Client, table: ReportTable, rows: np.ndarray, weights: dict[str, np.ndarray]):
    """(levels per evidence, excluded mask) for the client against the given rows."""
    names = {c: a[rows] for c, a in table.names.items()}
    found_year = client.found_date.year if client.found_date else None
    age, age_out = cmp.compare_age(client.estimated_age, found_year, table.birth_year[rows])
    time, time_out = cmp.compare_time(_day(client.found_date), table.missing_day[rows])
    overlap, n_client = table.feature_overlap(client.features)
    if overlap is None:
        features = np.zeros(len(rows), np.int8)
    else:
        inter = overlap[rows]
        size = table.feature_size[rows]
        jaccard = inter / np.maximum(n_client + size - inter, 1)
        features = cmp.features_level(jaccard, size > 0)
    levels = {
        "name": cmp.compare_name(table.client_name_readings(client.name), names, weights["name"]),
        "sex": cmp.compare_sex(client.sex, table.sex[rows]),
        "age": age,
        "height": cmp.compare_height(client.height_cm, table.height[rows]),
        "home": cmp.compare_region("home", client.accent_region_code, table.home[rows], table.home_city[rows],
                                   table.home_province[rows]),
        "place": cmp.compare_region("place", client.found_region_code, table.place[rows], table.place_city[rows],
                                    table.place_province[rows]),
        "time": time,
        "features": features,
    }
    return levels, age_out | time_out


def rank(client: dict | Client, reports: ReportTable, top: int = 10, *, exclude_pairs: Iterable = (),
         weights: dict[str, np.ndarray] | None = None, allowed: np.ndarray | None = None) -> list[Candidate]:
    """The ``top`` best reports for one client, best first (equal scores by the table's tiebreak), each with
    its explanation.
    ``client``: a dict with the match-csv client columns (missing keys are unknown) or a records.Client; a
    value that cannot be read raises records.FieldError (``column``, Chinese ``reason``).
    ``exclude_pairs``: (client_id, report_id) pairs a reviewer rejected; they never come back.
    ``allowed``: a boolean row mask over the table's positions (what this client may be ranked against: a
    table prepared once for many clients holds rows some clients must not see); None allows every row."""
    client = _as_client(client)
    rejected = [r for c, r in exclude_pairs if str(c) == str(client.client_id)]
    return _rank(client, reports, top, rejected, weights or load_weights(), allowed)


def _rank(client: Client, reports: ReportTable, top: int, rejected: list, weights: dict,
          allowed: np.ndarray | None = None) -> list[Candidate]:
    if top < 1 or not reports.size:
        return []
    rows = reports.block(client)
    if allowed is not None:
        rows = rows[allowed[rows]]
    levels, excluded = compare(client, reports, rows, weights)
    contributions = {e: weights[e][levels[e]] for e in EVIDENCE}
    score = np.zeros(len(rows))
    for e in EVIDENCE:  # added in EVIDENCE order, as Candidate.score is: the same float, whichever table
        score = score + contributions[e]
    score = np.where(excluded, -np.inf, score)
    if rejected:
        score[np.isin(rows, reports.positions(rejected))] = -np.inf
    keep = np.flatnonzero(np.isfinite(score))
    if len(keep) > top:  # the top ones and every row tied with the last of them, then ordered
        cut = score[keep[np.argpartition(-score[keep], top - 1)[top - 1]]]
        keep = keep[score[keep] >= cut]
    keep = keep[np.lexsort((reports.tiebreak[rows[keep]], -score[keep]))][:top]
    candidates = []
    for i in keep:
        explanation = [Evidence(e, LEVELS[e][levels[e][i]],
                                f"{EVIDENCE_LABELS[e]}：{LEVEL_LABELS[e][LEVELS[e][levels[e][i]]]}",
                                float(contributions[e][i])) for e in EVIDENCE]
        candidates.append(Candidate(
            report_id=_plain(reports.report_id[rows[i]]),
            score=float(sum(item.weight for item in explanation)),
            explanation=explanation,
            source=str(reports.source[rows[i]]) if reports.source is not None else "",
        ))
    return candidates


def rank_many(clients_df: pd.DataFrame, reports_df: pd.DataFrame | ReportTable, top: int = 10, *,
              exclude_pairs: Iterable = ()) -> pd.DataFrame:
    """client_id, rank (1 = best), report_id, score for every client (one query each over the prepared
    table; the work inside each query is array arithmetic)."""
    table = reports_df if isinstance(reports_df, ReportTable) else ReportTable(reports_df)
    rejected: dict[str, list] = {}
    for client_id, report_id in exclude_pairs:
        rejected.setdefault(str(client_id), []).append(report_id)
    weights = load_weights()
    out = {"client_id": [], "rank": [], "report_id": [], "score": []}
    for row in clients_df.to_dict("records"):
        client = _as_client(row)
        found = _rank(client, table, top, rejected.get(str(client.client_id), []), weights)
        for position, candidate in enumerate(found, 1):
            out["client_id"].append(row.get("client_id"))
            out["rank"].append(position)
            out["report_id"].append(candidate.report_id)
            out["score"].append(round(candidate.score, 4))
    return pd.DataFrame(out)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
