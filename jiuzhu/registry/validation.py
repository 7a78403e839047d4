"""Validation of household and member input, shared by the form, the API and the import.

Every problem is reported with the field (and, in imports, the row) in Chinese; nothing is written
unless everything is valid."""

import datetime as dt
from dataclasses import dataclass, field

from jiuzhu.core import tabular
from jiuzhu.core.identity import IdNumberError, parse_id_number
from jiuzhu.registry.models import (
    DisabilityType,
    Employment,
    HukouType,
    LabourCapacity,
    Relation,
    Schooling,
)


@dataclass
class MemberRow:
    id_number: str
    name: str
    relation: str
    sex: str
    birth_date: dt.date
    disability_type: str = ""
    disability_grade: int | None = None
    serious_illness: str = ""
    labour_capacity: str = LabourCapacity.FULL
    schooling: str = ""
    employment: str = ""
    phone: str = ""
    supporter_able: bool = True
    hukou_region_code: str = ""
    death_date: dt.date | None = None
    source_row: int | None = None  # this member's row in an imported file, for messages


@dataclass
class HouseholdRow:
    region_code: str
    address: str
    hukou_type: str
    members: list[MemberRow] = field(default_factory=list)
    relapse_watch: bool = False
    source_row: int | None = None  # first row in the file, for messages


# Choice fields accept the code or the Chinese label ("肢体残疾" or "physical").
def _choice_lookup(choices) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[value] = value
        table[str(label)] = value
    return table


CHOICES = {
    "relation": _choice_lookup(Relation),
    "disability_type": _choice_lookup(DisabilityType),
    "labour_capacity": _choice_lookup(LabourCapacity),
    "schooling": _choice_lookup(Schooling),
    "employment": _choice_lookup(Employment),
    "hukou_type": _choice_lookup(HukouType),
}
CHOICES["hukou_type"].update({"城市": "urban", "非农业": "urban", "农业": "rural"})
CHOICES["relation"].update({"本人": "head", "妻": "spouse", "夫": "spouse", "子": "child", "女": "child",
                            "儿子": "child", "女儿": "child", "父亲": "parent", "母亲": "parent"})

FIELD_LABELS = {
    "id_number": "身份证号码", "name": "姓名", "relation": "与户主关系", "sex": "性别", "birth_date": "出生日期",
    "disability_type": "残疾类别", "disability_grade": "残疾等级", "serious_illness": "重病（病种）",
    "labour_capacity": "劳动能力", "schooling": "在学情况", "employment": "就业情况", "phone": "联系电话",
    "supporter_able": "有具备履行能力的法定义务人", "hukou_region_code": "户籍地区划代码",
    "region_code": "所在村（社区）区划代码", "address": "住址", "hukou_type": "户籍类型",
    "household_key": "户编号", "death_date": "死亡日期", "relapse_watch": "防止返贫监测户",
}

_SEX = {"男": "M", "女": "F", "M": "M", "F": "F", "1": "M", "2": "F"}


class RowErrors(tabular.RowErrors):
    """The kit's row/column errors with the registry's field labels. `elsewhere` collects the keyed hashes
    of numbers found registered outside the actor's jurisdiction (bulk.check_against_registry), which the
    caller hands to core.disclosure before answering."""

    def __init__(self):
        super().__init__(FIELD_LABELS)
        self.elsewhere: list[str] = []


_text = tabular.text  # the one cell-to-text rule, shared with grouping in imports.py
parse_date = tabular.parse_date  # raises CellError (a ValueError) with a Chinese message


def _choice(errors, row, name, raw, *, required=False, default=""):
    text = _text(raw)
    if not text:
        if required:
            errors.add(row, name, "必填")
        return default
    value = CHOICES[name].get(text)
    if value is None:
        allowed = "、".join(str(label) for label in {v: k for k, v in CHOICES[name].items()
                                                     if not k.isascii()}.values())
        errors.add(row, name, f"“{text}”不是有效取值，可填：{allowed}")
        return default
    return value


def _bool(errors, row, name, raw, default: bool) -> bool:
    try:
        value = tabular.parse_bool(raw)
    except tabular.CellError as exc:
        errors.add(row, name, exc.message)
        return default
    return default if value is None else value


