"""Comparators: one client against many reports, each returning an int8 array of level indices
(``evidence.LEVELS``). Everything is array arithmetic over the reports' prepared columns; no loop over rows.

Missing values in report arrays: names -1, sex -1, birth year -1, height NaN, region 0, dates ``NO_DAY``.
"""

from __future__ import annotations

import re

import numpy as np

from .evidence import LEVELS

NO_DAY = np.iinfo(np.int32).min
# Misestimates of up to 10 years, 虚岁 (+1) and the birthday (age from years alone is up to one too high):
# estimated age minus (found year - birth year) lies in [AGE_LO, AGE_HI] for the true person.
AGE_LO, AGE_HI = -11, 12


def _lv(evidence: str, level: str) -> int:
    return LEVELS[evidence].index(level)


def compare_sex(client_sex: int, sex: np.ndarray) -> np.ndarray:
    out = np.where(sex == client_sex, _lv("sex", "same"), _lv("sex", "conflict")).astype(np.int8)
    if client_sex < 0:
        out[:] = _lv("sex", "unknown")
    else:
        out[sex < 0] = _lv("sex", "unknown")
    return out


def age_difference(estimated_age: float, found_year: int, birth_year: np.ndarray) -> np.ndarray:
    """Estimated age minus the age implied by the birth year at the found date (years)."""
    return estimated_age - (found_year - birth_year)


def _age_tables() -> tuple[np.ndarray, np.ndarray]:
    """Level and exclusion by d = AGE_LO - 1 ... AGE_HI + 1 (the ends stand for everything beyond)."""
    d = np.arange(AGE_LO - 1, AGE_HI + 2)
    level = np.full(len(d), _lv("age", "far"), np.int8)
    level[(d >= -7) & (d <= 8)] = _lv("age", "near")
    level[(d >= -4) & (d <= 5)] = _lv("age", "close")
    level[(d >= -1) & (d <= 2)] = _lv("age", "exact")
    return level, (d < AGE_LO) | (d > AGE_HI)


_AGE_LEVEL, _AGE_OUT = _age_tables()


