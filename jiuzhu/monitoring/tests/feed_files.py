"""Feed files for tests and the benchmark: a medical-settlement csv in the template's columns."""

from __future__ import annotations

import datetime as dt

from jiuzhu.core.identity import make_id_number

HEADERS = ["身份证号码", "姓名", "出生日期", "所在地区代码", "入院日期", "出院日期", "结算日期", "医疗机构",
           "医疗总费用", "基本医保支付", "大病保险支付", "医疗救助支付", "个人自付"]


def medical_row(id_number: str, name: str, *, born="", region="430524100200", admitted="2026-10-02",
                settled="2026-10-08", total="18650.40", own="4850.40") -> list[str]:
    return [id_number, name, born, region, admitted, "2026-10-08", settled, "隆回县人民医院", total, "10200.00",
            "2100.00", "1500.00", own]


def csv_bytes(rows: list[list[str]], *, encoding="utf-8-sig", title: str | None = None) -> bytes:
    lines = ([title] if title else []) + [",".join(HEADERS)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def good_rows(count: int, *, start: int = 0, region="430524") -> list[list[str]]:
    rows = []
    for i in range(start, start + count):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=i % 20000)
        rows.append(medical_row(make_id_number(region, born, i % 1000), f"测试{i % 97}号",
                                total=f"{1000 + i % 5000}.50", own=f"{200 + i % 900}.10"))
    return rows
