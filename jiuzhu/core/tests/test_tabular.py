"""The tabular import kit with real files built here: xlsx written with openpyxl, or by hand with zipfile for
the crafted ones; csv in GBK and UTF-8; parquet. Every refused file is a FileRejected (a DomainError: a
Chinese message, never a server error)."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from jiuzhu.core import exports, tabular
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.tabular import CellError, Columns, Field, FileRejected, UploadStore, parse_rows, read_table

# A department feed's columns, as a consumer of the kit describes them.
FEED = Columns(labels={"id_number": "身份证号码", "name": "姓名", "amount": "金额", "paid_on": "发放日期",
                       "months": "月数", "kind": "类别"},
               synonyms={"id_number": ["公民身份号码", "证件号码"], "name": ["姓名"], "amount": ["发放金额"]},
               required=("id_number", "name"), min_known=2)
KINDS = {"低保": "dibao", "特困": "tekun"}
FIELDS = [Field("id_number", tabular.parse_id_number, required=True), Field("name", tabular.parse_text, required=True),
          Field("amount", tabular.parse_decimal), Field("paid_on", tabular.parse_date),
          Field("months", tabular.parse_integer), Field("kind", lambda v: tabular.parse_choice(v, KINDS))]


def pid(seq: int, born=dt.date(1975, 4, 9)) -> str:
    return make_id_number("430524", born, seq)


def book(rows, *, title=None, sheets=None, merges=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    for row in rows:
        exports.append_row(ws, row)  # text stays text, even "=HYPERLINK(…)"
    for ref in merges:
        ws.merge_cells(ref)
    for name, extra in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra:
            other.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(data: bytes, sheet_xml, *, extra: dict | None = None) -> bytes:
    """The workbook with its first sheet's XML changed by hand (crafted files)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml(content.decode()).encode()
            target.writestr(item.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


PLAIN = [["姓名", "身份证号码", "金额"], ["王大山", pid(101), 1200], ["刘桂兰", pid(102), 800.5]]


# ---- Reading -------------------------------------------------------------------------------------

def test_xlsx_title_merged_cells_summary_and_signature_rows():
    rows = [["隆回县2024年1月低保金发放表"], ["填报单位：隆回县民政局"],
            ["姓名", "身份证号码", "发放金额", "类别"],
            ["王大山", pid(101), 1200, "低保"], ["刘桂兰", pid(102), 800, None],
            ["合计", None, 2000, None], ["制表人：李四", None, "审核人：张三", None], ["注：本表一式两份"]]
    data = book(rows, merges=["D4:D5"])
    table = read_table(data, "发放表.xlsx", FEED)
    assert (table.kind, table.header_row, table.headers) == ("xlsx", 3, ["姓名", "身份证号码", "发放金额", "类别"])
    records = list(table.records())
    assert [int(r) for r, _ in records] == [4, 5]  # 合计, 制表人 and 注 rows left out
    assert records[1][1]["类别"] == "低保"  # merged D4:D5 read as filled
    assert table.footer_rows == 3


def test_every_sheet_is_read_and_rows_name_their_sheet():
    data = book([["姓名", "身份证号码"], ["王大山", pid(101)]],
                sheets={"填写说明": [["本表为示例"]],
                        "小沙江镇": [["标题"], ["姓名", "身份证号码"], ["赵春生", pid(105)]]})
    table = read_table(data, "a.xlsx", FEED)
    assert [s.name for s in table.sheets] == ["Sheet", "小沙江镇"] and table.skipped_sheets == ["填写说明"]
    records = list(table.records())
    assert [(r.sheet, int(r), v["姓名"]) for r, v in records] == [("Sheet", 2, "王大山"), ("小沙江镇", 3, "赵春生")]
    assert tabular.row_label(records[1][0]) == "工作表“小沙江镇”第3行"


def _chunks(data: bytes, *, columnar: bool):
    table = read_table(data, "a.xlsx", FEED)
    if not columnar:
        for sheet in table.sheets:
            sheet.xlsx_source = None  # the row-by-row reading (fill_merged, _rows_for_fields)
    mapping = FEED.detect_mapping(table.headers)
    fields = list(dict.fromkeys(mapping.values()))
    out = [(sheet.name, [(int(r), r.sheet) for r in refs], dict(zip(fields, columns, strict=True)))
           for sheet, refs, columns in table.field_chunks(fields, mapping, size=3)]
    return out, table.footer_rows


def test_xlsx_read_column_wise_gives_the_cells_rows_and_footers_read_row_by_row(monkeypatch):
    """field_chunks reads an xlsx column-wise (merged cells filled per column with numpy, footers judged per
    distinct first cell): the same rows, numbers and cells as row by row."""
    rows = [["姓名", "身份证号码", "发放金额", "类别", "月数"],
            ["王大山", pid(101), 1200, "低保", 3], [None, pid(102), None, None, 3.0],
            [None, None, None, None, None],  # blank: left out, not a footer
            ["刘桂兰", pid(103), 800, "特困", None], ["赵春生", pid(104), None, None, None],
            [None, "制表人：李四", None, None, None],  # empty first cell: its first filled cell decides
            [None, pid(105), 600, "低保", 1],  # empty first cell, a data row
            ["姓名", "身份证号码", "发放金额", "类别", "月数"],  # the header again (a printed page)
            ["孙小红", pid(106), 500, "低保", 2], ["合计", None, 3100, None, None]]
    data = book(rows, merges=["A2:A3", "C2:C3", "D2:D3", "C5:C6", "D5:D6"],
                sheets={"小沙江镇": [["姓名", "身份证号码", "发放金额"], ["钱七", pid(107), 300]]})
    used = []
    original = tabular.reader.Sheet._column_chunks
    monkeypatch.setattr(tabular.reader.Sheet, "_column_chunks",
                        lambda self, *a, **k: used.append(self.name) or original(self, *a, **k))
    fast = _chunks(data, columnar=True)
    assert used == ["Sheet", "小沙江镇"]
    slow = _chunks(data, columnar=False)
    assert fast == slow
    chunks, footers = fast
    assert footers == 3  # 制表人, the repeated header, 合计
    numbers = [n for _, refs, _ in chunks for n, _ in refs]
    assert numbers == [2, 3, 5, 6, 8, 10, 2]
    names = [v for _, _, columns in chunks for v in columns["name"]]
    assert names == ["王大山", "王大山", "刘桂兰", "赵春生", "", "孙小红", "钱七"]  # A2:A3 filled
    assert chunks[0][1][1] == (3, "Sheet") and chunks[-1][1] == [(2, "小沙江镇")]
    amounts = [v for _, _, columns in chunks for v in columns["amount"]]
    assert amounts[:4] == [1200, 1200, 800, 800]  # C2:C3 and C5:C6 filled


def test_csv_read_column_wise_gives_the_cells_read_row_by_row_few_distinct_values_shared():
    # Columns of few distinct values (类别, 金额) become Python text once per value (Arrow's dictionary), the
    # others cell by cell: the same cells either way, chunk after chunk.
    lines = ["证件号码,姓名,发放金额,类别,月数"] + [
        f"{pid(200 + i)},人员{i},{(300, 450)[i % 2]},{'低保' if i % 3 else ''}," for i in range(48)]
    data = "\n".join(lines).encode("utf-8")

    def chunks(columnar):
        table = read_table(data, "a.csv", FEED)
        if not columnar:
            table.sheets[0].csv_source = None  # the row-by-row reading
        mapping = FEED.detect_mapping(table.headers)
        fields = list(dict.fromkeys(mapping.values()))
        return [([int(r) for r in refs], dict(zip(fields, columns, strict=True)))
                for _, refs, columns in table.field_chunks(fields, mapping, size=16)]

    fast, slow = chunks(True), chunks(False)
    assert fast == slow and [n for refs, _ in fast for n in refs] == list(range(2, 50))
    kinds = [v for _, columns in fast for v in columns["kind"]]
    assert kinds[1] == "低保" and all(v is kinds[1] for v in kinds if v)  # one object across chunks
    assert [v for _, columns in fast for v in columns["name"]][:2] == ["人员0", "人员1"]


def test_xlsx_merged_over_rows_and_columns_is_read_row_by_row():
    rows = [["姓名", "身份证号码", "发放金额", "类别"], ["王大山", pid(101), 1200, "低保"],
            ["刘桂兰", pid(102), None, None]]
    data = book(rows, merges=["C2:D3"])  # a block: filled as fill_merged fills it
    assert _chunks(data, columnar=True) == _chunks(data, columnar=False)
    chunks, _ = _chunks(data, columnar=True)
    assert chunks[0][2]["amount"] == chunks[0][2]["kind"] == [1200, 1200]  # the top-left cell over the block


def test_a_long_sheet_with_merged_cells_reads_alike_both_ways():
    """Past the first rows the row-by-row filling builds its table of ranges (_RangeStarts): every merged
    cell of a long sheet is filled, read row by row or column-wise."""
    rows = [["姓名", "身份证号码"]]
    merges = []
    for i in range(70):  # 210 data rows, the name merged down over three
        rows += [[f"户{i}", pid(i * 3 + 1)], [None, pid(i * 3 + 2)], [None, pid(i * 3 + 3)]]
        merges.append(f"A{2 + i * 3}:A{4 + i * 3}")
    data = book(rows, merges=merges)
    for columnar in (True, False):
        chunks, _ = _chunks(data, columnar=columnar)
        names = [v for _, _, columns in chunks for v in columns["name"]]
        assert names == [f"户{i // 3}" for i in range(210)]


def test_texts_of_a_column_are_text_of_each_cell():
    cells = [" 王大山 ", "刘\u3000桂兰", "户主", None, 1.0, 3, 2.5, "", "\u3000", "a\tb", dt.date(2024, 1, 31)]
    for column in (cells, cells * 40, [f"{i:018d}" for i in range(100)] + cells):  # few distinct, all distinct
        assert tabular.texts(column) == [tabular.text(v) for v in column]


def test_a_sheet_starting_right_of_column_a_keeps_its_columns():
    wb = Workbook()
    ws = wb.active
    ws["C3"], ws["D3"], ws["C4"], ws["D4"] = "姓名", "身份证号码", "王大山", pid(101)
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), "a.xlsx", FEED)
    assert table.header_row == 3 and table.headers == ["第A列", "第B列", "姓名", "身份证号码"]
    assert [(int(r), v["姓名"], v["身份证号码"]) for r, v in table.records()] == [(4, "王大山", pid(101))]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_or_utf8(encoding):
    text = "证件号码,姓名,金额\n" + f"{pid(101)},王大山,1200\n{pid(102)},刘桂兰,800\n"
    table = read_table(text.encode(encoding), "a.csv", FEED)
    assert table.kind == "csv" and [v["姓名"] for _, v in table.records()] == ["王大山", "刘桂兰"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_a_signature_line_of_a_gbk_csv_is_left_out_column_wise_without_a_decoding_error(encoding, monkeypatch):
    # Arrow hands the short signature line to its invalid-row callback as UTF-8 text: a GBK body read as UTF-8
    # raised there, an error Python only printed ("Exception ignored"), before the file was read as GB18030.
    import sys

    from jiuzhu.core.tabular.columnar import read_csv_columns

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    text = f"证件号码,姓名,金额\n{pid(101)},王大山,1200\n{pid(102)},刘桂兰,800\n制表人：张红\n"
    block = read_csv_columns(text.encode(encoding), "a.csv", FEED)
    assert block is not None and block.columns["姓名"].to_pylist() == ["王大山", "刘桂兰"]
    assert block.footer_rows == 1 and block.row_numbers.tolist() == [2, 3]
    assert unraisable == []


def test_parquet():
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table({"姓名": ["王大山"], "身份证号码": [pid(101)]}), out)
    table = read_table(out.getvalue(), "a.parquet", FEED)
    assert [(int(r), v) for r, v in table.records()] == [(2, {"姓名": "王大山", "身份证号码": pid(101)})]


