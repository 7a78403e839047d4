"""Importing households and members, with their benefits, from the rosters offices already have (issues 3
and 15), through the tabular import kit (jiuzhu/core/tabular): this module knows the registry's columns and
rules, the kit reads. Plain functions, no HTTP: the page, the API and the management command call them.

1. Reading (kit): xlsx via python-calamine (every sheet, merged cells filled), csv (UTF-8 with or without
   BOM, else GB18030/GBK) and parquet, after the size and expansion limits. The header row is the first
   row naming at least three known columns; title and 填报单位 rows above it are skipped (their text names the
   tier and the month: “特困”, “2026年11月”); a second header row under group headings is merged with it
   (残疾情况 over 类别 and 等级 = 残疾情况类别). 合计, signature and note rows below are left out. Every sheet with a
   header row is data: all sheets are checked and imported together, or none.
2. Mapping. Headers as the national system, old county systems and hand-made rosters write them (SYNONYMS)
   map to the fields of ``validation.FIELD_LABELS``; a mapping saved by name (``MAPPINGS``), a user's own
   remembered choices, or the caller's explicit mapping win.
3. Grouping. By 户编号 within a village (户编号 1 of two villages are two households), else by 户主身份证号码,
   else a 户主 row starts a household. A 特困 roster without 与户主关系 lists one-person households. Household
   columns come from the head's row; a value that differs between rows of one household is reported.
4. Places. A 12-digit code, or township and village names resolved in the user's county
   (core.region_names.resolve_places; a near name is only suggested, never applied).
   Defaults when the roster does not carry them: 住址 = the village's full name; 户籍类型 = the roster's
   城乡分类代码 column, else the village's 城乡分类代码 (1xx urban, 2xx rural), else its name (社区/居委会/街道
   urban, otherwise rural). The model has no “unknown” hukou type, so one of the two is always chosen.
5. Checking, with the file's own rows and columns (letter and header): every cell (``member_from_raw``,
   ``household_from_raw``), one head per household, 家庭人口 = member rows, the head's ID = the head's row,
   totals = sums of parts, amounts non-negative and plausible against the region's standards, 集中供养 names
   its institution, no ID number twice in the file, and against the registry (jurisdiction, persons already
   registered; outside the jurisdiction disclosed through core.disclosure, audited and capped). Values the
   importer normalised (lower-case x, full-width digits, padding spaces, 15-digit numbers) are notices (提示).
6. Writing: all or nothing in one transaction under a batch key (SHA-256 of the file) and a content key (of
   what the file says), so the same roster imported twice, even saved again in other bytes, changes nothing.
   Benefits become the household's current decision (confirmed, source imported, batch and row), grants from
   the roster's month, 特困 support, payment accounts (account encrypted like ID numbers). import_write writes
   with ids allocated first: COPY on PostgreSQL, one executemany per table on SQLite.

Speed (issue 15): rows come a chunk at a time as columns (Table.field_chunks: calamine's whole-sheet
to_python transposed once, merged household cells filled per column with numpy; Arrow for a csv body);
members are checked column by column (import_fast.members: ID check characters with numpy, each column's
distinct values once), a row repeating its household's cells exactly is not compared again, and any row
with a doubt goes through member_from_raw, so every problem is still reported at its cell as before. A
household's benefit cells are parsed once per distinct combination (validation._benefits), and a household
whose cells, its own number and account aside, repeat those of a household already accepted takes its checked
values, only its own cells and members looked at (_SameHouseholds; any doubt goes the full way). content_key's
member pieces are formatted, ordered and joined by Arrow. The cycle collector is paused during an import
(millions of live objects).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import re
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter, itemgetter
from time import perf_counter

from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jiuzhu.core import tabular
from jiuzhu.core.audit import audit
from jiuzhu.core.disclosure import disclose_registered_elsewhere
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import append_row
from jiuzhu.core.identity import IdNumberError, make_id_number, mask_id_number, normalize_id_number
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.region_names import resolve_places
from jiuzhu.core.tabular import RowRef, Table, read_bytes, row_label
from jiuzhu.core.tabular.regions import RegionResolver
from jiuzhu.registry import bulk, import_fast, import_write
from jiuzhu.registry.import_fast import MemberChecker
from jiuzhu.registry.models import ImportBatch, Relation
from jiuzhu.registry.standards import standards_for_many
from jiuzhu.registry.validation import (
    CHOICES,
    FIELD_LABELS,
    MEMBER_BENEFITS,
    HouseholdRow,
    RowErrors,
    _text,  # the same cell-to-text rule the validators use, so grouping agrees with validation
    check_household_shape,
    household_from_raw,
    member_from_raw,
)

# Column order of the template; also the order the review page lists fields in.
COLUMNS = ["household_key", "region_code", "address", "hukou_type", "relapse_watch", "name", "id_number",
           "relation", "sex", "birth_date", "disability_type", "disability_grade", "serious_illness",
           "labour_capacity", "schooling", "employment", "phone", "supporter_able", "hukou_region_code",
           "death_date"]
# Columns offices' rosters carry besides the template's (issue 15): places by name, benefits, payment.
ROSTER_COLUMNS = ["township", "village", "ethnicity", "head_id_number", "head_name", "family_size",
                  "covered_persons", "tier", "benefit_class", "monthly_amount", "member_amount", "dibao_standard",
                  "basic_amount", "care_amount", "basic_standard", "care_standard", "support_mode", "institution",
                  "self_care", "bank_name", "bank_account", "roster_month", "urban_rural_code"]
ALL_COLUMNS = COLUMNS + ROSTER_COLUMNS
# Always required; a place is required too: region_code, or township and village by name (PLACE_FIELDS).
REQUIRED = ("name", "id_number", "relation")
PLACE_FIELDS = ("region_code", "village")
HOUSEHOLD_FIELDS = ("household_key", "region_code", "township", "village", "address", "hukou_type",
                    "relapse_watch", "head_id_number", "head_name", "family_size", "covered_persons", "tier",
                    "benefit_class", "monthly_amount", "dibao_standard", "bank_name", "bank_account",
                    "roster_month", "urban_rural_code")
BENEFIT_FIELDS = frozenset({"tier", "benefit_class", "monthly_amount", "member_amount", "dibao_standard",
                            "basic_amount", "care_amount", "basic_standard", "care_standard", "support_mode",
                            "institution", "self_care", "covered_persons"})
# Values that must agree on every row of a household: a disagreement means rows were grouped wrongly
# (a missing 户主 row, a mistyped 户编号), which would otherwise put people into the wrong family.
MUST_AGREE = ("region_code", "township", "village", "address", "head_id_number", "family_size", "covered_persons",
              "tier", "benefit_class", "monthly_amount", "bank_account")

_MUST_AGREE = frozenset(MUST_AGREE)

# Headers seen in offices' exports (national system, old county systems, hand-made rosters), besides
# FIELD_LABELS themselves. Compared after normalize_header (full-width folded, spaces and * dropped).
SYNONYMS = {
    "household_key": ["户编号", "家庭编号", "户号", "家庭户号", "户序号", "户主编号", "家庭序号", "户代码"],
    "id_number": ["身份证号码", "身份证号", "公民身份号码", "公民身份证号码", "证件号码", "身份证件号码", "身份证",
                  "成员身份证号码", "成员身份证号", "成员身份证", "家庭成员身份证号码", "人员身份证号码",
                  "人员身份证号", "身份证号（成员）", "证件号", "救助对象身份证号码", "供养对象身份证号码",
                  "特困人员身份证号码", "保障对象身份证号码", "身份证号码（必填）"],
    "name": ["姓名", "成员姓名", "家庭成员姓名", "人员姓名", "救助对象姓名", "供养对象姓名", "特困人员姓名",
             "保障对象姓名", "对象姓名", "家庭成员"],
    "relation": ["与户主关系", "关系", "与户主的关系", "家庭关系", "与户主关系（成员）", "成员关系", "与申请人关系",
                 "家庭成员关系"],
    "sex": ["性别", "成员性别"],
    "ethnicity": ["民族", "族别"],
    "birth_date": ["出生日期", "出生年月日", "生日", "出生年月", "出生时间"],
    "disability_type": ["残疾类别", "残疾类型", "残疾种类", "残疾情况类别", "残疾情况类型", "残疾状况类别"],
    "disability_grade": ["残疾等级", "残疾级别", "残疾情况等级", "残疾情况级别", "残疾状况等级"],
    "serious_illness": ["重病（病种）", "重病", "病种", "重大疾病", "重病病种", "患病情况", "大病病种"],
    "labour_capacity": ["劳动能力", "劳动能力状况", "劳动能力情况", "健康状况（劳动能力）"],
    "schooling": ["在学情况", "在校情况", "就学情况", "在校生情况"],
    "employment": ["就业情况", "就业状况", "职业状况"],
    "phone": ["联系电话", "电话", "手机号码", "手机号", "联系方式", "电话号码"],
    "supporter_able": ["有具备履行能力的法定义务人", "法定义务人有履行能力"],
    "hukou_region_code": ["户籍地区划代码", "户籍地代码"],
    "region_code": ["所在村（社区）区划代码", "区划代码", "村（社区）代码", "行政区划代码", "所在地区划代码",
                    "村（社区）区划代码", "村居代码", "统计用区划代码"],
    "township": ["所属乡镇", "乡镇（街道）", "乡镇", "乡镇街道", "所在乡镇", "所属乡镇（街道）", "所在乡镇（街道）",
                 "乡（镇、街道）", "乡镇名称", "街道（乡镇）"],
    "village": ["所属村（居）", "村（社区）", "村（居）", "所属村", "所在村", "村居", "所属村（社区）", "村（居委会）",
                "所在村（社区）", "村社区", "村名", "行政村", "村（居）委会", "社区（村）"],
    "address": ["住址", "家庭住址", "地址", "居住地址", "现住址", "家庭地址", "现居住地址", "详细地址", "户籍地址"],
    "hukou_type": ["户籍类型", "户口性质", "户口类型", "户籍性质", "户籍类别", "城乡类别", "城乡属性"],
    "urban_rural_code": ["城乡分类代码", "城乡分类"],
    "death_date": ["死亡日期"],
    "relapse_watch": ["防止返贫监测户", "是否防止返贫监测户", "监测户"],
    "head_id_number": ["户主身份证号码", "户主身份证", "户主身份证号", "户主公民身份号码", "申请人身份证号码",
                       "户主证件号码"],
    "head_name": ["户主姓名", "户主", "申请人姓名", "申请人"],
    "family_size": ["家庭人口", "家庭人口数", "家庭总人口", "家庭人数", "户人口数", "总人口", "家庭成员人数", "人口数"],
    "covered_persons": ["保障人数", "享受人数", "享受人口", "保障人口", "救助人数", "享受低保人数", "保障人口数"],
    "tier": ["保障对象类型", "对象类型", "保障类型", "救助类型", "人员类别", "对象类别", "救助对象类别", "救助对象类型",
             "保障对象类别", "类型"],
    "benefit_class": ["保障类别", "救助类别", "分类施保类别", "低保类别", "分类类别", "保障档次"],
    "monthly_amount": ["月保障金额", "月救助金", "月保障金", "家庭月保障金额", "月低保金", "保障金额", "月救助金额",
                       "月发放金额", "月享受金额", "家庭月保障金", "月补差金额", "月救助金额合计", "月保障金额合计",
                       "发放金额", "救助金额"],
    "member_amount": ["个人月保障金额", "个人保障金额", "个人月救助金", "个人享受金额", "人均保障金额", "个人月保障金",
                      "月供养金额", "月供养金", "供养金额"],
    "dibao_standard": ["保障标准", "低保标准", "月保障标准", "执行标准"],
    "basic_amount": ["基本生活费", "基本生活补助", "月基本生活费", "基本生活费（元/月）"],
    "care_amount": ["照料护理费", "护理费", "护理补贴", "月照料护理费", "照料护理补贴"],
    "basic_standard": ["基本生活标准", "基本生活费标准", "供养标准", "基本生活供养标准"],
    "care_standard": ["照料护理标准", "护理标准", "照料护理费标准"],
    "support_mode": ["供养方式", "供养形式", "集中/分散供养", "供养类型"],
    "institution": ["供养机构", "供养机构名称", "集中供养机构", "敬老院", "所在供养机构", "入住机构"],
    "self_care": ["自理能力", "生活自理能力", "自理情况", "生活自理能力评估", "自理能力等级"],
    "bank_name": ["开户银行", "开户行", "银行名称", "开户银行名称", "代发银行", "发放银行"],
    "bank_account": ["账号", "银行账号", "银行卡号", "存折账号", "一卡通账号", "社保卡号（发放账号）", "发放账号",
                     "卡号", "账户", "银行账户"],
    "roster_month": ["发放年月", "保障年月", "享受年月", "统计年月", "所属年月", "月份"],
}
ROSTER = tabular.Columns(labels={f: FIELD_LABELS[f] for f in ALL_COLUMNS}, synonyms=SYNONYMS, required=REQUIRED,
                         min_known=3)
PAGE_ERRORS = 500
SAMPLE_PERSONS = 20  # persons shown on the review page

ImportFileError = tabular.FileRejected  # the file as a whole cannot be read
file_kind = tabular.file_kind


def require_importer(actor) -> None:
    require(actor, Capability.IMPORT_ROSTERS)


STORE = tabular.UploadStore("imports")
MAPPINGS = tabular.NamedMappings(STORE)


def named_mapping(name: str) -> dict[str, str]:
    """A mapping saved by name (normalized header -> field), for `saved=`; DomainError when there is none."""
    found = MAPPINGS.get(name)
    if found is None:
        known = "、".join(MAPPINGS.names()) or "（尚无）"
        raise DomainError(f"没有名为“{name}”的列对应方案。已保存的方案：{known}", code="validation_error",
                          field="mapping")
    return found


# ---- Reading and mapping -----------------------------------------------------------------------------

def read_table(data: bytes, filename: str) -> Table:
    return tabular.read_table(data, filename, ROSTER)


def detect_mapping(headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """{header: field} for the headers we recognise (a saved mapping first); the first of two headers for
    one field wins."""
    return ROSTER.detect_mapping(headers, saved)


def field_choices() -> list[tuple[str, str]]:
    """(field, Chinese label) in template order, for the review page's selects."""
    return ROSTER.choices()