def member_from_raw(raw: dict, errors: RowErrors, row: int | None = None, *, today: dt.date | None = None)\
        -> MemberRow | None:
    """One member from a dict of field name -> raw cell value. Returns None if any field is invalid."""
    before = len(errors.items)
    today = today or dt.date.today()
    info = None
    id_raw = _text(raw.get("id_number"))
    if not id_raw:
        errors.add(row, "id_number", "必填")
    else:
        try:
            # The raw cell goes in unchanged: a float means Excel turned the number into a number.
            info = parse_id_number(raw.get("id_number"))
        except IdNumberError as exc:
            errors.add(row, "id_number", exc.message)
    name = _text(raw.get("name"))
    if not name:
        errors.add(row, "name", "必填")
    elif len(name) > 50:
        errors.add(row, "name", "姓名过长（最多 50 字）")
    relation = _choice(errors, row, "relation", raw.get("relation"), required=True)
    sex_text = _text(raw.get("sex"))
    if info and sex_text:
        sex = _SEX.get(sex_text)
        if sex is None:
            errors.add(row, "sex", f"“{sex_text}”应填“男”或“女”")
        elif sex != info.sex:
            errors.add(row, "sex", "性别与身份证号码不符")
    birth = None
    try:
        birth = parse_date(raw.get("birth_date"))
    except ValueError as exc:
        errors.add(row, "birth_date", str(exc))
    if info and birth and birth != info.birth_date:
        errors.add(row, "birth_date", f"出生日期与身份证号码不符（号码中为 {info.birth_date}）")
    if info and info.birth_date > today:
        errors.add(row, "id_number", "身份证号码中的出生日期晚于今天")
    disability_type = _choice(errors, row, "disability_type", raw.get("disability_type"))
    grade_text = _text(raw.get("disability_grade")).removesuffix("级").replace("一", "1").replace("二", "2")\
        .replace("三", "3").replace("四", "4")
    grade = None
    if grade_text:
        if grade_text not in {"1", "2", "3", "4"}:
            errors.add(row, "disability_grade", f"“{grade_text}”应为 1 至 4 级")
        else:
            grade = int(grade_text)
    if bool(disability_type) != bool(grade):
        errors.add(row, "disability_grade", "残疾类别与残疾等级须同时填写")
    death = None
    try:
        death = parse_date(raw.get("death_date"))
    except ValueError as exc:
        errors.add(row, "death_date", str(exc))
    if death and info and death < info.birth_date:
        errors.add(row, "death_date", "死亡日期早于出生日期")
    hukou_code = _text(raw.get("hukou_region_code"))
    if hukou_code and (not hukou_code.isdigit() or len(hukou_code) not in (6, 12)):
        errors.add(row, "hukou_region_code", "区划代码应为 6 位或 12 位数字")
    phone = _text(raw.get("phone"))
    if phone and (len(phone) > 20 or not phone.replace("-", "").replace(" ", "").isdigit()):
        errors.add(row, "phone", f"“{phone}”不是有效的电话号码")
    member = MemberRow(
        id_number=info.number if info else "",
        name=name,
        relation=relation,
        sex=info.sex if info else "",
        birth_date=info.birth_date if info else today,
        disability_type=disability_type,
        disability_grade=grade,
        serious_illness=_text(raw.get("serious_illness"))[:60],
        labour_capacity=_choice(errors, row, "labour_capacity", raw.get("labour_capacity"),
                                default=LabourCapacity.FULL),
        schooling=_choice(errors, row, "schooling", raw.get("schooling")),
        employment=_choice(errors, row, "employment", raw.get("employment")),
        phone=phone,
        supporter_able=_bool(errors, row, "supporter_able", raw.get("supporter_able"), True),
        hukou_region_code=hukou_code,
        death_date=death,
        source_row=row,
    )
    return None if len(errors.items) > before else member


def household_from_raw(raw: dict, errors: RowErrors, row: int | None = None) -> HouseholdRow | None:
    before = len(errors.items)
    code = _text(raw.get("region_code"))
    if not code:
        errors.add(row, "region_code", "必填")
    elif not code.isdigit() or len(code) not in (6, 12):
        errors.add(row, "region_code", "区划代码应为 6 位或 12 位数字")
    address = _text(raw.get("address"))
    if not address:
        errors.add(row, "address", "必填")
    elif len(address) > 200:
        errors.add(row, "address", "住址过长（最多 200 字）")
    hukou_type = _choice(errors, row, "hukou_type", raw.get("hukou_type"), required=True)
    relapse = _bool(errors, row, "relapse_watch", raw.get("relapse_watch"), False)
    if len(errors.items) > before:
        return None
    return HouseholdRow(region_code=code, address=address, hukou_type=hukou_type, relapse_watch=relapse,
                        source_row=row)


def check_household_shape(household: HouseholdRow, errors: RowErrors) -> None:
    """Exactly one head; no person twice in the same household."""
    heads = [m for m in household.members if m.relation == Relation.HEAD]
    row = household.source_row
    if not heads:
        errors.add(row, "relation", "该户没有户主（与户主关系须有一人为“户主”）")
    elif len(heads) > 1:
        errors.add(row, "relation", f"该户有 {len(heads)} 名户主，只能有一名")
