"""The member check of a roster import, once per distinct value (issue 15, "Speed").

A roster of 100,000 persons has 100,000 ID numbers but only a few hundred distinct relations, dates, grades,
ethnicities, labour capacities: each distinct cell value of a column is checked once, by the very function
the row-by-row check uses (validation.member_from_raw's parts), and remembered with its result. A row whose
every cell was accepted without an error or a notice becomes its MemberRow from those results; any other
row (a refused or normalised value, a date of death, benefit columns) goes through member_from_raw itself,
which reports each problem at its cell exactly as before. So the report is unchanged, and clean rows cost
dictionary look-ups.

ID numbers, all distinct, are checked here only in their canonical form (18 ASCII characters: 17 digits and
a digit or X): region and birth date once per distinct value, the check character by the same arithmetic
as python-stdnum; any other form goes the row-by-row way (it gets a notice or an error)."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from itertools import repeat
from operator import is_

import numpy as np

from jiuzhu.core import tabular
from jiuzhu.core.identity import EARLIEST_BIRTH_YEAR, _region_known
from jiuzhu.registry.models import LabourCapacity
from jiuzhu.registry.validation import (
    _GRADES,
    _SEX,
    CHOICES,
    ETHNICITY,
    MEMBER_BENEFITS,
    MemberRow,
)

_REFUSED = object()
_MISS = object()
_CHOICE_FIELDS = {"relation": "", "disability_type": "", "labour_capacity": LabourCapacity.FULL, "schooling": "",
                  "employment": ""}


class MemberChecker:
    """`member(raw, row)`: the MemberRow of a clean row, or None when the row must be checked row by row."""

    def __init__(self, fields: set[str], today: dt.date):
        self.today = today
        self.fields = fields
        # Member benefit columns or a date of death: rare, checked row by row.
        self.simple = not (fields & set(MEMBER_BENEFITS))
        self._births: dict[str, dt.date | object] = {}
        self._births_by_number: dict[int, dt.date | object] = {}  # 19680312 -> its date (members)
        # field -> (its memo {value: result}, the check of one value)
        self._checks = {name: ({}, partial(self._choice, name)) for name in _CHOICE_FIELDS}
        self._checks.update({"sex": ({}, self._sex), "grade": ({}, self._grade),
                             "supporter_able": ({}, self._bool), "ethnicity": ({}, self._ethnicity)})

    def _birth(self, digits: str):
        # identity._birth_date's rule, without its date.today() per call.
        found = self._births.get(digits)
        if found is None:
            try:
                found = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            except ValueError:
                found = _REFUSED
            else:
                if found.year < EARLIEST_BIRTH_YEAR or found > self.today:
                    found = _REFUSED
            self._births[digits] = found
        return found

    @staticmethod
    def _choice(name: str, value):
        text = tabular.text(value)
        if not text:
            return _REFUSED if name == "relation" else _CHOICE_FIELDS[name]  # 与户主关系 is required
        return CHOICES[name].get(text, _REFUSED)

    @staticmethod
    def _sex(value):
        text = tabular.text(value)
        return _SEX.get(text, _REFUSED) if text else ""

    @staticmethod
    def _date(value):
        try:
            return tabular.parse_date(value)
        except ValueError:
            return _REFUSED

    @staticmethod
    def _grade(value):
        text = tabular.text(value).removesuffix("残疾").removeprefix("第").removesuffix("级").translate(_GRADES)
        if not text:
            return None
        return int(text) if text in {"1", "2", "3", "4"} else _REFUSED

    @staticmethod
    def _bool(value):
        try:
            found = tabular.parse_bool(value)
        except tabular.CellError:
            return _REFUSED
        return True if found is None else found

    @staticmethod
    def _ethnicity(value):
        text = tabular.text(value)
        return ETHNICITY.get(text, _REFUSED) if text else ""

    def member(self, raw: dict, row) -> MemberRow | None:
        if not self.simple:
            return None
        number = raw.get("id_number")
        if number.__class__ is not str or len(number) != 18 or not number.isascii() or not number[:17].isdigit():
            return None
        last = number[17]
        if not (last.isdigit() or last == "X") or not _region_known(number[:6]):
            return None
        born = self._birth(number[6:14])
        if born is _REFUSED:
            return None
        checksum = (1 - 2 * int(number[:17], 13)) % 11
        if last != ("X" if checksum == 10 else str(checksum)):
            return None
        name = raw.get("name")
        if name.__class__ is not str or not name or name[0].isspace() or name[-1].isspace() or "\u3000" in name:
            name = tabular.text(name)
        if not name or len(name) > 50:
            return None
        checks = self._checks

        def look(field, value):
            # compute(value) once per distinct value; a str or None cell is its own key (the usual case),
            # other types are keyed by type too (1, 1.0 and True are one dict key but not one cell).
            memo, compute = checks[field]
            key = value if value is None or value.__class__ is str else (value.__class__, value)
            try:
                found = memo.get(key, _MISS)
                if found is _MISS:
                    found = memo[key] = compute(value)
            except TypeError:  # an unhashable cell: never from calamine or csv, but be safe
                return _REFUSED
            return found

        relation = look("relation", raw.get("relation"))
        if relation is _REFUSED:
            return None
        sex = "M" if int(number[16]) % 2 else "F"
        given = look("sex", raw.get("sex"))
        if given is _REFUSED or (given and given != sex):
            return None
        birth = raw.get("birth_date")
        # Birth dates are nearly as many as persons: a date cell is compared as it is, text parsed (cached).
        if birth.__class__ is dt.datetime:
            birth = birth.date()
        elif birth.__class__ is str and len(birth) == 10 and birth == born.isoformat():
            birth = born  # 1968-03-12 as the number has it: what parse_date would make of it
        elif birth.__class__ is not dt.date:
            birth = self._date(birth)
        if birth is _REFUSED or (birth is not None and birth != born):
            return None
        if raw.get("death_date") not in (None, ""):
            return None
        disability = look("disability_type", raw.get("disability_type"))
        grade = look("grade", raw.get("disability_grade"))
        if disability is _REFUSED or grade is _REFUSED or bool(disability) != bool(grade):
            return None
        hukou = tabular.text(raw.get("hukou_region_code"))
        if hukou and (not hukou.isdigit() or len(hukou) not in (6, 12)):
            return None
        phone = tabular.text(raw.get("phone"))
        if phone and (len(phone) > 20 or not phone.replace("-", "").replace(" ", "").isdigit()):
            return None
        labour = look("labour_capacity", raw.get("labour_capacity"))
        schooling = look("schooling", raw.get("schooling"))
        employment = look("employment", raw.get("employment"))
        able = look("supporter_able", raw.get("supporter_able"))
        ethnicity = look("ethnicity", raw.get("ethnicity"))
        if _REFUSED in (labour, schooling, employment, able, ethnicity):
            return None
        return MemberRow(id_number=number, name=name, relation=relation, sex=sex, birth_date=born,
                         disability_type=disability, disability_grade=grade,
                         serious_illness=tabular.text(raw.get("serious_illness"))[:60], labour_capacity=labour,
                         schooling=schooling, employment=employment, phone=phone, supporter_able=able,
                         hukou_region_code=hukou, death_date=None, source_row=row, ethnicity=ethnicity)


# ---- Column-wise: a chunk of rows at once (issue 15, "Speed") ----------------------------------------

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PAD = "0" * 18
_SEXES = np.array(["F", "M"], dtype=object)  # by the parity of the 17th digit
_DASH = ord("-")
_NO_DATE = "\0" * 10


def _id_matrix(ids: list) -> tuple[np.ndarray, np.ndarray]:
    """The column's ID numbers as an n x 18 matrix of ASCII codes (a cell not 18 ASCII characters as 18 zeros),
    and per cell whether it is canonical: 17 ASCII digits and a digit or X whose check character is right
    (numpy over the whole column). Everything else (a notice or an error) is left to the row-by-row check."""
    shaped = [v.__class__ is str and len(v) == 18 and v.isascii() for v in ids]
    if not ids:
        return np.zeros((0, 18), dtype=np.uint8), np.zeros(0, dtype=bool)
    matrix = np.frombuffer("".join([v if ok else _PAD for v, ok in zip(ids, shaped, strict=True)]).encode("ascii"),
                           dtype=np.uint8).reshape(len(ids), 18)
    digits = matrix[:, :17].astype(np.int64) - 48
    last = matrix[:, 17]
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1) & (((last >= 48) & (last <= 57)) | (last == 88))
    ok &= _ID_CHECK[np.clip(digits, 0, 9) @ _ID_WEIGHTS % 11] == last
    return matrix, ok & np.array(shaped, dtype=bool)


_TEXT_TYPES = frozenset({str, type(None)})


def all_text(values: list) -> bool:
    return set(map(type, values)) <= _TEXT_TYPES  # type() in C over the column, no Python call per cell


def _flags(values, n: int) -> np.ndarray:
    return np.fromiter(values, dtype=bool, count=n)


def _is_refused(values: list) -> np.ndarray:
    return _flags(map(is_, values, repeat(_REFUSED)), len(values))


def _birth_disagrees(checker: MemberChecker, birth, day) -> bool:
    """The row-by-row rule for one birth-date cell against the date in the ID number."""
    if birth.__class__ is dt.datetime:
        birth = birth.date()
    elif birth.__class__ is str and len(birth) == 10 and birth == day.isoformat():
        birth = day
    elif birth.__class__ is not dt.date:
        birth = checker._date(birth)
    return birth is _REFUSED or (birth is not None and birth != day)


def _iso_births_agree(births: list, matrix: np.ndarray) -> np.ndarray:
    """Per row: the cell is text written as the ID number's birth date, YYYY-MM-DD (a csv's usual cell), compared
    with numpy (ten code points a cell, anything else ten NULs that match no digit). A row this does not settle
    goes through _birth_disagrees."""
    n = len(births)
    fixed = [b if b.__class__ is str and len(b) == 10 else _NO_DATE for b in births]
    # "replace": a lone surrogate (never from a decoded file) becomes one "?", so every cell stays ten wide.
    cells = np.frombuffer("".join(fixed).encode("utf-32-le", "replace"), dtype=np.uint32).reshape(n, 10)
    return ((cells[:, 0:4] == matrix[:, 6:10]).all(axis=1) & (cells[:, 4] == _DASH)
            & (cells[:, 5:7] == matrix[:, 10:12]).all(axis=1) & (cells[:, 7] == _DASH)
            & (cells[:, 8:10] == matrix[:, 12:14]).all(axis=1))


def _bad_phones(phones: list) -> np.ndarray:
    """Per row: a phone the row-by-row rule refuses (over 20 characters, or not digits once - and spaces go).
    A column of ASCII digits only (the usual) is settled by one search of the column joined."""
    n = len(phones)
    too_long = np.fromiter(map(len, phones), dtype=np.int64, count=n) > 20
    if _NOT_DIGIT.search("".join(phones)) is None:
        return too_long
    return too_long | _flags(map(_phone_refused, phones), n)


_NOT_DIGIT = re.compile(r"[^0-9]")


def _phone_refused(phone: str) -> bool:
    return bool(phone) and not phone.replace("-", "").replace(" ", "").isdigit()


def members(checker: MemberChecker, columns: dict[str, list], refs: list) -> list[MemberRow | None]:
    """MemberChecker.member for every row of a chunk, column by column: each column's distinct values checked
    once, ID numbers and birth dates compared with numpy, each rule a column of flags; a row any rule doubts is
    None (checked row by row by the caller), the others become MemberRows in one pass."""
    n = len(refs)
    if not checker.simple:
        return [None] * n
    blank = [None] * n

    def column(name):
        return columns.get(name) or blank

    def mapped(name, values):
        memo, compute = checker._checks[name]
        if all_text(values):
            for v in set(values).difference(memo):
                memo[v] = compute(v)
            return list(map(memo.__getitem__, values))
        out = []
        for v in values:
            key = v if v is None or v.__class__ is str else (v.__class__, v)
            try:
                found = memo.get(key, _MISS)
                if found is _MISS:
                    found = memo[key] = compute(v)
            except TypeError:
                found = _REFUSED
            out.append(found)
        return out

    ids = column("id_number")
    matrix, canonical = _id_matrix(ids)
    digits = matrix.astype(np.int64) - 48
    # Region code and birth date as numbers (once per distinct value each, not once per row).
    regions = digits[:, :6] @ (10 ** np.arange(5, -1, -1, dtype=np.int64))
    known = np.array([code for code in np.unique(regions[canonical]).tolist() if _region_known(f"{code:06d}")],
                     dtype=np.int64)
    canonical &= np.isin(regions, known)
    dates = digits[:, 6:14] @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
    distinct, which = np.unique(np.where(canonical, dates, 0), return_inverse=True)
    by_number = checker._births_by_number  # a roster's birth dates repeat from chunk to chunk
    distinct = distinct.tolist()
    for d in set(distinct).difference(by_number):
        by_number[d] = checker._birth(f"{d:08d}") if d else _REFUSED
    born_of = np.empty(len(distinct), dtype=object)
    born_of[:] = list(map(by_number.__getitem__, distinct))
    born = born_of[which.reshape(-1)]  # _REFUSED where the number is not canonical (date 0)
    sexes = _SEXES[digits[:, 16] % 2] if n else np.empty(0, dtype=object)

    names = tabular.texts(column("name"))
    name_lengths = np.fromiter(map(len, names), dtype=np.int64, count=n)
    relations = mapped("relation", column("relation"))
    given_sexes = mapped("sex", column("sex"))
    disabilities = mapped("disability_type", column("disability_type"))
    grades = mapped("grade", column("disability_grade"))
    labours = mapped("labour_capacity", column("labour_capacity"))
    schoolings = mapped("schooling", column("schooling"))
    employments = mapped("employment", column("employment"))
    ables = mapped("supporter_able", column("supporter_able"))
    ethnicities = mapped("ethnicity", column("ethnicity"))
    text_of = tabular.texts
    hukous = text_of(column("hukou_region_code"))
    phones = text_of(column("phone"))
    illnesses = text_of(column("serious_illness"))
    deaths = column("death_date")

    doubt = _is_refused(born) | _is_refused(relations) | (name_lengths == 0) | (name_lengths > 50)
    if deaths is not blank:
        doubt |= _flags((d is not None and d != "" for d in deaths), n)
    # A sex given must be the number's (_REFUSED equals neither).
    given = np.array(given_sexes, dtype=object)
    doubt |= (given != "") & (given != sexes)
    type_grade = list(zip(disabilities, grades, strict=True))
    pairs = {p: p[0] is _REFUSED or p[1] is _REFUSED or bool(p[0]) != bool(p[1])
             for p in set(type_grade)}  # a few distinct (type, grade) pairs
    doubt |= _flags(map(pairs.__getitem__, type_grade), n)
    codes = {h: bool(h) and (not h.isdigit() or len(h) not in (6, 12)) for h in set(hukous)}
    doubt |= _flags(map(codes.__getitem__, hukous), n)
    doubt |= _bad_phones(phones)
    for values in (labours, schoolings, employments, ables, ethnicities):
        doubt |= _is_refused(values)
    births = column("birth_date")
    unsettled = ~doubt & ~_iso_births_agree(births, matrix)
    if unsettled.any():  # date cells, other writings, blanks: the row-by-row rule
        for i in np.flatnonzero(unsettled).tolist():
            doubt[i] = _birth_disagrees(checker, births[i], born[i])
    if max(map(len, illnesses), default=0) > 60:
        illnesses = [illness[:60] for illness in illnesses]
    made = list(map(MemberRow, ids, names, relations, sexes.tolist(), born.tolist(), disabilities, grades, illnesses,
                    labours, schoolings, employments, phones, ables, hukous, blank, refs, ethnicities))
    for i in np.flatnonzero(doubt).tolist():
        made[i] = None
    return made