# ---- Limits: each a clean Chinese refusal, before parsing --------------------------------------

def test_upload_size_limit(settings):
    settings.TABULAR_MAX_UPLOAD_BYTES = 1024 * 1024
    with pytest.raises(FileRejected, match="超过了 1 MB 的上限"):
        tabular.read_bytes(b"x" * (1024 * 1024 + 1))
    assert tabular.read_bytes(b"x" * 1024 * 1024) == b"x" * 1024 * 1024
    with pytest.raises(FileRejected, match="文件大小为 2 MB"):
        tabular.check_upload_size(2 * 1024 * 1024)


def test_xlsx_expanding_past_the_limit_is_refused_before_parsing(settings, monkeypatch):
    settings.TABULAR_MAX_EXPANDED_BYTES = 1024 * 1024
    # 2 MB of padding that compresses to a few kilobytes.
    data = rewrite(book(PLAIN), lambda xml: xml.replace("</sheetData>", "</sheetData>" + " " * (2 * 1024 * 1024)))
    assert len(data) < 100_000
    monkeypatch.setattr("python_calamine.CalamineWorkbook.from_filelike", _never)
    with pytest.raises(FileRejected, match="解压后有 2 MB，超过了 1 MB 的上限"):
        read_table(data, "a.xlsx", FEED)