# ---- Validation ------------------------------------------------------------------------------------

@dataclass
class ImportPreview:
    filename: str
    kind: str
    header_row: int
    headers: list[str]
    mapping: dict[str, str]
    unmapped: list[str]
    missing: list[str]  # required fields without a column
    households: list[HouseholdRow]
    errors: RowErrors
    rows: int = 0  # data rows read
    skipped: int = 0  # rows without name, ID number or relation; summary, signature and note rows
    sheets: list[str] = field(default_factory=list)  # data sheets (xlsx)
    skipped_sheets: list[str] = field(default_factory=list)  # sheets without a header row
    regions: dict = field(default_factory=dict, repr=False)
    hashes: dict = field(default_factory=dict, repr=False)
    letters: dict = field(default_factory=dict, repr=False)  # (sheet index, header) -> Excel column letter
    content_key: str = ""
    already: ImportBatch | None = None  # the same content was imported before (in other bytes)
    timings: dict = field(default_factory=dict)
    peaks: dict = field(default_factory=dict)  # phase -> the process's peak resident MiB when it ended

    @property
    def persons(self) -> int:
        return sum(len(h.members) for h in self.households)

    @property
    def missing_labels(self) -> list[str]:
        return [FIELD_LABELS[f] if f != "village" else "所在村（社区）区划代码，或所属乡镇和村（社区）名称"
                for f in self.missing]

    @property
    def decisions(self) -> int:
        return sum(1 for h in self.households if h.tier)


