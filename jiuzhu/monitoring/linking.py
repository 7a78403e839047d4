"""Linking feed rows without a usable ID number to registry persons by name, birth date and region, with
Splink (DuckDB backend).

Candidates are the registry persons born on one of the rows' birth dates (Splink's blocking rule is the
same: equal birth date), anywhere in the batch's region. Each pair is scored on the name (the same
characters; the same sound key from core.identity, which folds 同音字 and the dialect confusions such as
刘/牛, 陈/程; similar pinyin), the birth date and the region (same village, township, county). The model's m and u
probabilities are fixed here, not trained: the result is deterministic and needs no labelled data, and the
figures are plain enough to read (a name that sounds the same with the same birth date in the same village
is a link; the same birth date and village with another name is not).

A pair at or above MONITORING_LINK_THRESHOLD (0.95) is a link; one at or above MONITORING_LINK_REVIEW_FLOOR
(0.5) becomes a review item (FeedLinkReview) for an officer; below, nothing."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import pyarrow as pa
from django.conf import settings

from jiuzhu.core.identity import name_pinyin, name_sound_key

# Of all pairs of a feed row and a registry person, about one in 100,000 is the same person (a county's
# registry); the birth date then carries most of the evidence: two people picked at random share it about
# once in 25,000 pairs (u), the same person almost always (m; a typo in the date is the exception).
PRIOR = 1e-5


def link_threshold() -> float:
    return float(getattr(settings, "MONITORING_LINK_THRESHOLD", 0.95))


def review_floor() -> float:
    return float(getattr(settings, "MONITORING_LINK_REVIEW_FLOOR", 0.5))


@dataclass(frozen=True)
class Match:
    row_number: int
    person_id: int
    id_hash: str
    probability: float


def _settings():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def level(creator, m, u):
        return creator.configure(m_probability=m, u_probability=u)

    name = cl.CustomComparison(output_column_name="name", comparison_description="姓名", comparison_levels=[
        cll.NullLevel("name"),
        level(cll.ExactMatchLevel("name"), 0.86, 0.0005),
        level(cll.ExactMatchLevel("sound_key"), 0.10, 0.002),
        level(cll.JaroWinklerLevel("pinyin", 0.88), 0.015, 0.01),
        level(cll.ElseLevel(), 0.025, 0.9875),
    ])
    birth = cl.CustomComparison(output_column_name="birth_date", comparison_description="出生日期",
                                comparison_levels=[
        cll.NullLevel("birth_date"),
        level(cll.ExactMatchLevel("birth_date"), 0.98, 0.00004),
        level(cll.ElseLevel(), 0.02, 0.99996),
    ])
    region = cl.CustomComparison(output_column_name="region", comparison_description="地区", comparison_levels=[
        cll.NullLevel("region"),
        level(cll.ExactMatchLevel("region"), 0.85, 0.02),
        level(cll.CustomLevel("substr(region_l, 1, 9) = substr(region_r, 1, 9)"), 0.10, 0.15),
        level(cll.CustomLevel("substr(region_l, 1, 6) = substr(region_r, 1, 6)"), 0.04, 0.78),
        level(cll.ElseLevel(), 0.01, 0.05),
    ])
    return SettingsCreator(link_type="link_only", comparisons=[name, birth, region],
                           blocking_rules_to_generate_predictions=[block_on("birth_date")],
                           probability_two_random_records_match=PRIOR, retain_matching_columns=False,
                           retain_intermediate_calculation_columns=False)


def _candidates(birth_dates: set[dt.date], region_path: str) -> list[tuple]:
    from jiuzhu.registry.models import Person

    persons = []
    dates = sorted(birth_dates)
    for start in range(0, len(dates), 500):
        persons += list(Person.objects.filter(birth_date__in=dates[start:start + 500],
                                              region__path__startswith=region_path)
                        .values_list("pk", "name", "name_pinyin", "name_sound_key", "birth_date", "region__code",
                                     "id_number_hash"))
    return persons


def link_rows(rows: list[dict], *, region_path: str) -> list[Match]:
    """The best candidate of each row that has one at or above the review floor. `rows`: row_number, name,
    birth_date (date), region_code (may be empty)."""
    rows = [r for r in rows if r.get("name") and r.get("birth_date")]
    if not rows:
        return []
    persons = _candidates({r["birth_date"] for r in rows}, region_path)
    if not persons:
        return []
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.WARNING)
    feed = pa.table({
        "unique_id": [r["row_number"] for r in rows],
        "name": [r["name"] for r in rows],
        "pinyin": [name_pinyin(r["name"]) for r in rows],
        "sound_key": [name_sound_key(r["name"]) for r in rows],
        "birth_date": [r["birth_date"].isoformat() for r in rows],
        "region": [r.get("region_code") or None for r in rows],
    })
    registry = pa.table({
        "unique_id": [p[0] for p in persons],
        "name": [p[1] for p in persons],
        "pinyin": [p[2] or name_pinyin(p[1]) for p in persons],
        "sound_key": [p[3] or name_sound_key(p[1]) for p in persons],
        "birth_date": [p[4].isoformat() for p in persons],
        "region": [p[5] for p in persons],
    })
    db = DuckDBAPI()
    linker = Linker([db.register(feed, table_name="feed_rows"), db.register(registry, table_name="persons")],
                    _settings())
    predictions = linker.inference.predict(threshold_match_probability=review_floor())
    relation = predictions.as_duckdbpyrelation()
    pairs = relation.query("p", "SELECT unique_id_l, unique_id_r, source_dataset_l, match_probability FROM p")\
        .fetchall()
    hashes = {p[0]: p[6] for p in persons}
    best: dict[int, Match] = {}
    for left, right, source_left, probability in pairs:
        row_number, person_id = (left, right) if source_left == "feed_rows" else (right, left)
        row_number, person_id = int(row_number), int(person_id)
        current = best.get(row_number)
        if current is None or probability > current.probability:
            best[row_number] = Match(row_number, person_id, hashes[person_id], float(probability))
    return sorted(best.values(), key=lambda m: m.row_number)