def test_xlsx_with_an_abnormal_compression_ratio_is_refused(settings):
    settings.TABULAR_MAX_EXPANSION_RATIO = 100
    data = rewrite(book(PLAIN), lambda xml: xml.replace("</sheetData>", "</sheetData>" + " " * (12 * 1024 * 1024)))
    with pytest.raises(FileRejected, match="压缩比异常"):
        read_table(data, "a.xlsx", FEED)
    settings.TABULAR_MAX_EXPANSION_RATIO = 100_000
    assert [v["姓名"] for _, v in read_table(data, "a.xlsx", FEED).records()] == ["王大山", "刘桂兰"]


def test_a_part_lying_about_its_size_is_refused():
    data = bytearray(book(PLAIN))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/styles.xml")
    # Declare a part smaller than it is (a bomb hiding its size): Python's zipfile stops at the declared size
    # and the CRC fails. Every part is read through, not only the sheets.
    central = bytes(data).rfind(b"xl/styles.xml") - 46
    assert data[central:central + 4] == b"PK\x01\x02"
    data[central + 24:central + 28] = (info.file_size // 2).to_bytes(4, "little")
    with pytest.raises(FileRejected, match="已损坏或已加密"):
        read_table(bytes(data), "a.xlsx", FEED)


def _never(*args, **kwargs):
    raise AssertionError("calamine must not see a refused file")


@pytest.mark.parametrize(("change", "reason"), [
    (lambda x: x.replace('r="B2"', 'r="ZZZZZ99"'), "无效的单元格位置“ZZZZZ99”"),
    (lambda x: x.replace('r="B2"', 'r="B0"'), "无效的单元格位置“B0”"),
    (lambda x: x.replace(' r="B2"', " r='ZZZZZ99'"), "无效的单元格位置“ZZZZZ99”"),
    (lambda x: x.replace('r="B2"', 'r="XFD1048576"'), "数据区域过大（约 1048576 行 × 16384 列）"),
    (lambda x: x.replace(' r="B2"', '\tr="XFD1048576"'), "数据区域过大"),
    # A far row, then 5,000 cells without a reference: calamine would place them side by side.
    (lambda x: x.replace('<row r="3">', '<row r="900000">').replace(' r="A3"', "").replace(' r="B3"', "")
     .replace(' r="C3"', "").replace("</row></sheetData>", '<c t="n"><v>1</v></c>' * 5000 + "</row></sheetData>"),
     "数据区域过大"),
])
def test_crafted_cell_positions_are_refused_before_calamine(change, reason, monkeypatch):
    """calamine allocates a sheet's whole area and aborts the process when it cannot (ZZZZZ99 asks for
    39 GB): such a file must never reach it."""
    data = rewrite(book(PLAIN), change)
    monkeypatch.setattr("python_calamine.CalamineWorkbook.from_filelike", _never)
    with pytest.raises(FileRejected, match=reason):
        read_table(data, "a.xlsx", FEED)


def test_a_number_cell_holding_text_names_the_cell():
    data = rewrite(book(PLAIN), lambda x: x.replace("<v>1200</v>", "<v>abc</v>"))
    with pytest.raises(FileRejected, match="单元格 C2 标为数字，内容却是“abc”"):
        list(read_table(data, "a.xlsx", FEED).records())


def test_a_csv_field_over_the_limit_is_a_row_error_not_a_crash():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["身份证号码", "姓名", "金额"])
    writer.writerow([pid(101), "王大山", "1200"])
    writer.writerow([pid(102), "刘" * 131_073, "800"])
    writer.writerow([pid(103, dt.date(1980, 1, 1)), "赵春生", "600"])
    result = parse_rows(read_table(out.getvalue().encode("gbk"), "a.csv", FEED), FEED, FIELDS, partial=True)
    assert result.errors.lines() == ["第3行 姓名：内容过长（131073 个字符，最多 131072 个）"]
    assert [v["name"] for _, v in result.rows] == ["王大山", "赵春生"]  # the rows after it were read


