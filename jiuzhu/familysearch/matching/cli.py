"""The ``jiuzhu`` console script. ``jiuzhu match-csv``: the name-and-attribute ranking over two CSV files,
with no database."""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass

import pandas as pd

from .records import CLIENT_COLUMNS, REPORT_COLUMNS, FieldError, read_client

MATCH_CSV_HELP = """\
按姓名和体貌等信息，为每名受助人员在走失登记中排出最可能的候选人，写出 client_id,rank,report_id,score。

clients.csv 的列：client_id,name,sex,estimated_age,height_cm,accent_region_code,found_date,found_region_code,features
reports.csv 的列：report_id,name,sex,birth_year,height_cm,hukou_region_code,missing_date,last_seen_region_code,features

  - 姓名可以为空、只有姓（老王、王某）、只有名、小名（小红、阿明）、读音有误或是假名；
  - 性别写“男”“女”或留空；地区代码为GB/T 2260的6位代码（省、市、县级均可）；日期写成2024-03-05；
  - 空值表示不详。文件可以是UTF-8或GBK编码。

有问题的行：全部列出（文件名、行号、列名和原因）到标准错误输出。默认不写结果、退出码为2；
加 --skip-bad 时跳过这些行、用其余的行照常排序，退出码为0。不需要数据库。
"""


@dataclass
class BadRow:
    file: str
    line: int  # line number in the file, the header being line 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} 第{self.line}行 {self.column}列：{self.reason}"


def read_csv_text(path: str) -> str:
    """The file's text: UTF-8 (with or without BOM), else GBK (read as GB18030, its superset)."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_rows(path: str, columns: tuple[str, ...]) -> tuple[list[dict], list[BadRow]]:
    """Rows as dicts of strings with their line number under ``_line``; a missing column is one bad row."""
    import io

    reader = csv.DictReader(io.StringIO(read_csv_text(path), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [BadRow(path, 1, ",".join(missing), "表头缺少这些列")]
    reader.fieldnames = header
    rows = []
    for row in reader:
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        row["_line"] = reader.line_num
        rows.append(row)
    return rows, []


def check_clients(rows: list[dict], path: str) -> tuple[list[dict], list[BadRow]]:
    good, bad, seen = [], [], set()
    for row in rows:
        try:
            if not row["client_id"]:
                raise FieldError("client_id", "client_id为空")
            if row["client_id"] in seen:
                raise FieldError("client_id", f"client_id“{row['client_id']}”重复")
            read_client(row)
        except FieldError as error:
            bad.append(BadRow(path, row["_line"], error.column, error.reason))
            continue
        seen.add(row["client_id"])
        good.append(row)
    return good, bad


def check_reports(rows: list[dict], path: str) -> tuple[list[dict], list[BadRow]]:
    from .ranking import _missing_day
    from .records import read_birth_year, read_height, read_region, read_sex

    good, bad, seen = [], [], set()
    for row in rows:
        try:
            if not row["report_id"]:
                raise FieldError("report_id", "report_id为空")
            if row["report_id"] in seen:
                raise FieldError("report_id", f"report_id“{row['report_id']}”重复")
            read_sex(row["sex"])
            read_birth_year(row["birth_year"])
            read_height(row["height_cm"])
            read_region(row["hukou_region_code"], "hukou_region_code")
            _missing_day(row["missing_date"])
            read_region(row["last_seen_region_code"], "last_seen_region_code")
        except FieldError as error:
            bad.append(BadRow(path, row["_line"], error.column, error.reason))
            continue
        seen.add(row["report_id"])
        good.append(row)
    return good, bad


def match_csv(args) -> int:
    from .ranking import ReportTable, rank_many

    client_rows, bad = read_rows(args.clients, CLIENT_COLUMNS)
    report_rows, bad_reports = read_rows(args.reports, REPORT_COLUMNS)
    bad += bad_reports
    header_broken = bool(bad)
    client_rows, bad_c = check_clients(client_rows, args.clients)
    report_rows, bad_r = check_reports(report_rows, args.reports)
    bad += bad_c + bad_r
    for item in bad:
        print(item, file=sys.stderr)
    if bad and (header_broken or not args.skip_bad):
        hint = "（表头不对）" if header_broken else "；加 --skip-bad 可跳过这些行继续"
        print(f"共{len(bad)}行有问题，未写出结果{hint}", file=sys.stderr)
        return 2
    if bad:
        print(f"已跳过{len(bad)}行有问题的记录", file=sys.stderr)
    clients = pd.DataFrame(client_rows, columns=[*CLIENT_COLUMNS])
    reports = pd.DataFrame(report_rows, columns=[*REPORT_COLUMNS])
    ranked = rank_many(clients, ReportTable(reports), args.top)
    ranked.to_csv(args.out, index=False, encoding="utf-8")
    print(f"{len(clients)}名受助人员、{len(reports)}条走失登记，写出{len(ranked)}行到{args.out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jiuzhu", description="救助平台命令行工具")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")
    match = commands.add_parser("match-csv", help="按姓名和体貌比对两份CSV文件（不需要数据库）",
                                description=MATCH_CSV_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    match.add_argument("--clients", required=True, help="受助人员文件 clients.csv")
    match.add_argument("--reports", required=True, help="走失登记文件 reports.csv")
    match.add_argument("--top", type=int, default=10, help="每人写出前几名候选（默认10）")
    match.add_argument("--out", required=True, help="结果文件 ranked.csv（UTF-8）")
    match.add_argument("--skip-bad", action="store_true", help="跳过有问题的行（仍全部列出），用其余的行继续")
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error("--top 至少为1")
    return match_csv(args)


if __name__ == "__main__":
    sys.exit(main())
