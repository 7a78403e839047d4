"""Bank files: the payment file per bank in the bank's layout (BankLayout, nearest region wins, else the default
below), and the bank's return file (回盘) read through the core tabular kit and applied set-based: the file's rows
go to a temporary table in one COPY (PostgreSQL) or executemany (SQLite), are checked against the roll with NumPy,
and two UPDATE statements mark the lines paid or failed."""

# ruff: noqa: S608 - SQL built from constants; values always go as parameters

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from jiuzhu.core.arrow_sql import query_arrow
from jiuzhu.core.bulk_indexes import large_cache
from jiuzhu.core.crypto import decrypt_many
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region
from jiuzhu.core.tabular import Columns, read_table
from jiuzhu.core.tabular.columnar import read_csv_columns
from jiuzhu.funds.models import BankLayout, PaymentRoll

# field → Chinese label: what a layout's columns may hold
EXPORT_FIELDS = {"line_id": "流水号", "name": "户名", "account": "账号", "amount": "金额", "memo": "摘要",
                 "township": "乡镇（街道）", "bank": "开户银行"}
DEFAULT_COLUMNS = [["流水号", "line_id"], ["户名", "name"], ["账号", "account"], ["金额", "amount"], ["摘要", "memo"]]


@dataclass
class Layout:
    bank_name: str
    file_format: str
    columns: list[list[str]]


def layout_for(county: Region, bank_name: str) -> Layout:
    """The bank's layout set for the county or the nearest region above it; else the default (xlsx)."""
    codes = [c for c in county.path.strip("/").split("/") if c]
    # nearest: the longest path among the county and its ancestors
    found = max(BankLayout.objects.filter(bank_name=bank_name, region__code__in=codes).select_related("region"),
                key=lambda layout: len(layout.region.path), default=None)
    if found is None:
        return Layout(bank_name, "xlsx", DEFAULT_COLUMNS)
    return Layout(found.bank_name, found.file_format, [list(c) for c in found.columns])


def export_columns(roll: PaymentRoll, layout: Layout, *, bank_name: str, batch: int) -> list[pa.Array]:
    """The payment file of one bank's lines waiting for the bank, as text columns in the layout's order (Arrow
    arrays, line id order): one query; the account numbers are decrypted here (crypto.decrypt_many), the one step
    done per row. Each database reads its own fastest way (below); the columns are the same text."""
    fields = ["line_id", "name", "account", "amount", "township", "bank"]
    if connection.vendor == "postgresql":
        table = _pg_lines(roll, bank_name=bank_name, batch=batch)
    else:
        table = _sqlite_lines(roll, bank_name=bank_name, batch=batch)
    text = {f: table[f].combine_chunks() for f in fields}
    text["memo"] = pa.array([f"{roll.month:%Y年%m月}{roll.get_item_display()}"] * len(table), pa.string())
    return [text[f] for _, f in layout.columns]


_LINE_TEXT = {"line_id": pa.string(), "name": pa.string(), "account": pa.string(), "amount": pa.string(),
              "township": pa.string(), "bank": pa.string()}


def _pg_lines(roll: PaymentRoll, *, bank_name: str, batch: int) -> pa.Table:
    """PostgreSQL: the lines through COPY into Arrow (core.arrow_sql), no Python tuple per line; then the account
    numbers decrypted."""
    table = query_arrow(
        "SELECT CAST(l.id AS text), CASE WHEN l.institution <> '' THEN l.institution ELSE p.name END,"
        " l.account_cipher, CAST(l.total AS text), t.name, l.bank_name FROM funds_paymentline l"
        " JOIN registry_person p ON p.id = l.payee_id JOIN core_region t ON t.id = l.township_id"
        " WHERE l.roll_id = %s AND l.bank_name = %s AND l.batch = %s AND l.status = 'issued' ORDER BY l.id",
        _LINE_TEXT, params=[roll.pk, bank_name, batch])
    accounts = pa.array(decrypt_many(table["account"].to_pylist()), pa.string())
    return table.set_column(table.schema.get_field_index("account"), "account", accounts)


