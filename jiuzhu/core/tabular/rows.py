"""Row-by-row parsing with typed columns, all or nothing, or (`partial=True`) without the bad rows.

For flat files where one row is one record (a department's feed, a payment file). The registry, whose
rows group into households, uses the reader, headers and parsers directly and stays all or nothing.

    columns = Columns(labels={"id_number": "身份证号码", "amount": "金额"}, required=("id_number",), min_known=2)
    fields = [Field("id_number", parse_id_number, required=True), Field("amount", parse_decimal)]
    result = parse_rows(read_table(data, name, columns), columns, fields, partial=True)
    result.rows          # [(row, {"id_number": ..., "amount": Decimal(...)}), ...] accepted rows only
    result.rejected      # the bad rows as they were in the file, each with its reasons
    result.rejected_workbook()   # the bad rows as xlsx: the file's own columns plus 错误原因
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jiuzhu.core.exports import SheetSpec, workbook_bytes
from jiuzhu.core.tabular.cells import CellError, RowErrors, text
from jiuzhu.core.tabular.headers import Columns
from jiuzhu.core.tabular.reader import RowRef, Table


@dataclass
class Field:
    name: str
    parse: Callable[[object], object] = text
    required: bool = False


@dataclass
class Rejected:
    row: RowRef
    values: dict  # header -> the cell as read
    reasons: list[str]


@dataclass
class ParsedRows:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[tuple[RowRef, dict]] = field(default_factory=list)
    errors: RowErrors = field(default_factory=RowErrors)
    rejected: list[Rejected] = field(default_factory=list)
    partial: bool = False
    read: int = 0  # data rows read (footer rows not counted)

    @property
    def ok(self) -> bool:
        """All or nothing: no error at all. Partial: at least the file itself was readable."""
        return self.partial or not self.errors

    def rejected_workbook(self) -> bytes:
        """The bad rows, downloadable: 行号 (and 工作表), the file's columns, 错误原因."""
        sheets = any(r.row.sheet for r in self.rejected)
        headers = (["工作表"] if sheets else []) + ["行号", *self.headers, "错误原因"]
        rows = ([*([r.row.sheet] if sheets else []), int(r.row), *[r.values.get(h) for h in self.headers],
                 "；".join(r.reasons)] for r in self.rejected)
        return workbook_bytes([SheetSpec(title="未导入的行", headers=headers, rows=rows)])


def parse_rows(table: Table, columns: Columns, fields: list[Field], *, mapping: dict[str, str] | None = None,
               partial: bool = False) -> ParsedRows:
    """Parses every row. All or nothing (default): any error and `rows` is empty. `partial=True`: the good
    rows are kept, the bad ones listed in `rejected` (and their reasons in `errors`). Columns missing from
    the file are an error of the file as a whole either way."""
    headers = table.headers
    mapping = columns.detect_mapping(headers) if mapping is None else \
        {h: f for h, f in mapping.items() if f and h in headers}
    result = ParsedRows(headers=headers, mapping=mapping, partial=partial, errors=RowErrors(columns.labels))
    header_of = {f: h for h, f in mapping.items()}
    missing = [f for f in (f.name for f in fields if f.required) if f not in header_of]
    for name in missing:
        result.errors.add(RowRef(table.header_row), name,
                          f"文件中没有“{columns.labels.get(name, name)}”列，请在列对应关系中指定或补充该列")
    if missing:
        result.partial = False
        return result
    plan = [(f, header_of.get(f.name)) for f in fields]
    for ref, record, cell_errors in _records(table):
        result.read += 1
        values: dict = {}
        reasons: list[str] = []
        for e in cell_errors:  # what the reader refused (an over-long field): that cell is not parsed
            result.errors.add(ref, mapping.get(e["column"], ""), e["message"], column=e["column"])
            reasons.append(f"{e['column']}：{e['message']}")
        refused = {e["column"] for e in cell_errors}
        for spec, header in plan:
            if header in refused:
                continue
            raw = record.get(header) if header else None
            column = header or columns.labels.get(spec.name, spec.name)
            try:
                value = spec.parse(raw)
            except CellError as exc:
                result.errors.add(ref, spec.name, exc.message, column=column)
                reasons.append(f"{column}：{exc.message}")
                continue
            if spec.required and value in (None, ""):
                result.errors.add(ref, spec.name, "必填", column=column)
                reasons.append(f"{column}：必填")
                continue
            values[spec.name] = value
        if reasons:
            result.rejected.append(Rejected(row=ref, values=record, reasons=reasons))
        else:
            result.rows.append((ref, values))
    result.errors.sort()
    if result.errors and not partial:
        result.rows = []
    return result


def _records(table: Table):
    """(row, record, the cell errors the reader noted for that row)."""
    for sheet in table.sheets:
        seen = 0
        for ref, record in sheet.records():
            new = sheet.cell_errors[seen:]
            seen = len(sheet.cell_errors)
            yield ref, record, new