def test_old_xls_and_damaged_files():
    with pytest.raises(FileRejected, match="旧版Excel"):
        read_table(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "a.xls", FEED)
    with pytest.raises(FileRejected, match="不是有效的Excel文件"):
        read_table(b"PK\x03\x04garbage", "a.xlsx", FEED)
    with pytest.raises(FileRejected, match="未找到表头"):
        read_table("甲,乙\n1,2\n".encode(), "a.csv", FEED)


# ---- Cells ---------------------------------------------------------------------------------------

def test_typed_parsers_accept_office_spellings_and_refuse_in_chinese():
    assert tabular.parse_integer(3.0) == 3 and tabular.parse_integer("1,200") == 1200
    assert tabular.parse_integer("3人") == 3 and tabular.parse_integer("") is None
    assert tabular.parse_decimal("￥1,200.50元") == Decimal("1200.50")
    assert tabular.parse_decimal(800.5) == Decimal("800.50")
    assert tabular.parse_date("2024年1月31日") == dt.date(2024, 1, 31) == tabular.parse_date("20240131")
    assert tabular.parse_date("2024-01-31 00:00:00") == dt.date(2024, 1, 31)
    assert tabular.parse_choice("特困", KINDS) == "tekun" and tabular.parse_bool("是") is True
    assert tabular.parse_id_number(pid(101).lower()) == pid(101)
    for parse, value, message in [
        (tabular.parse_integer, "abc", "“abc”不是整数"), (tabular.parse_integer, 2.5, "“2.5”不是整数"),
        (tabular.parse_decimal, "十元", "“十元”不是数字"), (tabular.parse_decimal, "1.234", "最多保留 2 位小数"),
        (tabular.parse_date, "2024-02-30", "日期“2024-02-30”不存在"), (tabular.parse_date, "下月", "无法识别"),
        (lambda v: tabular.parse_choice(v, KINDS), "五保", "“五保”不是有效取值，可填：低保、特困"),
        (tabular.parse_bool, "也许", "应填“是”或“否”"), (tabular.parse_id_number, 4.30524197504091e17, "Excel"),
        (lambda v: tabular.parse_decimal(v, minimum=0), "-1", "不能小于 0"),
    ]:
        with pytest.raises(CellError) as exc:
            parse(value)
        assert message in exc.value.message, (value, exc.value.message)