def compare_age(estimated_age: float, found_year: int | None, birth_year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(levels, excluded): beyond AGE_LO..AGE_HI the report is excluded. Exact takes 虚岁 (+1) and the
    birthday (+1) in: d from -1 to +2."""
    n = len(birth_year)
    if np.isnan(estimated_age) or found_year is None:
        return np.zeros(n, np.int8), np.zeros(n, bool)
    d = birth_year + np.int32(round(estimated_age) - found_year)
    index = np.clip(d - (AGE_LO - 1), 0, len(_AGE_LEVEL) - 1)
    known = birth_year > 0
    out = np.where(known, _AGE_LEVEL[index], _lv("age", "unknown")).astype(np.int8)
    return out, known & _AGE_OUT[index]


def compare_height(client_height: float, height: np.ndarray) -> np.ndarray:
    n = len(height)
    if np.isnan(client_height):
        return np.zeros(n, np.int8)
    d = np.abs(height - np.float32(client_height))
    out = (np.digitize(d, np.array([3, 7, 12], np.float32), right=True) + _lv("height", "exact")).astype(np.int8)
    out[np.isnan(height)] = _lv("height", "unknown")
    return out


def compare_region(evidence: str, client_code: int, codes: np.ndarray, cities: np.ndarray | None = None,
                   provinces: np.ndarray | None = None) -> np.ndarray:
    """Same county / city / province / other, at the precision both codes have: a province-level code
    (410000, an accent) can match at most at province level. ``cities`` (code // 100, 0 for a
    province-level code) and ``provinces`` (code // 10000) may come precomputed."""
    n = len(codes)
    if not client_code:
        return np.zeros(n, np.int8)
    if provinces is None:
        provinces = codes // 10000
    if cities is None:
        cities = np.where(codes % 10000 != 0, codes // 100, 0)
    out = np.where(provinces == client_code // 10000, _lv(evidence, "province"), _lv(evidence, "other"))
    out = out.astype(np.int8)
    if client_code % 10000:
        out[cities == client_code // 100] = _lv(evidence, "city")
        if client_code % 100:
            out[codes == client_code] = _lv(evidence, "county")
    out[codes == 0] = _lv(evidence, "unknown")
    return out


def compare_time(found_day: int | None, missing_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(levels, excluded): a report whose person went missing after the client was found is excluded."""
    n = len(missing_day)
    if found_day is None:
        return np.zeros(n, np.int8), np.zeros(n, bool)
    known = missing_day != NO_DAY
    gap = np.int32(found_day) - missing_day  # NO_DAY wraps around; masked by ``known``
    out = (np.digitize(gap, np.array([31, 366, 5 * 365 + 1], np.int32), right=True)
           + _lv("time", "month")).astype(np.int8)
    out[~known] = _lv("time", "unknown")
    return out, known & (gap < 0)


# ------------------------------------------------------------------------------------------------
# Features and clothing: character bigrams within each phrase, Jaccard similarity.

_PHRASE_SPLIT = re.compile(r"[\s,，;；。.、/|:：()（）“”\"'!！?？]+")


def bigrams(text: str) -> set[str]:
    found: set[str] = set()
    for phrase in _PHRASE_SPLIT.split(text or ""):
        if len(phrase) == 1:
            found.add(phrase)
        found.update(phrase[i:i + 2] for i in range(len(phrase) - 1))
    return found


def features_level(jaccard: np.ndarray, known: np.ndarray) -> np.ndarray:
    out = np.full(len(jaccard), _lv("features", "none"), np.int8)
    out[jaccard > 0] = _lv("features", "low")
    out[jaccard >= 0.15] = _lv("features", "medium")
    out[jaccard >= 0.35] = _lv("features", "high")
    out[~known] = _lv("features", "unknown")
    return out


# ------------------------------------------------------------------------------------------------
# Names. ``codes`` holds the report columns as int codes of one shared vocabulary (-1 = none):
# full, full_k, sur, sur_k, giv, giv_k, g1, g1_k, gl, gl_k (first and last given character, their keys).

def _name_reading(reading: dict, codes: dict[str, np.ndarray]) -> np.ndarray:
    """Levels for one reading of the client's name (``reading``: its parts as codes, -2 when not in the
    vocabulary, so that nothing equals them)."""
    lv = LEVELS["name"].index
    kind = reading["kind"]
    n = len(codes["full"])
    if kind == "full":
        out = np.full(n, lv("conflict"), np.int8)
        given_syllables = (reading["g1_k"], reading["gl_k"])
        one_given = np.isin(codes["g1_k"], given_syllables) | np.isin(codes["gl_k"], given_syllables)
        out[(codes["sur_k"] == reading["sur_k"]) & one_given] = lv("partial")
        out[codes["giv_k"] == reading["giv_k"]] = lv("partial")
        out[codes["full_k"] == reading["full_k"]] = lv("sound")
        out[codes["full"] == reading["full"]] = lv("exact")
    elif kind == "surname":
        out = np.full(n, lv("surname_conflict"), np.int8)
        out[(codes["sur_k"] == reading["sur_k"]) | (codes["sur"] == reading["sur"])] = lv("surname")
    elif kind == "given":
        out = np.full(n, lv("given_conflict"), np.int8)
        if reading["single"]:
            one = (np.isin(codes["g1_k"], (reading["giv_k"],)) | np.isin(codes["gl_k"], (reading["giv_k"],)))
            out[one] = lv("nickname")
        out[codes["giv_k"] == reading["giv_k"]] = lv("given_sound")
        out[codes["giv"] == reading["giv"]] = lv("given_exact")
    elif kind == "nickname":
        out = np.full(n, lv("given_conflict"), np.int8)
        key = reading["giv_k"]
        out[(codes["g1_k"] == key) | (codes["gl_k"] == key) | (codes["giv_k"] == key)] = lv("nickname")
        out[codes["giv"] == reading["giv"]] = lv("given_exact")  # 阿明 for 陈明: the whole given name
    else:
        return np.zeros(n, np.int8)
    out[codes["full"] < 0] = lv("unknown")
    return out


def compare_name(readings: list[dict], codes: dict[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
    """The level of the reading that weighs most for each report (a name is read every plausible way;
    a conflicting name is weak negative evidence, never an exclusion)."""
    n = len(codes["full"])
    if not readings or readings[0]["kind"] == "none":
        return np.zeros(n, np.int8)
    best = _name_reading(readings[0], codes)
    for reading in readings[1:]:
        other = _name_reading(reading, codes)
        better = weights[other] > weights[best]
        best = np.where(better, other, best)
    return best