@dataclass(slots=True)
class _Group:
    """One household as its rows stream past: only parsed members and household values are kept."""

    first_row: int
    sheet: int = 0
    place_failed: bool = False  # its village was not found (reported once, at the place's cell)
    head_row: int | None = None
    values: dict = field(default_factory=dict)  # household field -> (text, row, raw value) first given
    head_values: dict = field(default_factory=dict)  # household field -> (text, row, raw value) on the head's row
    members: list = field(default_factory=list)
    broken: bool = False
    # The household columns of its last member row, when they were all text and agreed with the household:
    # the next row repeating them exactly (merged cells, a csv repeating them) needs no second look.
    agreed: tuple | None = None  # (values, their types)
    # The household columns of its first row when that row is the head's and every later row repeated them
    # exactly (no later row looked at): then they are all its household values (_SameHouseholds).
    cells: tuple | None = None


# Household cells that repeat across households (township, village, class, amount, bank): one str object
# each, shared by every household naming it (hundreds of thousands of households in a large roster).
_SHARED_CELLS = frozenset(HOUSEHOLD_FIELDS) - {"household_key", "head_id_number", "head_name", "bank_account",
                                                "address"}


def _household_values(group: _Group, number, raw: dict, is_head: bool, errors: RowErrors, present,
                      shared: dict | None = None) -> None:
    if not group.values and shared is not None:  # the household's first row: every value is its first
        _first_values(group, number, raw, is_head, shared)
        return
    for name in present:
        value = raw.get(name)
        if value is None or value == "":
            continue
        first = group.values.get(name)
        if first is not None and not is_head and (
                name not in _MUST_AGREE or value is first[2] or (value.__class__ is str and value == first[2])):
            continue  # a member row: only a value that must agree, and differs as written, needs a look
        text = _text(value)
        if not text:
            continue
        if first is None:
            if shared is not None and name in _SHARED_CELLS and value.__class__ is str:
                same = value is text
                value = shared.setdefault(value, value)
                text = value if same else shared.setdefault(text, text)
            group.values[name] = given = (text, number, value)
            if is_head and name not in group.head_values:
                group.head_values[name] = given  # one tuple for both (a million cells in a large roster)
            continue
        if is_head and name not in group.head_values:
            group.head_values[name] = (text, number, value)
        if name in _MUST_AGREE and first[0] != text:
            errors.add(number, name, f"与同户{row_label(first[1])}的“{FIELD_LABELS[name]}”（{first[0]}）不一致，"
                                     "请检查是否缺少户主行或户编号填错", value=text)


def _first_values(group: _Group, number, raw: dict, is_head: bool, shared: dict) -> None:
    """_household_values of a household's first row (nothing yet to agree with), in one pass."""
    given = group.values
    for name, value in raw.items():
        if value is None or value == "":
            continue
        if value.__class__ is str and not value[0].isspace() and not value[-1].isspace() and "\u3000" not in value:
            if name in _SHARED_CELLS:
                value = shared.setdefault(value, value)
            given[name] = (value, number, value)  # a cell that is its own text
            continue
        text = _text(value)
        if not text:
            continue
        if name in _SHARED_CELLS and value.__class__ is str:
            value = shared.setdefault(value, value)
            text = shared.setdefault(text, text)
        given[name] = (text, number, value)
    if is_head:
        group.head_values.update(given)  # the same tuples (a million cells in a large roster)


# Example rows of the template: refused, so a template imported with its example left in adds no one.
EXAMPLE_ID_NUMBERS = (make_id_number("430524", dt.date(1968, 3, 12), 21),
                      make_id_number("430524", dt.date(1970, 8, 6), 22))

_MONTH_IN_TITLE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月")


def _sheet_defaults(table: Table, month: dt.date | None, filename: str = "") -> list[dict]:
    """Per sheet: the tier its title, its name or the file's name states (XX县特困人员花名册) and the roster's
    month (2026年11月)."""
    out = []
    for sheet in table.sheets:
        words = " ".join([sheet.name, *sheet.titles, filename])
        tier = ("near_dibao" if "低保边缘" in words else "tekun" if ("特困" in words or "五保" in words)
                else "dibao" if "低保" in words else "")
        found = _MONTH_IN_TITLE.search(" ".join(sheet.titles))
        roster_month = dt.date(int(found[1]), int(found[2]), 1) if found and 1 <= int(found[2]) <= 12 else month
        out.append({"tier": tier, "roster_month": roster_month or dt.date.today().replace(day=1)})
    return out


def _group_rows(table: Table, mapping: dict[str, str], errors: RowErrors, preview: ImportPreview, *,
                single: bool = False) -> list[_Group]:
    """Validates every member row and groups rows into households. A household never spans two sheets or two
    places: rows are grouped by 户编号 within a village, else by 户主身份证号码, else a 户主 row starts a household.
    Rows come column-wise a chunk at a time (Table.field_chunks); members are checked column by column
    (import_fast.members), and a row with any doubt row by row (member_from_raw), so every problem is still
    reported at its cell."""
    fields = list(dict.fromkeys(mapping.values()))
    present_fields = set(fields)
    by_key = "household_key" in present_fields
    by_head = not by_key and "head_id_number" in present_fields
    present = [f for f in HOUSEHOLD_FIELDS if f in present_fields]
    groups: dict[tuple, _Group] = {}
    order: list[_Group] = []
    current: _Group | None = None
    current_key = ""
    sheet = -1
    current_place, current_own = ("", "", ""), ""
    seen: dict[str, RowRef | list[RowRef]] = {}  # a list only for a number met twice (a million lists otherwise)
    relations = CHOICES["relation"]
    today = dt.date.today()
    checking = 0.0  # seconds spent checking rows (the rest of the loop is reading the file)
    checker = MemberChecker(present_fields, today)  # clean rows once per distinct value; others row by row
    shared: dict = {}  # household cells, one object per distinct text (_household_values)
    text_kinds = ("text",)  # the kinds of a row of a text-only chunk (never a tuple of types)

    def text_column(values):
        return None if values is None else tabular.texts(values)

    for sheet_obj, refs, cells in table.field_chunks(fields, mapping):
        if sheet_obj.index != sheet:
            sheet, current_key, current = sheet_obj.index, "", None
            current_place, current_own = ("", "", ""), ""
        n = len(refs)
        tick = perf_counter()
        columns = dict(zip(fields, cells, strict=True))
        ids, names = text_column(columns.get("id_number")), text_column(columns.get("name"))
        relation_texts = text_column(columns.get("relation"))
        if single:
            columns["relation"] = ["户主"] * n
        fields_now = list(columns)
        if "relation" in columns:
            relation_now = text_column(columns["relation"]) if single else relation_texts
            head_of = {t: relations.get(t) == Relation.HEAD for t in set(relation_now)}  # once per distinct text
            heads = list(map(head_of.__getitem__, relation_now))
        else:
            heads = [False] * n
        checked = import_fast.members(checker, columns, refs)
        keys = text_column(columns.get("household_key" if by_key else "head_id_number")) if by_key or by_head \
            else None
        places = [text_column(columns.get(f)) or [""] * n for f in ("region_code", "township", "village")] \
            if by_key or by_head else None
        household_cells = list(zip(*(columns[f] for f in present), strict=True)) if present else [()] * n
        text_only = all(import_fast.all_text(columns[f]) for f in present)  # str or None (empty) cells only
        checking += perf_counter() - tick
        preview.rows += n
        for i in range(n):
            number = refs[i]
            if not ((ids and ids[i]) or (names and names[i]) or (relation_texts and relation_texts[i])):
                preview.skipped += 1
                continue
            raw = None
            before = len(errors.items)
            is_head = heads[i]
            if by_key or by_head:
                # A blank key continues the household above (exports leave it blank on member rows). A key is
                # only unique within its village: 户编号 1 of 红星村 and 户编号 1 of 新民村 are two households.
                own = keys[i].upper()
                place = (places[0][i], places[1][i], places[2][i])
                if place[0] or place[1] or place[2]:
                    current_place = place
                elif own != current_own:
                    current_place = ("", "", "")
                current_own = own or current_own
                if own:
                    current_key = (current_place, own) if by_key else own
                elif not current_key:
                    current_key = f"第{number}行"
                current = groups.get((sheet, current_key))
                if current is None:
                    current = groups[(sheet, current_key)] = _Group(first_row=number, sheet=sheet)
                    order.append(current)
            elif current is None or is_head:
                current = _Group(first_row=number, sheet=sheet)
                order.append(current)
            if is_head and current.head_row is None:
                current.head_row = number
            tick = perf_counter()
            values = household_cells[i]
            # A chunk of text cells only (a csv): equal cells are of equal types, no need to compare them.
            kinds = text_kinds if text_only else tuple(map(type, values))
            agreed = current.agreed
            if is_head or agreed is None or values != agreed[0] or kinds != agreed[1]:
                before_values = len(errors.items)
                # The household's own cells only (the member's are looked at below, when needed).
                _household_values(current, number, dict(zip(present, values, strict=True)), is_head, errors,
                                  present, shared)
                # Equal cells of equal types have equal text (Decimal aside: 3.0 == 3, never from a file).
                # (kept with the shared cell objects, not this row's own: a group outlives its rows)
                current.agreed = (tuple(shared.get(v, v) if v.__class__ is str else v for v in values), kinds) \
                    if len(errors.items) == before_values and Decimal not in kinds else None
                current.cells = current.agreed[0] if (current.agreed is not None and is_head
                                                      and number is current.first_row) else None
            m = checked[i]
            if m is None:
                if raw is None:
                    raw = {f: columns[f][i] for f in fields_now}
                m = member_from_raw(raw, errors, number, today=today)
            checking += perf_counter() - tick
            if m is not None and m.id_number in EXAMPLE_ID_NUMBERS:
                errors.add(number, "id_number", "这是导入模板中的示例行，请删除或改为实际数据后再导入")
                m = None
            if len(errors.items) > before:
                if raw is None:
                    raw = {f: columns[f][i] for f in fields_now}
                _values_of(errors.items, before, raw)
            if m is None:
                current.broken = True
                continue
            earlier = seen.get(m.id_number)
            if earlier is None:
                seen[m.id_number] = number
            elif earlier.__class__ is list:
                earlier.append(number)
            else:
                seen[m.id_number] = [earlier, number]
            current.members.append(m)
        del columns, cells, checked, household_cells
    preview.timings["row_checks"] = checking
    for number, rows in seen.items():
        if rows.__class__ is list:
            where = "、".join(row_label(r) for r in rows)
            for r in rows:
                errors.add(r, "id_number", f"身份证号码 {mask_id_number(number)} 在本文件中重复出现（{where}）",
                           value=number)
    return order


