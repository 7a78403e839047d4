"""Importing households and members from the files offices already have (issue #3), through the tabular
import kit (jiuzhu/core/tabular): this module knows the registry's columns and rules, the kit reads.

Plain functions, no HTTP: the page, the API and the management command call them.

1. Reading (kit): xlsx via python-calamine (every sheet, merged cells filled), csv (UTF-8 with or without
   BOM, else GB18030/GBK) and parquet, after the size and expansion limits. The header row is the first
   row naming at least three known columns, so a title row above it ("XX县低保家庭花名册") is skipped;
   summary (合计) and signature rows below the data are left out. Every sheet with a header row is data
   (a workbook with a sheet per township): all sheets are checked and imported together, or none.
2. Mapping. Chinese headers and their common synonyms map to the field names of
   ``validation.FIELD_LABELS``; a user's saved mapping and the caller's explicit mapping win.
3. Grouping. Rows with the same 户编号 (within a sheet) form a household; without that column a household
   starts at every 户主 row. Household columns come from the head's row, so member rows may leave them blank.
4. Checking, with the file's own row numbers and column names: every row (``member_from_raw`` /
   ``household_from_raw``), one head per household, no ID number twice in the file, and against the
   registry (region codes, jurisdiction, persons already registered), set-based. A person found registered
   outside the importer's jurisdiction is disclosed through core.disclosure (audited, capped per day).
5. Writing: all or nothing in one transaction under a batch key (SHA-256 of the file), so the same
   file imported twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from dataclasses import dataclass, field

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
from jiuzhu.core.identity import make_id_number, mask_id_number
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.tabular import RowRef, Table, read_bytes, row_label
from jiuzhu.core.tabular.regions import RegionResolver
from jiuzhu.registry import bulk
from jiuzhu.registry.models import ImportBatch, Relation
from jiuzhu.registry.validation import (
    CHOICES,
    FIELD_LABELS,
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
REQUIRED = ("region_code", "address", "hukou_type", "name", "id_number", "relation")
HOUSEHOLD_FIELDS = ("household_key", "region_code", "address", "hukou_type", "relapse_watch")
# Values that must agree on every row of a household: a disagreement means rows were grouped wrongly
# (a missing 户主 row, a mistyped 户编号), which would otherwise put people into the wrong family.
MUST_AGREE = ("region_code", "address")

# Headers seen in offices' exports, besides FIELD_LABELS themselves.
SYNONYMS = {
    "household_key": ["户编号", "家庭编号", "户号", "家庭户号", "户序号"],
    "id_number": ["身份证号码", "身份证号", "公民身份号码", "公民身份证号码", "证件号码", "身份证件号码", "身份证"],
    "name": ["姓名", "成员姓名", "家庭成员姓名"],
    "relation": ["与户主关系", "关系", "与户主的关系", "家庭关系"],
    "sex": ["性别"],
    "birth_date": ["出生日期", "出生年月日", "生日"],
    "disability_type": ["残疾类别", "残疾类型"],
    "disability_grade": ["残疾等级", "残疾级别"],
    "serious_illness": ["重病（病种）", "重病", "病种", "重大疾病"],
    "labour_capacity": ["劳动能力"],
    "schooling": ["在学情况", "在校情况", "就学情况"],
    "employment": ["就业情况", "就业状况"],
    "phone": ["联系电话", "电话", "手机号码", "手机号", "联系方式"],
    "supporter_able": ["有具备履行能力的法定义务人", "法定义务人有履行能力"],
    "hukou_region_code": ["户籍地区划代码", "户籍地代码"],
    "region_code": ["所在村（社区）区划代码", "区划代码", "村（社区）代码", "行政区划代码", "所在地区划代码",
                    "村（社区）区划代码"],
    "address": ["住址", "家庭住址", "地址", "居住地址", "现住址"],
    "hukou_type": ["户籍类型", "户口性质", "户口类型", "户籍性质"],
    "death_date": ["死亡日期"],
    "relapse_watch": ["防止返贫监测户", "是否防止返贫监测户", "监测户"],
}
ROSTER = tabular.Columns(labels={f: FIELD_LABELS[f] for f in COLUMNS}, synonyms=SYNONYMS, required=REQUIRED,
                         min_known=3)
PAGE_ERRORS = 500
SAMPLE_PERSONS = 20  # persons shown on the review page

ImportFileError = tabular.FileRejected  # the file as a whole cannot be read
file_kind = tabular.file_kind


def require_importer(actor) -> None:
    require(actor, Capability.IMPORT_ROSTERS)


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

    @property
    def persons(self) -> int:
        return sum(len(h.members) for h in self.households)

    @property
    def missing_labels(self) -> list[str]:
        return [FIELD_LABELS[f] for f in self.missing]


@dataclass
class _Group:
    """One household as its rows stream past: only parsed members and household values are kept."""

    first_row: int
    head_row: int | None = None
    values: dict = field(default_factory=dict)  # household field -> (text, row, raw value) first given
    head_values: dict = field(default_factory=dict)
    members: list = field(default_factory=list)
    broken: bool = False


def _household_values(group: _Group, number: int, raw: dict, is_head: bool, errors: RowErrors) -> None:
    for name in HOUSEHOLD_FIELDS:
        text = _text(raw.get(name))
        if not text:
            continue
        if is_head and name not in group.head_values:
            group.head_values[name] = raw.get(name)
        first = group.values.get(name)
        if first is None:
            group.values[name] = (text, number, raw.get(name))
        elif name in MUST_AGREE and first[0] != text:
            errors.add(number, name, f"与同户{row_label(first[1])}的“{FIELD_LABELS[name]}”（{first[0]}）不一致，"
                                     "请检查是否缺少户主行或户编号填错")


def _finish(group: _Group, errors: RowErrors) -> HouseholdRow | None:
    source = group.head_row or group.first_row
    raw = {name: group.head_values.get(name, group.values.get(name, (None, None, None))[2])
           for name in HOUSEHOLD_FIELDS}
    household = household_from_raw(raw, errors, source)
    if household is None or group.broken:
        return None
    household.members = group.members
    check_household_shape(household, errors)
    return household


# Example rows of the template: refused, so a template imported with its example left in adds no one.
EXAMPLE_ID_NUMBERS = (make_id_number("430524", dt.date(1968, 3, 12), 21),
                      make_id_number("430524", dt.date(1970, 8, 6), 22))


def _group_rows(table: Table, mapping: dict[str, str], errors: RowErrors, preview: ImportPreview,
                resolver: RegionResolver) -> list[HouseholdRow]:
    """Validates every row and groups them into households; returns the households whose rows are all valid.
    A household never spans two sheets. A village written by name (桃洪镇红星社区) becomes its code."""
    by_key = "household_key" in mapping.values()
    columns = list(mapping.items())
    groups: dict[tuple[int, str], _Group] = {}
    current: _Group | None = None
    current_key = ""
    sheet = 0
    done: list[HouseholdRow] = []
    seen: dict[str, list[RowRef]] = {}
    relations = CHOICES["relation"]
    today = dt.date.today()
    unresolved: set[tuple[int, int]] = set()
    for number, record in table.records():
        if number.sheet_index != sheet:
            sheet, current_key = number.sheet_index, ""
            if not by_key and current is not None:
                done.append(_finish(current, errors))
                current = None
        raw = {f: record.get(header) for header, f in columns}
        preview.rows += 1
        if not (_text(raw.get("id_number")) or _text(raw.get("name")) or _text(raw.get("relation"))):
            preview.skipped += 1
            continue
        is_head = relations.get(_text(raw.get("relation"))) == Relation.HEAD
        if by_key:
            # A blank 户编号 continues the household above (exports leave it blank on member rows).
            current_key = _text(raw.get("household_key")) or current_key or f"第{number}行"
            current = groups.get((sheet, current_key))
            if current is None:
                current = groups[(sheet, current_key)] = _Group(first_row=number)
        elif current is None or is_head:
            if current is not None:
                done.append(_finish(current, errors))
            current = _Group(first_row=number)
        if is_head and current.head_row is None:
            current.head_row = number
        region = _text(raw.get("region_code"))
        if region and not region.isdigit():
            try:
                raw["region_code"] = resolver.code_for(region)
            except tabular.CellError as exc:
                errors.add(number, "region_code", exc.message)
                unresolved.add((number.sheet_index, int(number)))
                raw["region_code"] = None
                current.broken = True
        _household_values(current, number, raw, is_head, errors)
        m = member_from_raw(raw, errors, number, today=today)
        if m is None:
            current.broken = True
            continue
        if m.id_number in EXAMPLE_ID_NUMBERS:
            errors.add(number, "id_number", "这是导入模板中的示例行，请删除或改为实际数据后再导入")
            current.broken = True
        seen.setdefault(m.id_number, []).append(number)
        current.members.append(m)
    if by_key:
        done.extend(_finish(g, errors) for g in groups.values())
    elif current is not None:
        done.append(_finish(current, errors))
    if unresolved:  # a name that resolved to nothing was reported as such, not again as "必填"
        errors.items = [i for i in errors.items if not (i["field"] == "region_code" and i["message"] == "必填" and (
            i["sheet_index"], i["row"]) in unresolved)]
    for number, rows in seen.items():
        if len(rows) > 1:
            where = "、".join(row_label(r) for r in rows)
            for r in rows:
                errors.add(r, "id_number", f"身份证号码 {mask_id_number(number)} 在本文件中重复出现（{where}）")
    return [h for h in done if h is not None]


def validate_file(source, filename: str, mapping: dict[str, str] | None = None, *, actor,
                  saved: dict[str, str] | None = None) -> ImportPreview:
    """Reads and checks the whole file without writing anything. Set-based: the registry is asked once
    per 900 regions or persons, never once per row. `mapping` ({header: field}) replaces the detected one;
    `saved` (a user's saved mapping, by normalized header) refines the detection."""
    require_importer(actor)
    data = read_bytes(source)
    table = read_table(data, filename)
    headers = table.headers
    detected = detect_mapping(headers, saved)
    mapping = detected if mapping is None else {h: f for h, f in mapping.items() if f and h in headers}
    errors = RowErrors()
    preview = ImportPreview(filename=filename, kind=table.kind, header_row=table.header_row, headers=headers,
                            mapping=mapping, unmapped=[h for h in headers if h not in mapping],
                            missing=[f for f in REQUIRED if f not in mapping.values()], households=[],
                            errors=errors, sheets=[s.name for s in table.sheets],
                            skipped_sheets=table.skipped_sheets)
    counts: dict[str, list[str]] = {}
    for header, f in mapping.items():
        if f not in FIELD_LABELS:
            errors.add(table.header_row, f, f"列“{header}”对应的字段“{f}”不存在")
        counts.setdefault(f, []).append(header)
    for f, names in counts.items():
        if len(names) > 1:
            errors.add(table.header_row, f, f"列“{'”“'.join(names)}”都对应到“{FIELD_LABELS.get(f, f)}”，只能选一列")
    for f in preview.missing:
        errors.add(table.header_row, f, f"文件中没有“{FIELD_LABELS[f]}”列，请在列对应关系中指定或补充该列")
    if len(table.sheets) > 1:
        for s in table.sheets:  # every data sheet needs every required column
            present = {mapping[h] for h in s.headers if h in mapping}
            for f in REQUIRED:
                if f in mapping.values() and f not in present:
                    errors.add(RowRef(s.header_row, s.label, s.index), f,
                               f"该工作表没有“{FIELD_LABELS[f]}”列（其他工作表有），请补充该列或删去该工作表")
    if errors:
        return preview  # without the columns every row would fail the same way
    checkable = _group_rows(table, mapping, errors, preview, RegionResolver(actor))
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
    preview.hashes = bulk.check_against_registry(checkable, errors, preview.regions, actor)
    # Before anything is shown: "registered outside your jurisdiction" is audited and capped per day.
    disclose_registered_elsewhere(actor=actor, id_hashes=errors.elsewhere)
    preview.households = checkable
    # Name the file's own columns (公民身份号码, not our 身份证号码), in row order.
    header_of = {f: h for h, f in mapping.items()}
    for item in errors.items:
        item["column"] = header_of.get(item["field"], item["column"])
    errors.sort()
    return preview


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
            "households": len(preview.households), "persons": preview.persons, "errors": preview.errors.items,
            "sample": sample, "full_id": full}


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