# ---- Row-per-record parsing: all or nothing, or partial ------------------------------------------

def _feed_file():
    return book([["证件号码", "姓名", "发放金额", "发放日期", "月数", "类别"],
                 [pid(101), "王大山", "1,200", "2024-01-31", 1, "低保"],
                 [pid(102)[:-1] + "0" if pid(102)[-1] != "0" else pid(102)[:-1] + "1", "刘桂兰", 800, None, None, None],
                 [pid(103, dt.date(1980, 1, 1)), "赵春生", "八百", "2024-02-30", "abc", "五保"],
                 [pid(104, dt.date(1981, 1, 1)), '=HYPERLINK("http://x","y")', 600, None, 2, "特困"]])


def test_all_or_nothing_by_default():
    result = parse_rows(read_table(_feed_file(), "a.xlsx", FEED), FEED, FIELDS)
    assert not result.ok and result.rows == [] and result.read == 4
    assert result.errors.lines() == [
        "第3行 证件号码：身份证号码校验位错误（应为3，实为0），请核对号码是否抄错",
        "第4行 发放金额：“八百”不是数字", "第4行 发放日期：日期“2024-02-30”不存在", "第4行 月数：“abc”不是整数",
        "第4行 类别：“五保”不是有效取值，可填：低保、特困"]
    assert result.errors.as_api_errors()[1] == {"path": "第4行.发放金额", "message": "“八百”不是数字"}