def _sqlite_lines(roll: PaymentRoll, *, bank_name: str, batch: int) -> pa.Table:
    """SQLite: the roll's lines read along the table itself (rowid range of the roll, already in id order; NOT
    INDEXED), not through an index and then sorted by id: the sort of a million wide rows was a third of the
    export. Its payees are looked up in the order they were written (the registry's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM funds_paymentline WHERE roll_id = %s", [roll.pk])
        first, last = cursor.fetchone()
        cursor.execute(
            "SELECT l.id, CASE WHEN l.institution <> '' THEN l.institution ELSE p.name END, l.account_cipher,"
            " printf('%.2f', l.total), t.name, l.bank_name FROM funds_paymentline l NOT INDEXED"
            " JOIN registry_person p ON p.id = l.payee_id JOIN core_region t ON t.id = l.township_id"
            " WHERE l.id BETWEEN %s AND %s AND l.roll_id = %s AND l.bank_name = %s AND l.batch = %s"
            " AND l.status = 'issued' ORDER BY l.id",
            [first or 0, last or 0, roll.pk, bank_name, batch])
        chunks = []
        while found := cursor.fetchmany(100_000):  # a chunk's tuples at a time, not a million at once
            ids, names, ciphers, amounts, townships, banks = zip(*found, strict=True)
            chunks.append(pa.record_batch({
                "line_id": pc.cast(pa.array(ids, pa.int64()), pa.string()), "name": pa.array(names, pa.string()),
                "account": pa.array(decrypt_many(ciphers), pa.string()),
                "amount": pa.array(amounts, pa.string()), "township": pa.array(townships, pa.string()),
                "bank": pa.array(banks, pa.string())}))
    return pa.Table.from_batches(chunks) if chunks else pa.table({f: pa.array([], k) for f, k in _LINE_TEXT.items()})


def export_rows(columns: list[pa.Array]) -> list[list]:
    """The columns of export_columns as rows (the xlsx writer takes rows)."""
    return [list(row) for row in zip(*[c.to_pylist() for c in columns], strict=True)]


# ---- The return file -------------------------------------------------------------------------------------------

RETURN_COLUMNS = Columns(
    labels={"line_id": "流水号", "result": "处理结果", "reason": "失败原因", "amount": "金额", "account": "账号",
            "name": "户名"},
    synonyms={"line_id": ["序号", "交易流水号", "业务编号"], "result": ["交易结果", "状态", "处理状态", "结果"],
              "reason": ["失败原因说明", "备注", "错误信息"], "amount": ["交易金额", "发放金额"],
              "account": ["卡号", "收款账号"], "name": ["姓名", "收款人"]},
    required=("line_id", "result"), min_known=2)
PAID_WORDS = ("成功", "已成功", "交易成功", "已发放", "success")
FAILED_WORDS = ("失败", "交易失败", "退回", "退票", "fail")


@dataclass
class ReturnRows:
    key: str
    line_ids: np.ndarray  # int64
    paid: np.ndarray  # bool
    reasons: list[str]  # per failed row, in order
    row_numbers: np.ndarray


def _error(rows: np.ndarray, label: str, message: str) -> DomainError:
    shown = ", ".join(str(int(r)) for r in rows[:10]) + ("等" if len(rows) > 10 else "")
    return DomainError(f"第{shown}行 {label}：{message}", code="validation_error",
                       errors=[{"path": f"第{int(r)}行.{label}", "message": message} for r in rows[:50]])


def read_return(data: bytes, filename: str) -> ReturnRows:
    """The return file's rows, typed and checked (columns by name through the kit; rows named in errors)."""
    block = read_csv_columns(data, filename, RETURN_COLUMNS)
    if block is not None:
        mapping = RETURN_COLUMNS.detect_mapping(block.headers)
        by_field = {f: block.columns[h] for h, f in mapping.items()}
        numbers = block.row_numbers
    else:
        table = read_table(data, filename, RETURN_COLUMNS)
        mapping = RETURN_COLUMNS.detect_mapping(table.headers)
        records = [(row, rec) for sheet in table.sheets for row, rec in sheet.records()]
        numbers = np.array([int(r) for r, _ in records], dtype=np.int32)
        by_field = {f: pa.array([("" if rec.get(h) is None else str(rec.get(h))).strip() for _, rec in records],
                                pa.string()) for h, f in mapping.items()}
    missing = [RETURN_COLUMNS.labels[f] for f in RETURN_COLUMNS.required if f not in by_field]
    if missing:
        raise DomainError(f"回盘文件缺少列：{'、'.join(missing)}", code="validation_error")
    ids_text = pc.utf8_trim_whitespace(by_field["line_id"])
    ids_text = pc.replace_substring_regex(ids_text, r"\.0$", "")  # 123.0 from a spreadsheet's number cell
    bad = ~np.asarray(pc.match_substring_regex(ids_text, r"^\d{1,18}$").to_numpy(zero_copy_only=False), dtype=bool)
    if bad.any():
        raise _error(numbers[bad], "流水号", "不是有效的流水号")
    ids = pc.cast(ids_text, pa.int64()).to_numpy()
    result = pc.utf8_lower(pc.utf8_trim_whitespace(by_field["result"]))
    paid = np.asarray(pc.is_in(result, pa.array(PAID_WORDS)).to_numpy(zero_copy_only=False), dtype=bool)
    failed = np.asarray(pc.is_in(result, pa.array(FAILED_WORDS)).to_numpy(zero_copy_only=False), dtype=bool)
    unknown = ~(paid | failed)
    if unknown.any():
        raise _error(numbers[unknown], "处理结果", "应为“成功”或“失败”")
    reasons_col = by_field.get("reason")
    reasons = [] if reasons_col is None else \
        pc.utf8_trim_whitespace(pc.filter(reasons_col, pa.array(failed))).to_pylist()
    reasons = reasons or [""] * int(failed.sum())
    reasons = [(r or "银行未说明原因")[:200] for r in reasons]
    return ReturnRows(hashlib.sha256(data).hexdigest(), ids, paid, reasons, numbers)


