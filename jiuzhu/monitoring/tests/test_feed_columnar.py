"""The column-wise csv reader and parsers (core/tabular/columnar.py) agree with the kit's row-wise reader:
the same rows, numbered the same, footers and blank rows left out; and fall back to it when they cannot."""

import datetime as dt

import pytest

from jiuzhu.core import tabular
from jiuzhu.core.identity import _region_known, make_id_number
from jiuzhu.core.tabular import columnar
from jiuzhu.monitoring import feeds
from jiuzhu.monitoring.feeds_schema import schema_for
from jiuzhu.monitoring.tests import feed_files as ff

COLUMNS = schema_for("medical_settlement").tabular_columns()
A = make_id_number("430524", dt.date(1970, 5, 17), 21)
B = make_id_number("430524", dt.date(1980, 2, 29), 33)


def messy(encoding="gbk") -> bytes:
    header = ",".join(ff.HEADERS)
    lines = ["隆回县医疗保障局住院结算", "填报单位：医保局,,,", header, ",".join(ff.medical_row(A, "刘桂兰")), "",
             ",,,,,,,,,,,,", ",".join(ff.medical_row(B, "王五")), header, ",".join(ff.medical_row("", "赵六")),
             "合计,,,,,,,,37300.80,,,,", "制表人：张三", "审核人：李四,2026-11-01"]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def kit_rows(data: bytes) -> list[tuple[int, str]]:
    table = tabular.read_table(data, "x.csv", COLUMNS)
    return [(int(ref), record["姓名"]) for ref, record in table.records()]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_the_column_reader_reads_the_rows_the_kit_reads(encoding):
    data = messy(encoding)
    block = columnar.read_csv_columns(data, "x.csv", COLUMNS)
    assert block is not None and block.header_row == 3
    assert list(zip(block.row_numbers.tolist(), block.columns["姓名"].to_pylist(), strict=True)) == kit_rows(data)
    assert [n for n, _ in kit_rows(data)] == [4, 7, 9]
    # As Arrow read them (chunked, for the roster import): the same cells.
    chunked = columnar.read_csv_columns(data, "x.csv", COLUMNS, chunked=True)
    assert list(zip(chunked.row_numbers.tolist(), chunked.columns["姓名"].to_pylist(), strict=True)) == kit_rows(data)


@pytest.mark.parametrize("body", [
    '"刘桂兰\r\n（曾用名）",x',  # a line break inside a quoted field
    "1,2,3",  # a data row narrower than the header
])
def test_the_column_reader_leaves_odd_files_to_the_kit(body):
    data = (",".join(ff.HEADERS) + "\r\n" + ",".join(ff.medical_row(A, "甲")) + "\r\n" + body + "\r\n").encode()
    assert columnar.read_csv_columns(data, "x.csv", COLUMNS) is None


def test_a_file_the_kit_reads_gives_the_same_report(world):
    from jiuzhu.core.models import User

    clerk = User.objects.get(username="longhui_clerk")
    rows = [ff.medical_row(A, "刘桂兰"), ff.medical_row(B, "王五", admitted="2026-02-30")]
    fast = ff.csv_bytes(rows)
    slow = fast.replace("刘桂兰".encode(), '"刘桂\r\n兰"'.encode())  # a quoted line break: the kit reads it
    assert columnar.read_csv_columns(slow, "x.csv", COLUMNS) is None
    one = feeds.validate_feed(fast, "x.csv", "medical_settlement", actor=clerk)
    two = feeds.validate_feed(slow, "x.csv", "medical_settlement", actor=clerk)
    assert [(e["row"], e["column"], e["message"]) for e in one.errors] == \
        [(e["row"], e["column"], e["message"]) for e in two.errors] == [(3, "入院日期", "日期“2026-02-30”不存在")]
    # Rows are numbered as Excel shows them: the quoted line break stays inside row 2.
    assert one.accepted.column("row_number").to_pylist() == two.accepted.column("row_number").to_pylist() == [2]
    assert two.accepted.column("name").to_pylist() == ["刘桂\r\n兰"]


def test_dates_and_id_numbers_column_wise():
    dates = columnar.date_column(["2024-02-29", "2023-02-29", "2024/1/5", "20240131", "2024年13月1日", None, ""])
    assert dates.values.to_pylist() == [dt.date(2024, 2, 29), None, dt.date(2024, 1, 5), dt.date(2024, 1, 31),
                                        None, None, None]
    assert [i for i, _ in dates.errors] == [1, 4]
    old = A[:6] + A[8:17]  # the 15-digit form
    ids = columnar.id_column([A, A.lower(), old, A[:-1] + "X", "abc"], region_known=_region_known)
    assert ids.numbers.to_pylist()[:3] == [A, A, A] and ids.numbers.to_pylist()[3:] == [None, None]
    assert ids.birth_dates.to_pylist()[0] == dt.date(1970, 5, 17)
    assert [i for i, _ in ids.errors] == [3, 4]