def _values_of(items: list[dict], start: int, raw: dict) -> None:
    """The report's 值: the cell as the file has it."""
    for item in items[start:]:
        if "value" not in item:
            value = raw.get(item["field"])
            item["value"] = "" if value is None else _text(value)


def _places(groups: list[_Group], actor, errors: RowErrors) -> dict[int, Region]:
    """Each group's village: from its 12-digit code, or from township and village names (resolve_places)."""
    found: dict[int, Region] = {}
    resolver = RegionResolver(actor)
    by_name: dict[tuple[str, str], list[_Group]] = {}
    codes: dict[str, list[_Group]] = {}
    for g in groups:
        code = g.values.get("region_code", ("",))[0]
        if code:
            if code.isdigit():
                codes.setdefault(code, []).append(g)
            else:  # a village written by name in the code column (桃洪镇红星社区)
                try:
                    codes.setdefault(resolver.code_for(code), []).append(g)
                except tabular.CellError as exc:
                    _place_error(g, errors, "region_code", exc.message)
            continue
        township, village = g.values.get("township", ("",))[0], g.values.get("village", ("",))[0]
        if township or village:
            by_name.setdefault((township, village), []).append(g)
    regions = bulk.regions_for(set(codes))
    for code, members in codes.items():
        for g in members:
            if code in regions:
                found[id(g)] = regions[code]
            else:
                _place_error(g, errors, "region_code", f"区划代码 {code} 不存在")
    if not by_name:
        return found
    within = getattr(actor, "region", None)
    if within is None:
        for members in by_name.values():
            for g in members:
                _place_error(g, errors, "village", "没有所属地区的账号不能按名称查找村（社区），请填写12位区划代码")
        return found
    resolved = resolve_places(within=within, places=list(by_name))
    for (township, village), members in by_name.items():
        match = resolved[(township, village)]
        if not match.problem and match.village is not None:
            for g in members:
                found[id(g)] = match.village
            continue
        problem = match.problem or "须写明村（社区）：家庭只能登记在村（社区）"
        if not township and "region_code" in members[0].values:
            field_name = "region_code"  # the name was written in the code column
        elif township and match.township is None and f"“{township}”" in problem:
            field_name = "township"
        else:
            field_name = "village"
        for g in members:
            _place_error(g, errors, field_name, problem)
    return found


def _place_error(group: _Group, errors: RowErrors, field_name: str, message: str) -> None:
    text_, row, _ = group.values.get(field_name, ("", group.head_row or group.first_row, None))
    errors.add(row, field_name, message, value=text_)
    group.broken = group.place_failed = True


def _hukou_default(region: Region) -> str:
    """户籍类型 when the roster has none: the village's 城乡分类代码 (1xx urban, 2xx rural), else its name
    (社区、居委会 urban; 村 rural)."""
    code = getattr(region, "urban_rural_code", "") or ""
    if code[:1] in ("1", "2"):
        return "urban" if code[0] == "1" else "rural"
    return "urban" if region.name.endswith(("社区", "居委会", "居民委员会", "街道")) else "rural"


class _SameHouseholds:
    """A household whose cells, its own aside (number, account, head's name, 户编号), are those of a household
    already accepted in this file without an error or a notice, with the same village and sheet, gets that
    household's checked values: only its own cells and its members are looked at. A roster's households share a
    few thousand combinations of place, class, amount and size; any doubt (an account not plain digits, a head or
    a size that does not fit) sends the household the full way (_check_household), which reports it."""

    OWN = ("household_key", "head_name", "head_id_number", "bank_account")

    def __init__(self, present: list[str], *, head_column: bool, member_benefits: bool):
        keep = [i for i, name in enumerate(present) if name not in self.OWN]
        self.shared = itemgetter(*keep) if len(keep) > 1 else (lambda cells: tuple(cells[i] for i in keep))
        self.head_at = present.index("head_id_number") if "head_id_number" in present else None
        self.account_at = present.index("bank_account") if "bank_account" in present else None
        self.head_column = head_column
        self.enabled = not member_benefits  # member amounts are checked against the household's: the full way
        self.accepted: dict[tuple, HouseholdRow] = {}

    def key(self, group: _Group, region: Region | None) -> tuple | None:
        if not self.enabled or group.cells is None or region is None or group.broken:
            return None
        cells = group.cells
        account = cells[self.account_at] if self.account_at is not None else None
        shared = self.shared(cells)
        # Types too: 1, 1.0 and True are one dict key but not one cell.
        return group.sheet, id(region), account is not None and account != "", shared, tuple(map(type, shared))

    def household(self, group: _Group, key: tuple) -> HouseholdRow | None:
        """The household from the accepted one of its key, or None when it must go the full way."""
        known = self.accepted.get(key)
        if known is None:
            return None
        cells = group.cells
        # With a head column, only the head's own number as written passes (below); without, there is none.
        head = cells[self.head_at] if self.head_at is not None else ""
        account = ""
        if key[2] and known.bank_account:  # an account given, and the accepted household kept its own
            account = cells[self.account_at]
            if account.__class__ is not str or not account.isdigit() or not 6 <= len(account) <= 30:
                return None
        elif key[2]:
            return None  # an account the accepted household did not have (or did not keep)
        members = group.members
        # One head (its first row; a second head row would have been looked at, so cells would be None), the
        # roster's family size, the head's number as the head column writes it: else the full way says what.
        heads = [m for m in members if m.relation == Relation.HEAD]
        if len(heads) != 1 or (known.family_size is not None and known.family_size != len(members)) \
                or (self.head_column and head != heads[0].id_number):
            return None
        return HouseholdRow(known.region_code, known.address, known.hukou_type, members, known.relapse_watch,
                            group.head_row or group.first_row, known.tier, known.benefit_class, known.monthly_amount,
                            known.dibao_standard, known.family_size, known.covered_persons, head, known.bank_name,
                            account, known.roster_month, known.urban_rural_code)


