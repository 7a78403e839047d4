"""The tabular import kit: every import of a file (the registry's rosters, departments' feeds, payment
files) reads, recognises, checks and reports through here. Knows no domain app.

- reader.py   xlsx (python-calamine: every sheet, merged cells), csv (GBK/GB18030 or UTF-8 with BOM), parquet;
              title rows above the header, summary (合计) and signature rows below are left out
- regions.py  region names (桃洪镇红星社区) resolved to codes in the user's county
- headers.py  `Columns`: labels and synonyms of a consumer's fields; the header row; saved mappings applied
- cells.py    typed parsers (text, integer, decimal, date, choice, yes/no, ID number) and RowErrors
              ("第3行 身份证号码：…")
- limits.py   size, zip expansion and cell-position limits, checked before parsing (settings TABULAR_*)
- store.py    the encrypted upload store, the cached preview, saved column mappings; purge after 24 h
- rows.py     row-per-record parsing, all or nothing or `partial=True` (bad rows downloadable)
- upload.py   a page's upload step: the posted file checked (present, suffix, size before reading), read once,
              handed to the page's own step (store for the check page, or write the batch)
- report.py   the error report workbook, through core/exports (formula-safe); the cell report (工作表, 行号,
              列 letter, 列名, 值, 问题; notices marked 提示) as xlsx or csv
"""

from jiuzhu.core.tabular.cells import (
    CellError,
    RowErrors,
    choice_table,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_id_number,
    parse_integer,
    parse_text,
    row_label,
    text,
    texts,
)
from jiuzhu.core.tabular.headers import Columns, normalize_header
from jiuzhu.core.tabular.limits import FileRejected, check_upload_size
from jiuzhu.core.tabular.reader import RowRef, Sheet, Table, file_kind, read_bytes, read_table
from jiuzhu.core.tabular.report import cell_report_csv, cell_report_workbook, errors_workbook
from jiuzhu.core.tabular.rows import Field, ParsedRows, parse_rows
from jiuzhu.core.tabular.store import NamedMappings, Upload, UploadStore, purge_stale_uploads
from jiuzhu.core.tabular.upload import PostedFile, posted_file, upload_step

__all__ = [
    "CellError",
    "Columns",
    "Field",
    "FileRejected",
    "NamedMappings",
    "ParsedRows",
    "PostedFile",
    "RowErrors",
    "RowRef",
    "Sheet",
    "Table",
    "Upload",
    "UploadStore",
    "cell_report_csv",
    "cell_report_workbook",
    "check_upload_size",
    "choice_table",
    "errors_workbook",
    "file_kind",
    "normalize_header",
    "parse_bool",
    "parse_choice",
    "parse_date",
    "parse_decimal",
    "parse_id_number",
    "parse_integer",
    "parse_rows",
    "parse_text",
    "posted_file",
    "purge_stale_uploads",
    "read_bytes",
    "read_table",
    "row_label",
    "text",
    "texts",
    "upload_step",
]
