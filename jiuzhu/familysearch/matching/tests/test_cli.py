"""jiuzhu match-csv on small UTF-8 and GBK files; bad rows reported with line, column and reason."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from jiuzhu.familysearch.matching.cli import main
from jiuzhu.familysearch.matching.records import CLIENT_COLUMNS, REPORT_COLUMNS

REPORTS = [
    ["R1", "张建国", "男", "1960", "170", "430524", "2020-01-01", "430524", "左手缺小指，蓝色羽绒服"],
    ["R2", "刘德华", "男", "1975", "", "410100", "2019-03-05", "", ""],
    ["R3", "李晓红", "女", "1988", "158", "", "2021-07-09", "", "右脸有黑痣"],
]
CLIENTS = [
    ["C1", "张建军", "男", "61", "171", "430000", "2020-02-01", "430521", "左手缺小指"],
    ["C2", "牛德华", "男", "45", "", "", "2020-01-01", "", ""],
    ["C3", "小红", "女", "33", "", "", "2021-08-01", "", ""],
]


def write(path: Path, columns, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return str(path)


def read(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-8-sig"])
def test_match_csv_ranks_both_encodings(tmp_path, encoding):
    clients = write(tmp_path / "clients.csv", CLIENT_COLUMNS, CLIENTS, encoding)
    reports = write(tmp_path / "reports.csv", REPORT_COLUMNS, REPORTS, encoding)
    out = tmp_path / "ranked.csv"
    assert main(["match-csv", "--clients", clients, "--reports", reports, "--top", "2", "--out", str(out)]) == 0
    rows = read(out)
    assert rows[0] == ["client_id", "rank", "report_id", "score"]
    best = {r[0]: r[2] for r in rows[1:] if r[1] == "1"}
    assert best == {"C1": "R1", "C2": "R2", "C3": "R3"}
    assert all(len([r for r in rows[1:] if r[0] == c]) <= 2 for c in ("C1", "C2", "C3"))


def test_bad_rows_reported_with_line_and_reason(tmp_path, capsys):
    bad_clients = [*CLIENTS, ["C4", "王五", "男", "abc", "", "", "2020-01-01", "", ""],
                   ["C5", "赵六", "未说", "30", "", "", "2020-13-01", "", ""]]
    clients = write(tmp_path / "clients.csv", CLIENT_COLUMNS, bad_clients, "gbk")
    reports = write(tmp_path / "reports.csv", REPORT_COLUMNS,
                    [*REPORTS, ["R4", "王五", "男", "1960", "", "4305", "2020-01-01", "", ""]])
    out = tmp_path / "ranked.csv"
    args = ["match-csv", "--clients", clients, "--reports", reports, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "clients.csv 第5行 estimated_age列：估计年龄“abc”不是数字" in err
    assert "clients.csv 第6行 sex列：性别“未说”无法识别" in err  # the first problem of the row
    assert "reports.csv 第5行 hukou_region_code列：地区代码“4305”应为6位数字" in err
    assert "共3行有问题" in err
    assert not out.exists()
    # Asked to skip: the same rows are listed, the good ones ranked.
    assert main([*args, "--skip-bad"]) == 0
    err = capsys.readouterr().err
    assert "第5行" in err and "已跳过3行" in err
    assert {r[0] for r in read(out)[1:]} == {"C1", "C2", "C3"}


def test_missing_column_stops_even_with_skip_bad(tmp_path, capsys):
    clients = write(tmp_path / "clients.csv", CLIENT_COLUMNS[:-1], [c[:-1] for c in CLIENTS])
    reports = write(tmp_path / "reports.csv", REPORT_COLUMNS, REPORTS)
    out = tmp_path / "ranked.csv"
    assert main(["match-csv", "--clients", clients, "--reports", reports, "--out", str(out), "--skip-bad"]) == 2
    assert "第1行 features列：表头缺少这些列" in capsys.readouterr().err


def test_help_is_chinese_and_module_runs():
    done = subprocess.run([sys.executable, "-m", "jiuzhu.familysearch.matching.cli", "match-csv", "--help"],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[4])
    assert "--skip-bad" in done.stdout and "GBK" in done.stdout and "有问题的行" in done.stdout