def _finish(group: _Group, region: Region | None, errors: RowErrors, defaults: dict, benefits: bool, *,
            head_column: bool = False, same: _SameHouseholds | None = None) -> HouseholdRow | None:
    key = same.key(group, region) if same is not None else None
    if key is not None:
        household = same.household(group, key)
        if household is not None:
            return household
        before_all = len(errors.items) + len(errors.notices)
        household = _check_household(group, region, errors, defaults, benefits, head_column=head_column)
        if household is not None and len(errors.items) + len(errors.notices) == before_all:
            same.accepted.setdefault(key, household)
        return household
    return _check_household(group, region, errors, defaults, benefits, head_column=head_column)


def _check_household(group: _Group, region: Region | None, errors: RowErrors, defaults: dict, benefits: bool, *,
                     head_column: bool = False) -> HouseholdRow | None:
    source = group.head_row or group.first_row
    raw, rows = {}, {}
    # The head's own cell of each household column, else the first given (both hold household fields only).
    for name, (_, row, value) in group.values.items():
        rows[name], raw[name] = row, value
    for name, (_, row, value) in group.head_values.items():
        rows[name], raw[name] = row, value
    if region is not None:
        raw["region_code"] = region.code
        if not _text(raw.get("urban_rural_code")):
            raw.pop("urban_rural_code", None)
    own = {"address": region.full_name if region is not None else "",
           "hukou_type": _hukou_default(region) if region is not None else ""}
    urban_rural = _text(raw.get("urban_rural_code"))
    if urban_rural[:1] in ("1", "2"):
        own["hukou_type"] = "urban" if urban_rural[0] == "1" else "rural"
    if benefits:
        own.update(defaults)
    before = len(errors.items)
    household = household_from_raw(raw, errors, source, rows=rows, defaults=own)
    if group.place_failed:  # already reported at the place's cell, not again as a code or a missing address
        errors.items[before:] = [i for i in errors.items[before:]
                                 if i["field"] not in ("region_code", "address", "hukou_type")
                                 or i["message"] not in ("必填", "区划代码应为 6 位或 12 位数字")]
    for item in errors.items[before:]:
        item.setdefault("value", _text(raw.get(item["field"])))
    if household is None or group.broken:
        return None
    household.members = group.members
    check_household_shape(household, errors)
    if len(errors.items) > before:
        return None  # rows grouped wrongly: the roster's own figures would only repeat it
    if not household.tier and household.benefit_class:
        household.tier = "dibao"  # A类/B类/C类 classify 低保 households only
    _check_roster(household, rows, errors, head_column=head_column)
    return household if len(errors.items) == before else None


def _check_roster(h: HouseholdRow, rows: dict, errors: RowErrors, *, head_column: bool) -> None:
    """The roster's own figures against its member rows: 家庭人口, the head's ID, totals."""
    source = h.source_row
    heads = [m for m in h.members if m.relation == Relation.HEAD]
    if h.family_size is not None and h.family_size != len(h.members):
        errors.add(rows.get("family_size", source), "family_size",
                   f"家庭人口填 {h.family_size} 人，本文件中该户有 {len(h.members)} 行成员", value=str(h.family_size))
    if head_column:
        text_ = h.head_id_number
        if not text_:
            errors.add(heads[0].source_row if heads else source, "head_id_number", "必填", value="")
        elif heads and text_ == heads[0].id_number:
            pass  # the head's own canonical number, as written: nothing to normalise or compare
        else:
            try:
                number = normalize_id_number(text_)
            except IdNumberError as exc:
                errors.add(rows.get("head_id_number", source), "head_id_number", exc.message, value=text_)
            else:
                if heads and heads[0].id_number != number:
                    errors.add(rows.get("head_id_number", source), "head_id_number",
                               f"户主身份证号码与户主（{heads[0].name}，{row_label(heads[0].source_row)}）的身份证号码不一致",
                               value=text_)
                elif not heads:
                    errors.add(rows.get("head_id_number", source), "head_id_number",
                               f"本文件中没有身份证号码为 {mask_id_number(number)} 的户主行", value=text_)
    parts = [m.member_amount for m in h.members if m.member_amount is not None]
    if h.monthly_amount is not None and parts and len(parts) == len(h.members) and sum(parts) != h.monthly_amount:
        errors.add(rows.get("monthly_amount", source), "monthly_amount",
                   f"月保障金额 {h.monthly_amount} 元不等于成员个人金额之和（{sum(parts)} 元）",
                   value=str(h.monthly_amount))
    if h.tier == "tekun" and len(h.members) == 1 and h.monthly_amount is not None:
        m = h.members[0]
        pieces = [v for v in (m.basic_amount, m.care_amount) if v is not None]
        if len(pieces) == 2 and m.member_amount is None and sum(pieces) != h.monthly_amount:
            errors.add(rows.get("monthly_amount", source), "monthly_amount",
                       f"月救助金 {h.monthly_amount} 元不等于基本生活费与照料护理费之和（{sum(pieces)} 元）",
                       value=str(h.monthly_amount))


def _check_standards(households: list[HouseholdRow], regions: dict[str, Region], errors: RowErrors) -> None:
    """Amounts plausible against the region's standards in force in the roster's month: a 低保 household's
    monthly amount at most the standard times the persons covered; the roster's own 保障标准, when it differs
    from the region's, is a notice."""
    cache: dict[tuple, Decimal | None] = {}
    today = dt.date.today()
    # Every village's standards in each month the roster names, read at once (not one query per village).
    in_force = standards_for_many({(regions[h.region_code], h.roster_month or today) for h in households
                                   if h.tier == "dibao" and h.region_code in regions})
    for h in households:
        if h.tier != "dibao":
            continue
        region = regions.get(h.region_code)
        if region is None:
            continue
        key = (region.pk, h.roster_month, h.hukou_type)
        if key not in cache:
            found = in_force[(region.pk, h.roster_month or today)]
            try:
                cache[key] = found.dibao_standard(h.hukou_type)
            except DomainError:
                cache[key] = None
        standard = cache[key]
        row = h.source_row
        if standard is not None and h.dibao_standard is not None and h.dibao_standard != standard:
            errors.notice(row, "dibao_standard", f"保障标准 {h.dibao_standard} 元与本地区设置的标准 {standard} 元不同",
                          value=str(h.dibao_standard))
        limit_per_person = standard if standard is not None else h.dibao_standard
        persons = h.covered_persons or len(h.members)
        if limit_per_person is not None and h.monthly_amount is not None \
                and h.monthly_amount > limit_per_person * persons:
            errors.add(row, "monthly_amount", f"月保障金额 {h.monthly_amount} 元超过保障标准 {limit_per_person} 元 × "
                                              f"{persons} 人（{limit_per_person * persons} 元）",
                       value=str(h.monthly_amount))
        for m in h.members:
            if limit_per_person is not None and m.member_amount is not None and m.member_amount > limit_per_person:
                errors.add(m.source_row, "member_amount", f"个人月保障金额 {m.member_amount} 元超过保障标准 "
                                                          f"{limit_per_person} 元", value=str(m.member_amount))