def test_partial_accepts_the_good_rows_and_offers_the_bad_ones():
    result = parse_rows(read_table(_feed_file(), "a.xlsx", FEED), FEED, FIELDS, partial=True)
    assert result.ok
    assert [(int(r), v["name"], v["amount"], v["kind"]) for r, v in result.rows] == [
        (2, "王大山", Decimal("1200.00"), "dibao"), (5, '=HYPERLINK("http://x","y")', Decimal("600.00"), "tekun")]
    assert [int(r.row) for r in result.rejected] == [3, 4]
    sheet = load_workbook(io.BytesIO(result.rejected_workbook())).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["行号", "证件号码", "姓名", "发放金额", "发放日期", "月数", "类别", "错误原因"]
    assert rows[2][:3] == [4, pid(103, dt.date(1980, 1, 1)), "赵春生"]
    assert rows[2][7] == ("发放金额：“八百”不是数字；发放日期：日期“2024-02-30”不存在；月数：“abc”不是整数；"
                          "类别：“五保”不是有效取值，可填：低保、特困")


def test_a_missing_required_column_refuses_the_whole_file_even_when_partial():
    data = book([["证件号码", "发放金额"], [pid(101), 5]])
    result = parse_rows(read_table(data, "a.xlsx", Columns(FEED.labels, FEED.synonyms, min_known=2)), FEED, FIELDS,
                        partial=True)
    assert not result.ok and result.rows == []
    assert result.errors.lines() == ["第1行 姓名：文件中没有“姓名”列，请在列对应关系中指定或补充该列"]


# ---- Writing: formula-safe workbooks and CSV (finding 10) ----------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'


def test_error_report_writes_a_formula_looking_header_and_name_as_text():
    report = tabular.errors_workbook([{"row": 3, "column": FORMULA, "message": f"{FORMULA}（43052…）已登记"}])
    sheet = load_workbook(io.BytesIO(report)).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "原因"]
    assert (sheet["B2"].value, sheet["B2"].data_type) == (FORMULA, "s")
    assert (sheet["C2"].data_type, sheet["A2"].value) == ("s", 3)
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(report)).read("xl/worksheets/sheet1.xml")