def batch_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def already_imported(batch: ImportBatch) -> ImportResult:
    when = timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M")
    return ImportResult(status="already_imported", batch=batch, households=batch.households, persons=batch.persons,
                        message=f"该文件已于 {when} 导入（批次 {batch.pk}），本次未重复导入")


def import_file(source, filename: str, mapping: dict[str, str] | None = None, *, actor) -> ImportResult:
    """Validates the whole file, then writes it in one transaction, or writes nothing."""
    started = time.monotonic()
    require_importer(actor)
    data = read_bytes(source)
    key = batch_key(data)
    done = ImportBatch.objects.filter(key=key).first()
    if done:
        return already_imported(done)
    preview = validate_file(data, filename, mapping, actor=actor)
    if preview.errors:
        return ImportResult(status="invalid", errors=preview.errors, preview=preview,
                            message=f"发现 {len(preview.errors.items)} 处问题，未导入任何数据。请修改文件后重新导入")
    if not preview.households:
        raise ImportFileError("文件中没有可导入的家庭成员")
    households, persons = len(preview.households), preview.persons
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(key=key, filename=filename[:200], region=_batch_region(actor, preview),
                                               households=households, persons=persons, created_by=actor)
            bulk.write_households(preview.households, actor=actor, regions=preview.regions, hashes=preview.hashes,
                                  batch=batch)
            batch.seconds = round(time.monotonic() - started, 2)
            batch.save(update_fields=["seconds"])
            audit(AuditAction.IMPORT, actor=actor, obj=batch,
                  detail={"households": households, "persons": persons, "filename": filename,
                          "seconds": batch.seconds})
    except IntegrityError:
        # Someone imported the same file, or registered one of these persons, while we were checking.
        done = ImportBatch.objects.filter(key=key).first()
        if done:
            return already_imported(done)
        raise DomainError("导入期间有人员被同时登记，本次未导入任何数据，请重新导入以查看详细原因",
                          code="conflict") from None
    return ImportResult(status="imported", batch=batch, households=households, persons=persons, preview=preview,
                        message=f"已导入 {households} 户、{persons} 人（批次 {batch.pk}）")


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
    """The validation report as xlsx: 行号, 列, 原因 (RowErrors or its items), formula-safe (core/exports)."""
    return tabular.errors_workbook(errors)