def content_key(households: list[HouseholdRow]) -> str:
    """SHA-256 of what the file says, independent of its bytes (a roster opened and saved again). The bytes
    hashed are fixed (re-import detection compares with keys stored by earlier imports): per household, sorted
    by its lowest ID number, repr((region_code, address, hukou_type, relapse_watch, tier, benefit_class,
    str(monthly_amount), bank_account)), then "|id:relation:name:member_amount:support_mode" per member sorted
    by ID number.

    Members (a million in a large roster) are formatted, ordered and joined by Arrow and numpy, column by column;
    only each household's own piece is made in Python."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()  # a million persons' pieces can pass 2 GiB of text
    # The C allocator's pool: what is dropped here goes back at once. Arrow's default pool keeps its pages, and
    # the writing that follows could not use them (the 1,000,000-row import's peak grew ~300 MB with it).
    pool = pa.system_memory_pool()
    # The repr of a household's cells up to its account, once per distinct combination (a roster's households
    # share a few thousand): repr(8-tuple) is repr(first 7)[:-1] + ", " + repr(account) + ")".
    shared: dict[tuple, str] = {}
    pieces: list[str] = []
    for h in households:
        cells = (h.region_code, h.address, h.hukou_type, h.relapse_watch, h.tier, h.benefit_class,
                 str(h.monthly_amount))
        head = shared.get(cells)
        if head is None or cells[3].__class__ is not bool:  # True == 1: only a bool is keyed safely
            head = shared[cells] = repr(cells)[:-1] + ", "
        pieces.append(f"{head}{h.bank_account!r})")
    count = len(households)
    sizes = np.fromiter(map(len, map(attrgetter("members"), households)), dtype=np.int64, count=count)
    members = [m for h in households for m in h.members]

    def column(values) -> pa.Array:
        return pa.array(list(values), type=text, memory_pool=pool)

    ids = column(map(attrgetter("id_number"), members))
    fields = pc.binary_join_element_wise(
        ids, column(map(attrgetter("relation"), members)), column(map(attrgetter("name"), members)),
        column(map(str, map(attrgetter("member_amount"), members))),
        column(map(str, map(attrgetter("support_mode"), members))), pa.scalar(":", type=text), memory_pool=pool)
    all_pieces = pa.concat_arrays([pa.array(pieces, type=text, memory_pool=pool), pc.binary_join_element_wise(
        pa.scalar("|", type=text), fields, pa.scalar("", type=text), memory_pool=pool)], memory_pool=pool)
    del pieces, fields, members
    # Members by household, then ID within it (Arrow's sort is stable; a household's ID numbers are distinct).
    owner = np.repeat(np.arange(count, dtype=np.int64), sizes)
    by_id = pc.sort_indices(pa.table({"owner": owner, "id": ids}), sort_keys=[("owner", "ascending"),
                                                                             ("id", "ascending")],
                            memory_pool=pool).to_numpy()
    starts = np.cumsum(sizes) - sizes  # each household's first member in that order
    lowest = pc.take(ids, pa.array(by_id[starts]), memory_pool=pool)
    del ids
    # Households by their lowest ID number, ties in the list's order.
    ranked = pc.sort_indices(pa.table({"lowest": lowest, "order": np.arange(count, dtype=np.int64)}),
                             sort_keys=[("lowest", "ascending"), ("order", "ascending")],
                             memory_pool=pool).to_numpy()
    del lowest
    rank = np.empty(count, dtype=np.int64)
    rank[ranked] = np.arange(count, dtype=np.int64)
    # Where each piece goes: a household's own piece, then its members' pieces in ID order.
    blocks = 1 + sizes[ranked]
    block_start = np.cumsum(blocks) - blocks  # per rank
    sequence = np.empty(len(all_pieces), dtype=np.int64)
    sequence[block_start] = ranked
    position = np.arange(len(all_pieces) - count, dtype=np.int64)
    sequence[block_start[rank[owner]] + 1 + position - starts[owner]] = count + by_id
    # Hashed a slice at a time: each slice's pieces are the text between its first and last offset.
    digest = hashlib.sha256()
    for start in range(0, len(sequence), 100_000):
        part = pc.take(all_pieces, pa.array(sequence[start:start + 100_000]), memory_pool=pool)
        offsets = np.frombuffer(part.buffers()[1], dtype=np.int64)[part.offset:part.offset + len(part) + 1]
        digest.update(memoryview(part.buffers()[2])[offsets[0]:offsets[-1]])
    return digest.hexdigest()


@contextmanager
def cyclic_gc_paused():
    """Python's cycle collector off while a roster is read, checked and written: a million-person roster makes
    millions of objects that live until the end (cells, members, households), and each full collection walks
    them all again (the 1,000,000-row import spent most of its time there). Nothing it makes is a cycle that
    must be freed early; reference counting still frees everything else. Restored as it was afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def validate_file(source, filename: str, mapping: dict[str, str] | None = None, *, actor,
                  saved: dict[str, str] | None = None, month: dt.date | None = None) -> ImportPreview:
    with cyclic_gc_paused():
        return _validate_file(source, filename, mapping, actor=actor, saved=saved, month=month)