def test_every_exported_cell_and_header_stays_text():
    data = exports.workbook_bytes([exports.SheetSpec("名单", [FORMULA, "金额"], [["=1+1", 5], ["@SUM(A1)", -3]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [(c.value, c.data_type) for row in sheet.iter_rows() for c in row] == [
        (FORMULA, "s"), ("金额", "s"), ("=1+1", "s"), (5, "n"), ("@SUM(A1)", "s"), (-3, "n")]
    wb = Workbook()
    exports.append_row(wb.active, [FORMULA, 1])
    out = io.BytesIO()
    wb.save(out)
    cell = load_workbook(io.BytesIO(out.getvalue())).active["A1"]
    assert (cell.value, cell.data_type) == (FORMULA, "s")


def test_csv_cells_starting_a_formula_are_guarded():
    text = exports.csv_bytes([FORMULA, "b"], [["+86 138", -5, "@x", "-1", "ok", "\t=1"]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [[f"'{FORMULA}", "b"], ["'+86 138", "-5", "'@x", "'-1", "ok",
                                                                         "'\t=1"]]


def test_csv_of_text_columns_is_csv_bytes_byte_for_byte():
    import pyarrow as pa

    rows = [["1", "a,b", "=x", 'q"r', None], ["2", "中文", "-3", "line\nbreak", "@"], ["3", "", " +", "x\r", "\tz"]]
    columns = [pa.array([r[i] for r in rows], pa.string()) for i in range(5)]
    assert exports.csv_bytes_columns(list("abcde"), columns) == exports.csv_bytes(list("abcde"), rows)
    assert exports.csv_bytes_columns(["a"], [pa.array([], pa.string())]) == exports.csv_bytes(["a"], [])


# ---- The upload store ----------------------------------------------------------------------------

@pytest.fixture
def store(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return UploadStore("feeds")


def test_uploads_are_sealed_owned_and_purged_after_a_day(store, persona, tmp_path):
    officer, other = persona("longhui_officer"), persona("dongkou_officer")
    upload = store.save(owner=officer, filename="../../低保.csv", data=f"{pid(101)},王大山".encode())
    files = sorted(p.name for p in (tmp_path / "uploads" / "feeds").iterdir())
    assert files == [f"{upload.id}.bin", f"{upload.id}.json"] and upload.filename == "低保.csv"
    assert pid(101).encode() not in (tmp_path / "uploads" / "feeds" / f"{upload.id}.bin").read_bytes()
    assert store.get(upload.id, owner=officer).data() == f"{pid(101)},王大山".encode()
    from django.http import Http404

    for upload_id, owner in [(upload.id, other), ("../../etc", officer), ("x" * 30, officer)]:
        with pytest.raises(Http404):
            store.get(upload_id, owner=owner)
    assert tabular.purge_stale_uploads() == 0
    assert tabular.purge_stale_uploads(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not list((tmp_path / "uploads" / "feeds").iterdir())


def test_the_preview_is_cached_sealed_and_dropped_when_the_mapping_changes(store, persona, tmp_path):
    officer = persona("longhui_officer")
    upload = store.save(owner=officer, filename="a.csv", data=b"x")
    assert upload.load_preview() is None
    upload.save_preview({"errors": [{"row": 3, "message": f"王大山 {pid(101)}"}]})
    assert b"\xe7\x8e\x8b" not in (tmp_path / "uploads" / "feeds" / f"{upload.id}.preview").read_bytes()
    again = store.get(upload.id, owner=officer)
    assert again.load_preview() == {"errors": [{"row": 3, "message": f"王大山 {pid(101)}"}]}
    again.set_mapping({"证件": "id_number"})
    assert again.load_preview() is None and store.get(upload.id, owner=officer).mapping == {"证件": "id_number"}


def test_saved_mappings_are_applied_to_the_next_file(store, persona):
    officer = persona("longhui_officer")
    headers = ["证件", "姓名", "发放金额", "备注"]
    detected = FEED.detect_mapping(headers)
    assert detected == {"姓名": "name", "发放金额": "amount"}
    store.remember_mapping(officer, {"证件": "id_number", "姓名": "name"}, detected)
    saved = store.saved_mapping(officer)
    assert saved == {"证件": "id_number", "发放金额": ""}
    assert FEED.detect_mapping(["*证件 ", "姓名", "发放金额"], saved) == {"*证件 ": "id_number", "姓名": "name"}
    assert store.saved_mapping(persona("dongkou_officer")) == {}


# ---- Region names in the user's county -----------------------------------------------------------

def test_region_names_resolve_to_codes_in_the_users_county(persona):
    from jiuzhu.core.tabular.regions import RegionResolver

    resolver = RegionResolver(persona("longhui_window"))  # a township user: the whole county is searched
    assert resolver.code_for("红星社区") == "430524100200"  # 洞口县 has a 红星社区 too, outside this county
    assert resolver.code_for("小沙江镇 白竹村") == resolver.code_for("隆回县小沙江镇白竹村") == "430524101200"
    assert resolver.code_for("430524100200") == "430524100200" and resolver.code_for(None) == ""
    with pytest.raises(CellError, match=r"“田心村”在您的辖区内有 [2-9] 处（湖南省邵阳市隆回县.*田心村.*），请写明乡镇"):
        resolver.code_for("田心村")
    with pytest.raises(CellError, match="“洞口镇红星社区”不是您辖区内的乡镇或村（社区）"):
        resolver.code_for("洞口镇红星社区")
    assert RegionResolver(persona("dongkou_officer")).code_for("红星社区") == "430525100200"


def test_stale_uploads_are_purged_by_a_periodic_task(store, persona):
    from jiuzhu.core.management.commands.run_periodic import periodic_jobs
    from jiuzhu.core.tabular.tasks import purge_uploads

    assert ("jiuzhu.core.tabular.tasks.purge_uploads", purge_uploads, 3600.0) in periodic_jobs()
    store.save(owner=persona("longhui_officer"), filename="a.csv", data=b"x")
    assert purge_uploads.call() == 0
