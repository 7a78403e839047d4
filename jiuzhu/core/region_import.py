"""Townships and villages from the National Bureau of Statistics table 统计用区划代码.

GB/T 2260 stops at counties; offices' rosters name townships and villages. The statistical table gives
each a 12-digit code (county 6 + township 3 + village 3): a code ending in 000000 is a county or above
(already in the tree, skipped), one ending in 000 a township, any other a village. Level and parent come
from the code. A re-run changes nothing; a renamed place keeps its code and id, so households stay put.
The whole file is checked first and written all or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from jiuzhu.core.audit import audit
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import CoreEvent, record_event
from jiuzhu.core.models import AuditAction, Region, RegionLevel
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.tabular import Columns, RowErrors, check_upload_size, read_table, text

COLUMNS = Columns(
    labels={"code": "统计用区划代码", "name": "名称", "urban_rural": "城乡分类代码"},
    synonyms={"code": ["区划代码", "代码", "统计用区划代码和城乡划分代码"], "name": ["区划名称", "单位名称"],
              "urban_rural": ["城乡分类", "城乡属性代码"]},
    required=("code", "name"),
    min_known=2,
)
_CODE = re.compile(r"^\d{12}$")
_URBAN_RURAL = re.compile(r"^[12]\d\d$")


class RegionImportRefused(DomainError):
    def __init__(self, errors: RowErrors):
        super().__init__(f"区划文件有 {len(errors)} 处问题，未导入任何数据", code="region_import_refused",
                         errors=errors.as_api_errors())
        self.row_errors = errors


@dataclass
class RegionImportResult:
    townships_added: int = 0
    villages_added: int = 0
    renamed: list[str] = field(default_factory=list)  # "红星村 → 红星社区"
    unchanged: int = 0
    counties_skipped: int = 0

    def summary(self) -> str:
        parts = [f"新增乡镇（街道）{self.townships_added} 个", f"新增村（社区）{self.villages_added} 个",
                 f"更名 {len(self.renamed)} 个", f"未变 {self.unchanged} 个"]
        if self.counties_skipped:
            parts.append(f"县级及以上 {self.counties_skipped} 行已跳过")
        return "，".join(parts)


@dataclass
class _Row:
    row: object
    code: str
    name: str
    urban_rural: str

    @property
    def level(self) -> str:
        return RegionLevel.TOWNSHIP if self.code.endswith("000") else RegionLevel.VILLAGE

    @property
    def parent_code(self) -> str:
        return self.code[:6] if self.level == RegionLevel.TOWNSHIP else self.code[:9] + "000"


def _code(value) -> str:
    # Excel keeps a 12-digit code typed as a number as 430524100000.0.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text(value).replace(" ", "")


def _parse(data: bytes, filename: str) -> tuple[list[_Row], int, RowErrors]:
    table = read_table(data, filename, COLUMNS)
    mapping = COLUMNS.detect_mapping(table.headers)
    column_of = {f: h for h, f in mapping.items()}
    errors = RowErrors(COLUMNS.labels)
    for missing in [f for f in COLUMNS.required if f not in column_of]:
        errors.add(None, missing, "文件中没有这一列")
    if errors:
        return [], 0, errors
    rows: dict[str, _Row] = {}
    upper = 0
    for ref, record in table.records():
        code = _code(record.get(column_of["code"]))
        name = text(record.get(column_of["name"])).strip()
        urban_rural = _code(record.get(column_of.get("urban_rural", ""))) if "urban_rural" in column_of else ""
        if not _CODE.match(code):
            errors.add(ref, "code", f"“{code}”不是12位数字代码", column=column_of["code"])
            continue
        if not name:
            errors.add(ref, "name", "名称为空", column=column_of["name"])
        elif len(name) > 64:
            errors.add(ref, "name", "名称超过64个字符", column=column_of["name"])
        if urban_rural and not _URBAN_RURAL.match(urban_rural):
            errors.add(ref, "urban_rural", f"“{urban_rural}”不是城乡分类代码（如111、220）",
                       column=column_of["urban_rural"])
        if code.endswith("000000"):
            upper += 1
            continue
        if code in rows:
            errors.add(ref, "code", f"代码与第{int(rows[code].row)}行重复", column=column_of["code"])
            continue
        rows[code] = _Row(ref, code, name, urban_rural)
    errors.extend(table.cell_errors)
    return list(rows.values()), upper, errors


def regions_import(*, actor, data: bytes, filename: str) -> RegionImportResult:
    """Loads the townships and villages of the file that lie in the administrator's jurisdiction.
    Raises RegionImportRefused (with every problem by row and column) and writes nothing on any problem."""
    require(actor, Capability.ADMINISTER)
    check_upload_size(len(data))
    rows, upper, errors = _parse(data, filename)
    scope = actor.region
    file_codes = {r.code for r in rows}
    parents = {r.code: r for r in Region.objects.filter(code__in={r.parent_code for r in rows})}
    existing = {r.code: r for r in Region.objects.filter(code__in=file_codes)}
    for row in rows:
        parent = parents.get(row.parent_code)
        if parent is None and row.parent_code not in file_codes:
            what = "县（区）" if row.level == RegionLevel.TOWNSHIP else "乡镇（街道）"
            errors.add(row.row, "code", f"所属{what} {row.parent_code} 不存在，也不在本文件中", column="统计用区划代码")
            continue
        parent_path = parent.path if parent else None
        if parent_path is None:  # a new township in the same file: its county decides the scope
            county = parents.get(row.parent_code[:6]) or Region.objects.filter(code=row.parent_code[:6]).first()
            parent_path = (county.path + row.parent_code + "/") if county else ""
        if not (parent_path + row.code + "/").startswith(scope.path):
            errors.add(row.row, "code", f"{row.code}（{row.name}）不在您的辖区内", column="统计用区划代码")
        found = existing.get(row.code)
        if found is not None and found.level != row.level:
            errors.add(row.row, "code", f"{row.code} 已作为{found.get_level_display()}存在", column="统计用区划代码")
    if errors:
        errors.sort()
        raise RegionImportRefused(errors)
    return _write(actor, rows, existing, upper, filename)


def _write(actor, rows: list[_Row], existing: dict[str, Region], upper: int, filename: str) -> RegionImportResult:
    result = RegionImportResult(counties_skipped=upper)
    renamed_townships: list[Region] = []
    with transaction.atomic():
        for level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            batch = [r for r in rows if r.level == level]
            parents = {p.code: p for p in Region.objects.filter(code__in={r.parent_code for r in batch})}
            new, changed = [], []
            for row in batch:
                parent = parents[row.parent_code]
                found = existing.get(row.code)
                if found is None:
                    new.append(Region(code=row.code, name=row.name, full_name=parent.full_name + row.name,
                                      level=level, parent=parent, path=parent.path + row.code + "/",
                                      urban_rural_code=row.urban_rural))
                elif found.name != row.name or (row.urban_rural and found.urban_rural_code != row.urban_rural):
                    if found.name != row.name:
                        result.renamed.append(f"{found.name} → {row.name}")
                    found.name = row.name
                    found.full_name = parent.full_name + row.name
                    found.urban_rural_code = row.urban_rural or found.urban_rural_code
                    changed.append(found)
                else:
                    result.unchanged += 1
            Region.objects.bulk_create(new, batch_size=1000)
            Region.objects.bulk_update(changed, ["name", "full_name", "urban_rural_code"], batch_size=1000)
            if level == RegionLevel.TOWNSHIP:
                result.townships_added = len(new)
                renamed_townships = changed
            else:
                result.villages_added = len(new)
        # A renamed township's villages carry its name in their full names.
        for township in renamed_townships:
            villages = list(Region.objects.filter(parent=township).only("id", "name", "full_name"))
            for village in villages:
                village.full_name = township.full_name + village.name
            Region.objects.bulk_update(villages, ["full_name"], batch_size=1000)
        detail = {"file": filename, "summary": result.summary(), "renamed": result.renamed[:50]}
        audit(AuditAction.IMPORT, actor=actor, obj=actor.region, detail={"what": "区划", **detail})
        if result.townships_added or result.villages_added or result.renamed:
            record_event(kind=CoreEvent.REGIONS_IMPORTED, subject=actor.region, actor=actor,
                         summary=f"导入区划：{result.summary()}", region=actor.region, payload=detail)
    return result