def _validate_file(source, filename: str, mapping: dict[str, str] | None = None, *, actor,
                   saved: dict[str, str] | None = None, month: dt.date | None = None) -> ImportPreview:
    """Reads and checks the whole file without writing anything. Set-based: the registry is asked once
    per 900 regions or persons, never once per row. `mapping` ({header: field}) replaces the detected one;
    `saved` (a saved mapping, by normalized header) refines the detection; `month` is the roster's month
    when neither a column nor the title says it."""
    require_importer(actor)
    clock = time.monotonic()
    data = read_bytes(source)
    table = read_table(data, filename)
    del data  # the table holds what it still needs (a csv's bytes until Arrow has read them)
    headers = table.headers
    detected = detect_mapping(headers, saved)
    mapping = detected if mapping is None else {h: f for h, f in mapping.items() if f and h in headers}
    errors = RowErrors()
    fields = set(mapping.values())
    defaults = _sheet_defaults(table, month, filename)
    # A 特困 roster lists persons, one a row, without 与户主关系: each is a household of one.
    single = "relation" not in fields and not fields & {"household_key", "head_id_number", "head_name",
                                                        "family_size", "covered_persons"} \
        and ("tier" in fields or all(d["tier"] == "tekun" for d in defaults))
    missing = [f for f in REQUIRED if f not in fields and not (single and f == "relation")]
    if not fields & set(PLACE_FIELDS):
        missing.insert(0, "village")
    preview = ImportPreview(filename=filename, kind=table.kind, header_row=table.header_row, headers=headers,
                            mapping=mapping, unmapped=[h for h in headers if h not in mapping],
                            missing=missing, households=[], errors=errors, sheets=[s.name for s in table.sheets],
                            skipped_sheets=table.skipped_sheets)
    preview.letters = {(s.index, h): get_column_letter(i) for s in table.sheets for i, h in enumerate(s.headers, 1)}
    counts: dict[str, list[str]] = {}
    for header, f in mapping.items():
        if f not in FIELD_LABELS:
            errors.add(table.header_row, f, f"列“{header}”对应的字段“{f}”不存在")
        counts.setdefault(f, []).append(header)
    for f, names in counts.items():
        if len(names) > 1:
            errors.add(table.header_row, f, f"列“{'”“'.join(names)}”都对应到“{FIELD_LABELS.get(f, f)}”，只能选一列")
    for f in preview.missing:
        label = preview.missing_labels[preview.missing.index(f)]
        errors.add(table.header_row, f, f"文件中没有“{label}”列，请在列对应关系中指定或补充该列")
    if len(table.sheets) > 1:
        for s in table.sheets:  # every data sheet needs every required column
            present = {mapping[h] for h in s.headers if h in mapping}
            for f in REQUIRED:
                if f in fields and f not in present:
                    errors.add(RowRef(s.header_row, s.label, s.index), f,
                               f"该工作表没有“{FIELD_LABELS[f]}”列（其他工作表有），请补充该列或删去该工作表")
    if errors:
        _finish_report(preview, mapping)
        return preview  # without the columns every row would fail the same way
    benefits = bool(fields & BENEFIT_FIELDS)
    groups = _group_rows(table, mapping, errors, preview, single=single)
    preview.timings["reading"] = time.monotonic() - clock - preview.timings["row_checks"]
    _peak(preview, "reading")
    clock = time.monotonic()
    places = _places(groups, actor, errors)
    checkable = []
    same = _SameHouseholds([f for f in HOUSEHOLD_FIELDS if f in fields], head_column="head_id_number" in fields,
                           member_benefits=bool(fields & set(MEMBER_BENEFITS)))
    for g in groups:
        household = _finish(g, places.get(id(g)), errors, defaults[g.sheet], benefits,
                            head_column="head_id_number" in fields, same=same)
        if household is not None:
            checkable.append(household)
    del groups, places  # their cells are in the households now; a large roster needs the memory
    if benefits:
        for h in checkable:
            if not h.tier:
                errors.add(h.source_row, "tier", "无法确定保障对象类型（低保或特困）：请增加“保障对象类型”列，"
                                                 "或在标题中写明低保或特困", value="")
    preview.skipped += table.footer_rows
    refused = table.cell_errors  # cells the reader dropped (an over-long CSV field): say why, not "必填"
    if refused:
        dropped = {(e["row"].sheet_index, int(e["row"]), mapping.get(e["column"], "")) for e in refused}
        errors.items = [i for i in errors.items if not (
            i["message"] == "必填" and (i["sheet_index"], i["row"], i["field"]) in dropped)]
        for e in refused:
            errors.add(e["row"], mapping.get(e["column"], ""), e["message"], column=e["column"])
    codes = {h.region_code for h in checkable} | {m.hukou_region_code for h in checkable for m in h.members
                                                  if m.hukou_region_code}
    preview.regions = bulk.regions_for(codes)
    if benefits:
        _check_standards(checkable, preview.regions, errors)
    if not errors and checkable:
        preview.content_key = content_key(checkable)
        preview.already = ImportBatch.objects.filter(content_key=preview.content_key).first()
    if preview.already is None:
        preview.hashes = bulk.check_against_registry(checkable, errors, preview.regions, actor)
        # Before anything is shown: "registered outside your jurisdiction" is audited and capped per day.
        disclose_registered_elsewhere(actor=actor, id_hashes=errors.elsewhere)
    preview.households = checkable
    _finish_report(preview, mapping)
    preview.timings["validation"] = time.monotonic() - clock + preview.timings.pop("row_checks")
    _peak(preview, "validation")
    return preview


def _finish_report(preview: ImportPreview, mapping: dict[str, str]) -> None:
    """Names the file's own columns (公民身份号码, not our 身份证号码) and their letters, in row order."""
    header_of: dict[tuple[int, str], str] = {}
    for (sheet, header), _letter in preview.letters.items():
        f = mapping.get(header)
        if f:
            header_of.setdefault((sheet, f), header)
    for item in (*preview.errors.items, *preview.errors.notices):
        header = header_of.get((item.get("sheet_index", 0), item["field"]))
        if header:
            item["column"] = header
            item["letter"] = preview.letters[(item.get("sheet_index", 0), header)]
        elif "column" in item and (item.get("sheet_index", 0), item["column"]) in preview.letters:
            item["letter"] = preview.letters[(item.get("sheet_index", 0), item["column"])]
        item.setdefault("letter", "")
        item.setdefault("value", "")
    preview.errors.sort()


def _peak(preview: ImportPreview, phase: str) -> None:
    """The process's peak memory so far (Linux: ru_maxrss in KiB), after `phase`: where a large roster's
    memory goes (issue 15: peak under 2 GiB)."""
    preview.peaks[phase] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def preview_summary(preview: ImportPreview, *, actor) -> dict:
    """What the review page shows, as plain data to cache beside the upload (parsed once). Persons are shown
    with the full ID number to those who may see it, otherwise masked and with the age, never the birth date
    (a masked number beside the birth date is the whole number)."""
    full = can(actor, Capability.VIEW_FULL_ID)
    today = dt.date.today()
    relation = dict(Relation.choices)
    sample = []
    for h in preview.households:
        for m in h.members:
            if len(sample) >= SAMPLE_PERSONS:
                break
            sample.append({"row": m.source_row, "sheet": getattr(m.source_row, "sheet", ""), "name": m.name,
                           "id_number": m.id_number if full else mask_id_number(m.id_number),
                           "age": _age(m.birth_date, today), "relation": str(relation.get(m.relation, "")),
                           "region_code": h.region_code})
        if len(sample) >= SAMPLE_PERSONS:
            break
    return {"kind": preview.kind, "header_row": preview.header_row, "headers": preview.headers,
            "mapping": preview.mapping, "unmapped": preview.unmapped, "missing": preview.missing,
            "missing_labels": preview.missing_labels, "rows": preview.rows, "skipped": preview.skipped,
            "sheets": preview.sheets, "skipped_sheets": preview.skipped_sheets,
            "households": len(preview.households), "persons": preview.persons,
            "errors": _shown(preview.errors.items, full), "notices": _shown(preview.errors.notices, full),
            "decisions": preview.decisions,
            "already": preview.already.pk if preview.already else None, "sample": sample, "full_id": full}


_NUMBERS = ("id_number", "head_id_number", "bank_account")


def _shown(items: list[dict], full: bool) -> list[dict]:
    """Report items as a role sees them: ID and account numbers masked without the full-ID capability."""
    if full:
        return items
    return [{**i, "value": mask_id_number(i["value"]) if len(i["value"]) >= 10 else i["value"]}
            if i.get("field") in _NUMBERS and i.get("value") else i for i in items]


# ---- Importing -------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    status: str  # "imported", "already_imported" or "invalid"
    message: str
    batch: ImportBatch | None = None
    households: int = 0
    persons: int = 0
    errors: RowErrors = field(default_factory=RowErrors)
    preview: ImportPreview | None = None

    @property
    def ok(self) -> bool:
        return self.status != "invalid"


class _Handover:
    """A file-like object whose read() gives its bytes once and keeps no reference (read_bytes takes it)."""

    def __init__(self, data: bytes):
        self._data = data

    def read(self, _size: int = -1) -> bytes:
        data, self._data = self._data, b""
        return data


def batch_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def already_imported(batch: ImportBatch) -> ImportResult:
    when = timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M")
    return ImportResult(status="already_imported", batch=batch, households=batch.households, persons=batch.persons,
                        message=f"该文件已于 {when} 导入（批次 {batch.pk}），本次未重复导入")


def import_file(source, filename: str, mapping: dict[str, str] | None = None, *, actor,
                saved: dict[str, str] | None = None, month: dt.date | None = None) -> ImportResult:
    """Validates the whole file, then writes it in one transaction, or writes nothing. The same file, or the
    same content in other bytes (opened and saved again), imports once."""
    with cyclic_gc_paused():
        return _import_file(source, filename, mapping, actor=actor, saved=saved, month=month)


