"""The error report a user downloads: 行号, 列, 原因 (and 工作表 for a workbook with several data sheets),
written through core/exports, so a header or a name from the file stays text in Excel."""

from __future__ import annotations

from jiuzhu.core.exports import SheetSpec, csv_bytes, workbook_bytes
from jiuzhu.core.tabular.cells import RowErrors


def errors_workbook(errors) -> bytes:
    """RowErrors or its items (dicts with row, column, message and optionally sheet)."""
    items = errors.items if isinstance(errors, RowErrors) else list(errors)
    sheets = any(e.get("sheet") for e in items)
    headers = (["工作表"] if sheets else []) + ["行号", "列", "原因"]
    widths = ([16] if sheets else []) + [8, 24, 90]
    rows = ([*([e.get("sheet", "")] if sheets else []), e["row"], e["column"], e["message"]] for e in items)
    return workbook_bytes([SheetSpec(title="错误报告", headers=headers, rows=rows, widths=widths)])


# ---- The cell report (issue 15): one row per defective cell, notices marked 提示 --------------------

CELL_HEADERS = ["工作表", "行号", "列", "列名", "值", "问题"]


def cell_rows(errors) -> list[list]:
    """[工作表, 行号, 列 (Excel letter), 列名, 值, 问题] for every error, then every notice (问题 starts with
    提示：). Items come from RowErrors (items and notices) or a list of dicts; a missing letter stays empty."""
    if isinstance(errors, RowErrors):
        items = [*errors.items, *errors.notices]
    else:
        items = list(errors)
    items.sort(key=lambda e: (e.get("sheet_index", 0), e.get("row") or 0, e.get("level") == "提示"))
    return [[e.get("sheet", ""), e.get("row"), e.get("letter", ""), e.get("column", ""),
             "" if e.get("value") is None else str(e.get("value")),
             ("提示：" if e.get("level") == "提示" else "") + e["message"]] for e in items]


def cell_report_workbook(errors) -> bytes:
    return workbook_bytes([SheetSpec(title="错误报告", headers=CELL_HEADERS, rows=cell_rows(errors),
                                     widths=[16, 8, 6, 24, 24, 90])])


def cell_report_csv(errors) -> bytes:
    """The same report as csv (UTF-8 with BOM, so Excel opens it in Chinese), formula-safe."""
    return csv_bytes(CELL_HEADERS, cell_rows(errors))
