"""The error report a user downloads: 行号, 列, 原因 (and 工作表 for a workbook with several data sheets),
written through core/exports, so a header or a name from the file stays text in Excel."""

from __future__ import annotations

from jiuzhu.core.exports import SheetSpec, workbook_bytes
from jiuzhu.core.tabular.cells import RowErrors


def errors_workbook(errors) -> bytes:
    """RowErrors or its items (dicts with row, column, message and optionally sheet)."""
    items = errors.items if isinstance(errors, RowErrors) else list(errors)
    sheets = any(e.get("sheet") for e in items)
    headers = (["工作表"] if sheets else []) + ["行号", "列", "原因"]
    widths = ([16] if sheets else []) + [8, 24, 90]
    rows = ([*([e.get("sheet", "")] if sheets else []), e["row"], e["column"], e["message"]] for e in items)
    return workbook_bytes([SheetSpec(title="错误报告", headers=headers, rows=rows, widths=widths)])
