"""Department feeds: validating an uploaded file, storing its rows as Parquet, the uploader's decision on a
batch with errors, and the officer's decision on an uncertain link. Services are keyword-only, write the
batch, its audit row and its event in one transaction, and are the same for the page, the API and
`manage.py upload_feed`.

Validation is column-wise (core/tabular/columnar.py): the kit reads the file (xlsx, csv in GBK or UTF-8,
parquet; title, footer and signature rows left out), its records are taken a chunk at a time, and each
column of a chunk is parsed with Arrow and numpy. ID numbers are hashed and encrypted once per distinct
number. A row with an error is left out of the stored file and listed, with the file's own cells and its
reasons, in the rejected rows; each error is in the report with its row, column and reason.

A row whose ID number is missing or refused is kept when it has a name and a birth date: it is linked to a
registry person by Splink (linking.py). Otherwise the ID number's problem is the row's error.

A batch with errors is held (CHECKED: its good rows are written but not offered to the comparison runs)
until its uploader accepts it without the bad rows, or withdraws it; `accept_partial=True` does the first
at once. The batch key (kind, department, SHA-256 of the file) makes uploading the same file again a no-op."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from openpyxl.utils import get_column_letter

from jiuzhu.core import tabular
from jiuzhu.core.audit import audit
from jiuzhu.core.crypto import encrypt_many, keyed_hash_many
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.identity import _region_known
from jiuzhu.core.models import AuditAction, Organization, OrganizationKind
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, is_department_actor, region_in_scope
from jiuzhu.core.tabular import columnar
from jiuzhu.core.tabular.cells import CellError
from jiuzhu.core.tabular.regions import RegionResolver
from jiuzhu.monitoring import feeds_store, linking
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.feeds_schema import DATE, DECIMAL, ID, INTEGER, TEXT, FeedSchema, schema_for
from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus, FeedLinkReview, LinkReviewStatus

CHUNK_ROWS = 200_000
REGION_CODE = r"^\d{6}(\d{6})?$"


def feed_max_bytes() -> int:
    return int(getattr(settings, "MONITORING_FEED_MAX_BYTES", 512 * 1024 * 1024))


def check_feed_size(size: int) -> None:
    """Before a byte is parsed (the page's upload handler, the API and the command call it first)."""
    limit = feed_max_bytes()
    if size > limit:
        raise tabular.FileRejected(f"文件有 {size / 1024 / 1024:.1f} MB，超过了部门数据 {limit // 1024 // 1024} MB "
                                   "的上限，请按月份或地区分成几个文件分别上传")


# ---- Validation --------------------------------------------------------------------------------------

@dataclass
class Validated:
    schema: FeedSchema
    headers: list[str]
    rows_total: int = 0
    accepted: pa.Table | None = None  # the stored columns (id_hash, id_enc, ...), person_id filled by ID
    rejected: list[tuple] = field(default_factory=list)  # (row number, sheet, record, reasons)
    errors: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    phases: dict = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # each accepted row's sheet (a workbook with several only)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)


@dataclass
class Block:
    """Rows to check: their numbers, each header's cells (a list, or an Arrow array from the csv reader), and
    the whole record of a row (for the rejected rows)."""

    row_numbers: np.ndarray
    cells: dict
    record: object  # index -> {header: cell}
    refs: list | None = None  # RowRef per row when the file has several sheets

    def sheet(self, index: int) -> tuple[str, int]:
        if self.refs is None:
            return "", 0
        ref = self.refs[index]
        return ref.sheet, ref.sheet_index


class _Chunk:
    """One chunk's columns parsed, its errors by row index."""

    def __init__(self, validated: Validated, header_of: dict, letters: dict, resolver: RegionResolver):
        self.v = validated
        self.header_of = header_of
        self.letters = letters
        self.resolver = resolver

    def run(self, block: Block) -> pa.Table:
        schema = self.v.schema
        n = len(block.row_numbers)
        bad = np.zeros(n, dtype=bool)
        reasons: dict[int, list[str]] = defaultdict(list)
        flagged: set[tuple[int, str]] = set()
        raws = {}

        def fail(i: int, column, message: str, *, notice: bool = False) -> None:
            header = self.header_of.get(column.name)
            raw = raws.get(column.name)
            value = columnar.cell(raw, i) if raw is not None else None
            sheet, sheet_index = block.sheet(i)
            item = {"row": int(block.row_numbers[i]), "sheet": sheet, "sheet_index": sheet_index, "field": column.name,
                    "column": header or column.label, "letter": self.letters.get(header, ""),
                    "message": message, "value": None if value is None else str(value)}
            if notice:
                item["level"] = "提示"
                self.v.notices.append(item)
                return
            self.v.errors.append(item)
            flagged.add((i, column.name))
            bad[i] = True
            reasons[i].append(f"{item['column']}：{message}")

        arrays: dict[str, pa.Array] = {}
        id_errors: list[tuple[int, str]] = []
        for column in schema.columns:
            header = self.header_of.get(column.name)
            raw = block.cells[header] if header else [None] * n
            raws[column.name] = raw
            if column.type == ID:
                result = columnar.id_column(raw, region_known=_region_known)
                arrays["id_number"], arrays["_id_birth"] = result.numbers, result.birth_dates
                id_errors = result.errors
                continue
            if column.type == TEXT:
                result = columnar.text_column(raw, max_length=200 if column.name != "name" else 50)
            elif column.type == DATE:
                result = columnar.date_column(raw)
            elif column.type == DECIMAL:
                result = columnar.decimal_column(raw, minimum=column.minimum)
            elif column.type == INTEGER:
                result = columnar.integer_column(raw, minimum=column.minimum, maximum=column.maximum)
            else:
                result = self._regions(raw)
            arrays[column.name] = result.values
            for i, message in result.errors:
                fail(i, column, message)
        # The person: a valid ID number, or a name and a birth date to link by.
        id_col = schema.column("id_number")
        linkable = pc.and_(pc.is_valid(arrays["name"]), pc.is_valid(arrays["birth_date"])).to_numpy(
            zero_copy_only=False)
        for i, message in id_errors:
            if linkable[i]:
                fail(i, id_col, message + "；将按姓名、出生日期和地区匹配人员", notice=True)
            else:
                fail(i, id_col, message)
        refused = np.zeros(n, dtype=bool)
        refused[[i for i, _ in id_errors]] = True
        no_person = pc.is_null(arrays["id_number"]).to_numpy(zero_copy_only=False) & ~linkable & ~refused
        for i in np.flatnonzero(no_person & ~bad):
            fail(int(i), id_col, "身份证号码为空，又没有出生日期，无法确定是哪一位人员，请补填其一")
        for column in schema.columns:
            if column.required:
                missing = pc.is_null(arrays[column.name]).to_numpy(zero_copy_only=False)
                for i in np.flatnonzero(missing):
                    if (int(i), column.name) not in flagged:
                        fail(int(i), column, "必填")
        for i in np.flatnonzero(bad).tolist():
            sheet, _ = block.sheet(i)
            self.v.rejected.append((int(block.row_numbers[i]), sheet, block.record(i), reasons[i]))
        keep = pa.array(~bad)
        if block.refs is not None:  # several sheets: the accepted rows' sheets, for the link reviews
            self.v.sheets += [block.refs[i].sheet for i in np.flatnonzero(~bad).tolist()]
        birth = pc.coalesce(arrays["birth_date"], arrays["_id_birth"])
        columns = {"id_number": arrays["id_number"], "name": arrays["name"], "region_code": arrays["region_code"],
                   "row_number": pa.array(block.row_numbers, pa.int32()), "birth_date": birth,
                   **{c.name: arrays[c.name] for c in schema.own_columns}}
        return pa.table(columns).filter(keep)

    def _regions(self, raw: list) -> columnar.ColumnResult:
        """12- or 6-digit codes as they are; names (红星社区) resolved once per distinct name."""
        text = columnar.text_column(raw, max_length=60)
        values = text.values
        coded = pc.match_substring_regex(values, REGION_CODE)
        others = pc.and_(pc.is_valid(values), pc.invert(coded.fill_null(False)))
        indices = np.flatnonzero(others.to_numpy(zero_copy_only=False))
        if not len(indices):
            return text
        errors = list(text.errors)
        resolved: dict[str, str | None] = {}
        replaced = []
        for i in indices.tolist():
            name = values[i].as_py()
            if name not in resolved:
                try:
                    resolved[name] = self.resolver.code_for(name) or None
                except CellError as exc:
                    resolved[name] = None
                    errors.append((i, exc.message))
                    replaced.append(None)
                    continue
            elif resolved[name] is None:
                errors.append((i, f"“{name}”无法识别为辖区内的地区"))
            replaced.append(resolved[name])
        mask = pa.array(np.isin(np.arange(len(values)), indices))
        return columnar.ColumnResult(pc.replace_with_mask(values, mask, pa.array(replaced, pa.string())), errors)


def validate_feed(data: bytes, filename: str, kind: str, *, actor) -> Validated:
    """Reads and checks every row; raises FileRejected when the file as a whole cannot be used."""
    schema = schema_for(kind)
    started = time.perf_counter()
    columns = schema.tabular_columns()
    block = columnar.read_csv_columns(data, filename, columns)
    table = None
    if block is not None:
        headers = first_headers = block.headers
    else:
        table = tabular.read_table(data, filename, columns)
        headers, first_headers = table.headers, table.sheets[0].headers
    mapping = columns.detect_mapping(headers)
    header_of = {f: h for h, f in mapping.items()}
    missing = [c.label for c in schema.columns if c.required and c.name not in header_of]
    if "id_number" not in header_of and "birth_date" not in header_of:
        missing.insert(0, "身份证号码（或出生日期）")
    if missing:
        raise tabular.FileRejected(f"文件中没有{'、'.join(f'“{m}”' for m in missing)}列。"
                                   f"请使用“{schema.label}”的导入模板，或把表头改成数据规范中的列名")
    letters = {h: get_column_letter(i + 1) for i, h in enumerate(first_headers)}
    validated = Validated(schema=schema, headers=headers)
    chunk = _Chunk(validated, header_of, letters, RegionResolver(actor))
    parts = []
    parse_seconds = 0.0
    if block is not None:  # a csv: Arrow read it, the columns are checked a slice at a time
        validated.rows_total = len(block)
        for start in range(0, max(len(block), 1), CHUNK_ROWS):
            t = time.perf_counter()
            cells = {h: a.slice(start, CHUNK_ROWS) for h, a in block.columns.items()}
            parts.append(chunk.run(Block(block.row_numbers[start:start + CHUNK_ROWS], cells,
                                         lambda i, s=start: block.record(s + i))))
            parse_seconds += time.perf_counter() - t
    else:  # xlsx, parquet, or a csv the column reader leaves to the row-wise one
        refs, records = [], []
        several = len(table.sheets) > 1
        for ref, record in table.records():
            refs.append(ref)
            records.append(record)
            if len(records) >= CHUNK_ROWS:
                t = time.perf_counter()
                parts.append(chunk.run(_records_block(refs, records, header_of, several)))
                parse_seconds += time.perf_counter() - t
                validated.rows_total += len(records)
                refs, records = [], []
        if records or not parts:
            t = time.perf_counter()
            parts.append(chunk.run(_records_block(refs, records, header_of, several)))
            parse_seconds += time.perf_counter() - t
            validated.rows_total += len(records)
        refused = table.cell_errors  # what the reader refused (an over-long csv field): the row is left out
        if refused:
            reasons = defaultdict(list)
            for e in refused:
                validated.errors.append({"row": int(e["row"]), "sheet": e["row"].sheet, "column": e["column"],
                                         "letter": letters.get(e["column"], ""), "message": e["message"]})
                reasons[int(e["row"])].append(f"{e['column']}：{e['message']}")
            numbers = pa.array(sorted(reasons), pa.int32())
            for i, part in enumerate(parts):
                parts[i] = part.filter(pc.invert(pc.is_in(part.column("row_number"), value_set=numbers)))
            listed = {number for number, _, _, _ in validated.rejected}
            validated.rejected += [(row, "", {}, r) for row, r in reasons.items() if row not in listed]
    validated.phases["read_and_check"] = round(time.perf_counter() - started, 3)
    validated.phases["check_columns"] = round(parse_seconds, 3)
    t = time.perf_counter()
    validated.accepted = _protect(pa.concat_tables(parts), schema)
    validated.phases["hash_and_encrypt"] = round(time.perf_counter() - t, 3)
    validated.errors.sort(key=lambda e: (e.get("sheet_index", 0), e["row"]))
    return validated


def _records_block(refs: list, records: list[dict], header_of: dict, several: bool) -> Block:
    cells = {h: [r.get(h) for r in records] for h in header_of.values()}
    return Block(np.fromiter(refs, dtype=np.int32, count=len(refs)), cells, lambda i: records[i],
                 refs if several else None)


def _protect(table: pa.Table, schema: FeedSchema) -> pa.Table:
    """ID numbers out, their keyed hash and ciphertext in, once per distinct number; registry persons found
    by the hash (person_id)."""
    numbers = table.column("id_number").combine_chunks()
    distinct = pc.unique(numbers.drop_null())
    plain = distinct.to_pylist()
    hashes = pa.array(keyed_hash_many(plain), pa.string())
    sealed = pa.array(encrypt_many(plain), pa.string())
    where = pc.index_in(numbers, value_set=distinct)
    id_hash = pc.take(hashes, where)
    persons = _persons_by_hash(hashes)
    person_id = pc.take(persons, where) if len(persons) else pa.nulls(len(table), pa.int64())
    link_method = pc.if_else(pc.is_valid(person_id), pa.scalar("id"), pa.scalar(None, pa.string()))
    columns = {"id_hash": id_hash, "id_enc": pc.take(sealed, where), "name": table.column("name"),
               "person_id": person_id, "region_code": table.column("region_code"),
               "row_number": table.column("row_number"), "birth_date": table.column("birth_date"),
               "link_method": link_method, **{c.name: table.column(c.name) for c in schema.own_columns}}
    return pa.table(columns, schema=schema.arrow_schema())


def _persons_by_hash(hashes: pa.Array) -> pa.Array:
    """person id for each hash (null if none), from whichever side is smaller: the registry or the file."""
    from jiuzhu.registry.models import Person

    if not len(hashes):
        return pa.array([], pa.int64())
    found: dict[str, int] = {}
    if Person.objects.count() <= len(hashes):
        found = dict(Person.objects.values_list("id_number_hash", "pk").iterator(chunk_size=20_000))
    else:
        values = hashes.to_pylist()
        for start in range(0, len(values), 2000):
            found.update(Person.objects.filter(id_number_hash__in=values[start:start + 2000])
                         .values_list("id_number_hash", "pk"))
    if not found:
        return pa.nulls(len(hashes), pa.int64())
    keys = pa.array(list(found), pa.string())
    ids = pa.array(list(found.values()), pa.int64())
    return pc.take(ids, pc.index_in(hashes, value_set=keys))


# ---- Uploading -----------------------------------------------------------------------------------------

@dataclass
class UploadResult:
    status: str  # stored | checked | already_received
    batch: FeedBatch
    message: str
    validated: Validated | None = None
    phases: dict = field(default_factory=dict)


def organization_for(actor, organization: Organization | None) -> Organization:
    """A department uploads for itself only; an officer (county civil affairs) names the department, which
    must be a department within the officer's jurisdiction."""
    if is_department_actor(actor) and not actor.is_superuser:
        if actor.organization_id is None:
            raise PermissionDenied("您的账号没有所属部门，不能上传部门数据")
        if organization is not None and organization.pk != actor.organization_id:
            raise PermissionDenied("部门经办只能为本部门上传数据")
        return actor.organization
    if organization is None:
        raise DomainError("请选择数据来源部门", code="validation_error", field="organization")
    if organization.kind != OrganizationKind.DEPARTMENT:
        raise DomainError(f"“{organization.name}”不是部门，只能为部门上传数据", code="validation_error",
                          field="organization")
    if not region_in_scope(actor, organization.region):
        raise PermissionDenied(f"“{organization.name}”不在您的管辖范围内")
    return organization


def batch_key(kind: str, organization: Organization, data: bytes) -> str:
    digest = hashlib.sha256(f"{kind}|{organization.pk}|".encode())
    digest.update(data)
    return digest.hexdigest()


def _link(validated: Validated, region_path: str) -> tuple[pa.Table, list[linking.Match]]:
    """Splink for the rows without an ID hash: confident links filled in, uncertain ones returned."""
    table = validated.accepted
    unlinked = pc.is_null(table.column("id_hash")).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(unlinked)
    if not len(positions):
        return table, []
    subset = table.take(pa.array(positions)).select(["name", "birth_date", "region_code"]).to_pylist()
    rows = [{"row_number": int(p), **r} for p, r in zip(positions, subset, strict=True)]
    matches = linking.link_rows(rows, region_path=region_path)
    confident = [m for m in matches if m.probability >= linking.link_threshold()]
    uncertain = [m for m in matches if m.probability < linking.link_threshold()]
    if confident:
        table = _set_link(table, {m.row_number: (m.person_id, m.id_hash) for m in confident}, "splink")
    return table, uncertain


def _set_link(table: pa.Table, links: dict[int, tuple[int, str]], method: str, id_enc: dict | None = None):
    """Writes person_id and id_hash (and id_enc when known) into the rows at the given positions."""
    positions = sorted(links)
    mask = pa.array(np.isin(np.arange(len(table)), positions))
    replace = {"person_id": pa.array([links[p][0] for p in positions], pa.int64()),
               "id_hash": pa.array([links[p][1] for p in positions], pa.string()),
               "link_method": pa.array([method] * len(positions), pa.string())}
    if id_enc:
        replace["id_enc"] = pa.array([id_enc[p] for p in positions], pa.string())
    columns = {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        columns[name] = pc.replace_with_mask(column, mask, replace[name]) if name in replace else column
    return pa.table(columns, schema=table.schema)


def _rejected_table(validated: Validated) -> pa.Table:
    headers = validated.headers
    rejected = validated.rejected
    columns = {}
    if any(sheet for _, sheet, _, _ in rejected):
        columns["工作表"] = pa.array([sheet for _, sheet, _, _ in rejected], pa.string())
    columns["行号"] = pa.array([number for number, _, _, _ in rejected], pa.int32())
    for h in headers:
        columns[h] = pa.array([None if rec.get(h) is None else str(rec.get(h)) for _, _, rec, _ in rejected],
                              pa.string())
    columns["错误原因"] = pa.array(["；".join(reasons) for _, _, _, reasons in rejected], pa.string())
    return pa.table(columns)


def feed_upload(*, actor, kind: str, data: bytes, filename: str, organization: Organization | None = None,
                accept_partial: bool = False) -> UploadResult:
    require(actor, Capability.UPLOAD_FEEDS)
    schema = schema_for(kind)
    organization = organization_for(actor, organization)
    check_feed_size(len(data))
    key = batch_key(kind, organization, data)
    existing = FeedBatch.objects.filter(batch_key=key).first()
    if existing is not None:
        return UploadResult("already_received", existing, _already(existing))
    started = time.perf_counter()
    validated = validate_feed(data, filename, kind, actor=actor)
    t = time.perf_counter()
    region = organization.region
    table, uncertain = _link(validated, region.path)
    validated.phases["link"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    paths = feeds_store.relative_paths(kind, key)
    feeds_store.write_rows(paths["data"], table)
    if validated.rejected:
        feeds_store.write_sealed_table(paths["rejected"], _rejected_table(validated))
    if validated.errors or validated.notices:
        feeds_store.write_sealed_json(paths["report"], {"errors": validated.errors, "notices": validated.notices})
    validated.phases["write"] = round(time.perf_counter() - t, 3)
    has_errors = bool(validated.rejected)
    status = FeedBatchStatus.CHECKED if has_errors and not accept_partial else FeedBatchStatus.STORED
    period = _period(table, schema)
    t = time.perf_counter()
    try:
        with transaction.atomic():
            batch = FeedBatch.objects.create(
                kind=kind, organization=organization, region=region, uploaded_by=actor,
                file_name=filename[:200], batch_key=key, status=status, rows_total=validated.rows_total,
                rows_stored=table.num_rows, rows_rejected=validated.rows_rejected, data_path=paths["data"],
                rejected_path=paths["rejected"] if validated.rejected else "", period_start=period[0],
                period_end=period[1])
            FeedLinkReview.objects.bulk_create([
                FeedLinkReview(batch=batch, position=m.row_number,
                               row_number=table.column("row_number")[m.row_number].as_py(),
                               sheet=validated.sheets[m.row_number] if validated.sheets else "",
                               name=table.column("name")[m.row_number].as_py() or "",
                               birth_date=table.column("birth_date")[m.row_number].as_py(),
                               region_code=table.column("region_code")[m.row_number].as_py() or "",
                               person_id=m.person_id, probability=m.probability) for m in uncertain])
            detail = {"kind": kind, "file_name": batch.file_name, "rows_total": batch.rows_total,
                      "rows_stored": batch.rows_stored, "rows_rejected": batch.rows_rejected, "status": status,
                      "linked": int(pc.sum(pc.equal(table.column("link_method"), "splink")).as_py() or 0),
                      "link_reviews": len(uncertain)}
            audit(AuditAction.IMPORT, actor=actor, obj=batch, detail=detail)
            record_event(kind=MonitoringEvent.FEED_UPLOADED, subject=batch, actor=actor, region=region,
                         summary=f"{organization.name}上传{schema.label} {batch.rows_total} 行", payload=detail)
            if has_errors and accept_partial:
                _accepted_event(batch, actor)
    except IntegrityError:  # the same file, uploaded at the same moment by someone else
        existing = FeedBatch.objects.filter(batch_key=key).first()
        if existing is None:
            raise
        return UploadResult("already_received", existing, _already(existing))
    validated.phases["record"] = round(time.perf_counter() - t, 3)
    validated.phases["total"] = round(time.perf_counter() - started, 3)
    return UploadResult(status, batch, _message(batch), validated, validated.phases)


def _period(table: pa.Table, schema: FeedSchema):
    if not schema.period_column or not table.num_rows:
        return None, None
    bounds = pc.min_max(table.column(schema.period_column))
    return bounds["min"].as_py(), bounds["max"].as_py()


def _already(batch: FeedBatch) -> str:
    return (f"该文件已于 {timezone.localtime(batch.uploaded_at):%Y-%m-%d %H:%M} 上传过（批次 {batch.pk}，"
            f"{batch.get_status_display()}），未重复接收")


def _message(batch: FeedBatch) -> str:
    if batch.status == FeedBatchStatus.CHECKED:
        return (f"共 {batch.rows_total} 行，其中 {batch.rows_rejected} 行有错误。请查看错误报告：修改后重新上传，"
                f"或选择“不含错误行入库”（{batch.rows_stored} 行）")
    if batch.rows_rejected:
        return f"已入库 {batch.rows_stored} 行，{batch.rows_rejected} 行有错误未入库（可下载错误行）"
    return f"已入库 {batch.rows_stored} 行"


def _accepted_event(batch: FeedBatch, actor) -> None:
    record_event(kind=MonitoringEvent.FEED_ACCEPTED, subject=batch, actor=actor, region=batch.region,
                 summary=f"批次 {batch.pk} 不含 {batch.rows_rejected} 个错误行入库",
                 payload={"rows_stored": batch.rows_stored, "rows_rejected": batch.rows_rejected})


def batches_for(actor):
    """The batches the actor may see: a department its own, an officer those of its region subtree."""
    from jiuzhu.core.scoping import scoped

    return scoped(FeedBatch.objects.select_related("organization", "uploaded_by"), actor, region_field="region",
                  department_field="organization")


def batch_for(actor, pk: int) -> FeedBatch:
    return get_scoped_or_404(FeedBatch.objects.select_related("organization", "region"), actor,
                             scope={"region_field": "region", "department_field": "organization"}, pk=pk)


def batch_download(*, actor, batch_id: int, fmt: str, make) -> tuple[bytes, str, str]:
    """A batch's report or rejected rows (`make`: report_file or rejected_file) as xlsx or csv, for the page and
    the API alike: the uploader's capability, the batch in scope (404 otherwise), a known format."""
    require(actor, Capability.UPLOAD_FEEDS)
    if fmt not in ("xlsx", "csv"):
        raise Http404("没有该格式")
    return make(actor=actor, batch=batch_for(actor, batch_id), fmt=fmt)


def _held_batch(actor, batch_id: int, refused: str) -> FeedBatch:
    """Inside the caller's transaction: the uploader's held batch, locked; any other status is refused."""
    require(actor, Capability.UPLOAD_FEEDS)
    batch = FeedBatch.objects.select_for_update().get(pk=batch_for(actor, batch_id).pk)
    if batch.status != FeedBatchStatus.CHECKED:
        raise DomainError(f"该批次{batch.get_status_display()}，{refused}", code="conflict")
    return batch


def feed_accept(*, actor, batch_id: int) -> FeedBatch:
    """The uploader's choice: store a held batch without its bad rows."""
    with transaction.atomic():
        batch = _held_batch(actor, batch_id, "不能再确认入库")
        batch.status = FeedBatchStatus.STORED
        batch.save(update_fields=["status"])
        audit(AuditAction.UPDATE, actor=actor, obj=batch,
              detail={"changes": {"status": ["checked", "stored"]}, "rows_rejected": batch.rows_rejected})
        _accepted_event(batch, actor)
    return batch


def feed_withdraw(*, actor, batch_id: int) -> FeedBatch:
    """The uploader's other choice: nothing of a held batch is kept (the same file may be uploaded again)."""
    with transaction.atomic():
        batch = _held_batch(actor, batch_id, "不能撤回")
        paths = (batch.data_path, batch.rejected_path, report_path(batch))
        batch.status = FeedBatchStatus.WITHDRAWN
        batch.batch_key = f"withdrawn-{batch.pk}"
        batch.data_path = batch.rejected_path = ""
        batch.rows_stored = 0
        batch.save(update_fields=["status", "batch_key", "data_path", "rejected_path", "rows_stored"])
        batch.link_reviews.filter(status=LinkReviewStatus.PENDING).delete()
        audit(AuditAction.UPDATE, actor=actor, obj=batch, detail={"changes": {"status": ["checked", "withdrawn"]}})
        transaction.on_commit(lambda: feeds_store.remove(*paths))
    return batch


def report_path(batch: FeedBatch) -> str:
    return feeds_store.relative_paths(batch.kind, batch.batch_key)["report"] if batch.data_path else ""


def batch_report(batch: FeedBatch) -> dict:
    """{"errors": [...], "notices": [...]} of a batch (empty when it had none)."""
    return (feeds_store.read_sealed_json(report_path(batch)) if batch.data_path else None) or {}


# ---- Reviewing uncertain links ------------------------------------------------------------------------

def reviews_for(actor):
    """Uncertain links in the actor's region subtree; a department sees none (it is the officers' call)."""
    from jiuzhu.core.scoping import scoped

    return scoped(FeedLinkReview.objects.select_related("batch", "batch__organization", "person",
                                                        "person__region"),
                  actor, region_field="batch__region")


def link_review_decide(*, actor, review_id: int, accept: bool) -> FeedLinkReview:
    """Accepting writes the person's id, ID hash and encrypted number into the row of the stored file."""
    require(actor, Capability.UPLOAD_FEEDS)
    with transaction.atomic():
        review = get_scoped_or_404(FeedLinkReview.objects.select_related("batch", "person"), actor,
                                   scope={"region_field": "batch__region"}, pk=review_id)
        batch = FeedBatch.objects.select_for_update().get(pk=review.batch_id)
        review = FeedLinkReview.objects.select_for_update().select_related("person").get(pk=review.pk)
        if review.status != LinkReviewStatus.PENDING:
            raise DomainError("该匹配已处理过", code="conflict")
        if batch.status == FeedBatchStatus.WITHDRAWN or not batch.data_path:
            raise DomainError("该批次已撤回", code="conflict")
        review.status = LinkReviewStatus.ACCEPTED if accept else LinkReviewStatus.REJECTED
        review.reviewed_by = actor
        review.reviewed_at = timezone.now()
        review.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        person = review.person
        if accept:
            table = feeds_store.read_rows(batch.data_path)
            table = _set_link(table, {review.position: (person.pk, person.id_number_hash)}, "review",
                              {review.position: person.id_number_cipher})
            feeds_store.write_rows(batch.data_path, table)
        audit(AuditAction.UPDATE, actor=actor, obj=review, person_id=person.pk,
              detail={"changes": {"status": ["pending", review.status]}, "batch": batch.pk,
                      "row_number": review.row_number, "probability": round(review.probability, 4)})
        record_event(kind=MonitoringEvent.LINK_REVIEWED, subject=review, actor=actor, person_id=person.pk,
                     region=batch.region, summary=f"批次 {batch.pk} 第{review.row_number}行"
                     f"{'确认' if accept else '否定'}为{person.name}", payload={"accepted": accept})
    return review


# ---- Downloads: the row/column report and the rejected rows (personal data: audited) -----------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def _stem(batch: FeedBatch) -> str:
    return f"{batch.get_kind_display()}_批次{batch.pk}"


def report_file(*, actor, batch: FeedBatch, fmt: str) -> tuple[bytes, str, str]:
    """The cell report (工作表, 行号, 列, 列名, 值, 问题) as xlsx or csv."""
    report = batch_report(batch)
    items = [*report.get("errors", []), *report.get("notices", [])]
    audit(AuditAction.EXPORT, actor=actor, obj=batch,
          detail={"object_type": "feed_report", "count": len(items), "format": fmt})
    if fmt == "csv":
        return tabular.cell_report_csv(items), f"{_stem(batch)}_错误报告.csv", CSV_TYPE
    return tabular.cell_report_workbook(items), f"{_stem(batch)}_错误报告.xlsx", XLSX_TYPE


def rejected_file(*, actor, batch: FeedBatch, fmt: str) -> tuple[bytes, str, str]:
    """The rows left out, as the file had them, with 错误原因: to correct and upload again."""
    from django.http import Http404

    from jiuzhu.core.exports import SheetSpec, csv_bytes, workbook_bytes

    if not batch.rejected_path:
        raise Http404("该批次没有错误行")
    table = feeds_store.read_sealed_table(batch.rejected_path)
    headers = table.column_names
    rows = list(zip(*(table.column(h).to_pylist() for h in headers), strict=True))
    audit(AuditAction.EXPORT, actor=actor, obj=batch,
          detail={"object_type": "feed_rejected_rows", "count": len(rows), "format": fmt})
    if fmt == "csv":
        return csv_bytes(headers, rows), f"{_stem(batch)}_未入库的行.csv", CSV_TYPE
    return (workbook_bytes([SheetSpec(title="未入库的行", headers=headers, rows=rows)]),
            f"{_stem(batch)}_未入库的行.xlsx", XLSX_TYPE)
