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
from functools import partial

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