def check_against_roll(roll: PaymentRoll, rows: ReturnRows) -> None:
    """Every row names one line of the roll waiting for the bank's answer, once (NumPy over the roll's ids)."""
    issued = query_arrow(f"SELECT id FROM funds_paymentline WHERE roll_id = {int(roll.pk)} AND status = 'issued'",
                         {"id": pa.int64()})["id"].to_numpy()
    unknown = ~np.isin(rows.line_ids, issued)
    if unknown.any():
        raise _error(rows.row_numbers[unknown], "流水号", "不是本花名册待回盘的发放记录")
    order = np.argsort(rows.line_ids, kind="stable")
    sorted_ids = rows.line_ids[order]
    dup = np.zeros(len(order), dtype=bool)
    dup[order[1:]] = sorted_ids[1:] == sorted_ids[:-1]
    if dup.any():
        raise _error(rows.row_numbers[dup], "流水号", "重复")


def apply_return(roll: PaymentRoll, rows: ReturnRows) -> tuple[int, int]:
    """Marks the lines paid or failed: two UPDATEs, the paid ids passed as one value (a JSON array read by
    SQLite's json_each, a bigint[] on PostgreSQL), the failed ones with their reasons likewise. Returns (paid,
    failed)."""
    import json

    paid_ids = rows.line_ids[rows.paid].tolist()
    failed_ids = rows.line_ids[~rows.paid].tolist()
    with large_cache(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE funds_paymentline SET status = 'paid' WHERE roll_id = %s AND status = 'issued'"
                           " AND id = ANY(%s::bigint[])", [roll.pk, paid_ids])
            paid = max(cursor.rowcount, 0)
            cursor.execute("UPDATE funds_paymentline l SET status = 'failed', fail_reason = f.reason"
                           " FROM unnest(%s::bigint[], %s::text[]) AS f(id, reason)"
                           " WHERE l.id = f.id AND l.roll_id = %s AND l.status = 'issued'",
                           [failed_ids, rows.reasons, roll.pk])
        else:
            cursor.execute("UPDATE funds_paymentline SET status = 'paid' WHERE roll_id = %s AND status = 'issued'"
                           " AND id IN (SELECT value FROM json_each(%s))", [roll.pk, json.dumps(paid_ids)])
            paid = max(cursor.rowcount, 0)
            # f MATERIALIZED: the failed rows drive, each line found by its id (as a subquery in FROM, SQLite
            # went through the roll's million lines and scanned the JSON array for each: 28 s for 5,000 failures)
            cursor.execute("WITH f AS MATERIALIZED (SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS id,"
                           " json_extract(value, '$[1]') AS reason FROM json_each(%s))"
                           " UPDATE funds_paymentline SET status = 'failed', fail_reason = f.reason FROM f"
                           " WHERE funds_paymentline.id = f.id AND funds_paymentline.roll_id = %s"
                           " AND funds_paymentline.status = 'issued'",
                           [json.dumps(list(zip(failed_ids, rows.reasons, strict=True)), ensure_ascii=False), roll.pk])
    return paid, len(failed_ids)