def _import_file(source, filename: str, mapping: dict[str, str] | None = None, *, actor,
                 saved: dict[str, str] | None = None, month: dt.date | None = None) -> ImportResult:
    started = time.monotonic()
    require_importer(actor)
    data = read_bytes(source)
    key = batch_key(data)
    done = ImportBatch.objects.filter(key=key).first()
    if done:
        return already_imported(done)
    # The file's bytes (180 MB for a million persons) handed over, not kept here: a csv's go once Arrow read them.
    handover = _Handover(data)
    del data
    preview = validate_file(handover, filename, mapping, actor=actor, saved=saved, month=month)
    if preview.errors:
        return ImportResult(status="invalid", errors=preview.errors, preview=preview,
                            message=f"发现 {len(preview.errors.items)} 处问题，未导入任何数据。请修改文件后重新导入")
    if preview.already is not None:
        return already_imported(preview.already)
    if not preview.households:
        raise ImportFileError("文件中没有可导入的家庭成员")
    households, persons = len(preview.households), preview.persons
    clock = time.monotonic()
    name_keys = bulk.name_keys_for(preview.households)
    preview.timings["name_keys"] = time.monotonic() - clock
    _peak(preview, "name_keys")
    clock = time.monotonic()
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(key=key, filename=filename[:200], region=_batch_region(actor, preview),
                                               households=households, persons=persons, created_by=actor,
                                               content_key=preview.content_key)
            # ID numbers and accounts are encrypted as their rows are made (import_write), timed apart
            import_write.write_import(preview.households, actor=actor, regions=preview.regions,
                                      hashes=preview.hashes, batch=batch, name_keys=name_keys,
                                      timings=preview.timings)
            batch.seconds = round(time.monotonic() - started, 2)
            batch.save(update_fields=["seconds"])
            audit(AuditAction.IMPORT, actor=actor, obj=batch,
                  detail={"households": households, "persons": persons, "filename": filename,
                          "seconds": batch.seconds, "decisions": preview.decisions})
            written = time.monotonic()
    except IntegrityError:
        # Someone imported the same file, or registered one of these persons, while we were checking.
        done = ImportBatch.objects.filter(key=key).first()
        if done:
            return already_imported(done)
        raise DomainError("导入期间有人员被同时登记，本次未导入任何数据，请重新导入以查看详细原因",
                          code="conflict") from None
    preview.timings["commit"] = time.monotonic() - written  # PostgreSQL's deferred checks, after-commit work
    preview.timings["writing"] = time.monotonic() - clock - preview.timings["encryption"]
    _peak(preview, "writing")
    extra = f"，其中 {preview.decisions} 户带保障信息" if preview.decisions else ""
    return ImportResult(status="imported", batch=batch, households=households, persons=persons, preview=preview,
                        errors=preview.errors,
                        message=f"已导入 {households} 户、{persons} 人{extra}（批次 {batch.pk}）")


def _batch_region(actor, preview: ImportPreview) -> Region:
    if actor.region_id:
        return actor.region
    # A superuser has no region: file the batch under the province of the first household.
    first = preview.regions[preview.households[0].region_code]
    return Region.objects.get(code=first.ancestor_codes()[0])


# ---- Workbooks: template and error report ----------------------------------------------------------

NOTES = {
    "household_key": "同一户的成员填相同的户编号；不填时，以“户主”行开始新的一户，其后各行为该户成员",
    "region_code": "12位村（社区）区划代码，或写明乡镇和村名（如 桃洪镇红星社区），须在您的管辖范围内；"
                   "同户成员可不填（或合并单元格）",
    "address": "家庭住址；同户成员可不填（或合并单元格）",
    "relapse_watch": "填“是”或“否”，不填为“否”",
    "id_number": "18位公民身份号码（15位旧号码自动升级）；请将该列设为文本，否则Excel会把号码改成科学计数法",
    "sex": "可不填，按身份证号码核对",
    "birth_date": "可不填，按身份证号码核对；格式如 1970-05-17",
    "disability_grade": "1至4级，须与残疾类别同时填写",
    "serious_illness": "病种名称，如 尿毒症",
    "phone": "手机或固定电话",
    "supporter_able": "填“是”或“否”，不填为“是”",
    "hukou_region_code": "6位或12位区划代码",
    "death_date": "格式如 2024-01-31",
}
_YES_NO = ("是", "否")


def allowed_values(name: str, *, synonyms: bool = False) -> list[str]:
    """The Chinese values a column accepts; without `synonyms`, one label per code (for drop-down lists)."""
    if name in CHOICES:
        labels: dict[str, str] = {}
        for label, code in CHOICES[name].items():
            if not label.isascii() and (synonyms or code not in labels.values()):
                labels[label] = code
        return list(labels)
    if name == "sex":
        return ["男", "女"]
    if name in ("relapse_watch", "supporter_able"):
        return list(_YES_NO)
    return []


def template_workbook() -> bytes:
    """The downloadable template: required headers in red bold, a two-person example household,
    the ID column as text, drop-down lists for coded columns, and a sheet of instructions. Rows are written
    with core.exports.append_row, so no text becomes a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = "家庭成员"
    append_row(ws, [FIELD_LABELS[f] for f in COLUMNS])
    required, optional = Font(bold=True, color="C00000"), Font(bold=True)
    for i, f in enumerate(COLUMNS, start=1):
        ws.cell(row=1, column=i).font = required if f in REQUIRED else optional
        ws.column_dimensions[get_column_letter(i)].width = max(10, 2.2 * len(FIELD_LABELS[f]))
    head, spouse = EXAMPLE_ID_NUMBERS
    example = [
        {"household_key": "1", "region_code": "430524100200", "address": "红星社区3组12号", "hukou_type": "农村",
         "relapse_watch": "否", "name": "张建国", "id_number": head, "relation": "户主", "sex": "男",
         "birth_date": "1968-03-12", "labour_capacity": "有劳动能力", "employment": "务农", "phone": "13807390001"},
        {"household_key": "1", "name": "李秀英", "id_number": spouse, "relation": "配偶", "sex": "女",
         "birth_date": "1970-08-06", "disability_type": "肢体残疾", "disability_grade": "3",
         "labour_capacity": "部分丧失劳动能力", "employment": "灵活就业"},
    ]
    grey = PatternFill("solid", fgColor="EEEEEE")
    for values in example:
        append_row(ws, [values.get(f, "") for f in COLUMNS])
        for cell in ws[ws.max_row]:
            cell.fill = grey
    id_col = get_column_letter(COLUMNS.index("id_number") + 1)
    for row in range(2, 2001):  # cells formatted as text before anyone types or pastes a number
        ws[f"{id_col}{row}"].number_format = "@"
    for i, f in enumerate(COLUMNS, start=1):
        values = allowed_values(f)
        if values and len("，".join(values)) < 250:  # Excel limits a list to 255 characters
            rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
            rule.add(f"{get_column_letter(i)}2:{get_column_letter(i)}2000")
            ws.add_data_validation(rule)
    ws.freeze_panes = "A2"
    help_sheet = wb.create_sheet("填写说明")
    append_row(help_sheet, ["列名", "是否必填", "说明及可填的值"])
    for cell in help_sheet[1]:
        cell.font = optional
    for f in COLUMNS:
        values = allowed_values(f, synonyms=True)
        note = NOTES.get(f, "")
        if values:
            note = (note + "；" if note else "") + "可填：" + "、".join(values)
        append_row(help_sheet, [FIELD_LABELS[f], "必填" if f in REQUIRED else "", note])
    append_row(help_sheet, [])
    append_row(help_sheet, ["第2、3行（灰色）为示例，导入前请删除或改为实际数据；一人一行，同户成员相邻。"])
    append_row(help_sheet, ["列名也可用常见写法，如 公民身份号码、户口性质、家庭住址；上传后可调整列的对应关系。"])
    help_sheet.column_dimensions["A"].width = 30
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def errors_workbook(errors) -> bytes:
    """The validation report as xlsx: 工作表, 行号, 列 (Excel letter), 列名, 值, 问题, one row per defective cell,
    notices marked 提示 (RowErrors, or the items and notices of a cached preview), formula-safe."""
    return tabular.cell_report_workbook(errors)


def errors_csv(errors) -> bytes:
    """The same report as csv; 列 is the letter of the column's position (header line = row 1)."""
    return tabular.cell_report_csv(errors)
