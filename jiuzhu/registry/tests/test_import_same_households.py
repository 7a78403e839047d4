"""A household whose cells repeat an accepted household's (imports._SameHouseholds) is reported and imported
exactly as the full check would: the same households, the same errors and notices at the same cells. Each
household below shares its cells with one accepted before it and differs in what the short way must still look
at (its account, its size, its head's number, a notice, member amounts)."""

import csv
import io

from jiuzhu.registry import imports
from jiuzhu.registry.tests.roster_files import pid

HEADERS = ["所属乡镇（街道）", "所属村（居）", "户主身份证号码", "家庭人口数", "保障类别", "月保障金额", "开户银行",
           "银行账号", "姓名", "身份证号码", "与户主关系"]


def household(village: str, head: int, account: str, *, size: int = 2, head_cell: str | None = None,
              amount: str = "500", members: int | None = None, amounts: tuple = ()) -> list[list[str]]:
    people = [(f"户主{head}", pid(head), "户主"), (f"配偶{head}", pid(head + 1), "配偶")][:members or size]
    rows = [["桃洪镇", village, head_cell or pid(head), str(size), "A类", amount, "农商银行", account, *person]
            for person in people]
    for row, part in zip(rows, amounts, strict=False):
        row.append(part)
    return rows


def roster(rows: list[list[str]], headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def outcome(data: bytes, persona):
    preview = imports.validate_file(data, "低保对象.csv", actor=persona("longhui_officer"))
    report = [(i["row"], i["field"], i["message"], i.get("value")) for i in preview.errors.items]
    notices = [(i["row"], i["field"], i["message"], i.get("value")) for i in preview.errors.notices]
    return preview.households, report, notices


def both_ways(data: bytes, persona, monkeypatch) -> int:
    """Validates the file with and without the short way; asserts the same outcome; returns how many households
    took the short way."""
    taken = []
    short = imports._SameHouseholds.household

    def counted(self, group, key):
        found = short(self, group, key)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(imports._SameHouseholds, "household", counted)
    quick = outcome(data, persona)
    monkeypatch.setattr(imports._SameHouseholds, "household", lambda self, group, key: None)
    full = outcome(data, persona)
    assert quick == full
    return sum(taken)


def test_households_repeating_accepted_cells_get_every_error_and_notice_the_full_check_gives(persona, monkeypatch):
    rows = [
        *household("红星社区", 10, "6214830000000010"),  # accepted: its cells are remembered
        *household("红星社区", 20, "6214830000000020"),  # the same cells: the short way
        *household("红星社区", 30, "6214 8300 0000 0030"),  # an account to clean: the full way cleans it
        *household("红星社区", 40, "12ab5678"),  # an account that is no account
        *household("红星社区", 50, "6214830000000050", members=1),  # 家庭人口 2, one member row
        *household("红星社区", 60, "6214830000000060", head_cell=pid(99)),  # the head column names someone else
        *household("红星社区", 70, ""),  # no account: cells of their own, accepted
        *household("红星社区", 80, ""),
        *household("新民社区", 110, "   "),  # an account cell of spaces: accepted without an account
        *household("新民社区", 120, "12ab5678"),  # the same cells, but an account to check
        *household("新民社区", 130, "6214830000000130", amount="５００"),  # full-width: a notice each time
        *household("新民社区", 140, "6214830000000140", amount="５００"),
    ]
    assert both_ways(roster(rows), persona, monkeypatch) >= 2
    households, report, notices = outcome(roster(rows), persona)
    messages = " ".join(message for _, _, message, _ in report)
    assert "银行账号应为 6 至 30 位数字" in messages and "家庭人口填 2 人" in messages
    assert "户主身份证号码与户主" in messages or "没有身份证号码为" in messages
    assert len(notices) == 2
    assert "621483000000" + "0030" in {h.bank_account for h in households}


def test_member_amounts_are_always_added_up_the_full_way(persona, monkeypatch):
    headers = [*HEADERS, "个人月保障金额"]
    rows = [*household("红星社区", 10, "6214830000000010", amounts=("250", "250")),
            *household("红星社区", 20, "6214830000000020", amounts=("200", "200"))]  # 400, not 500
    both_ways(roster(rows, headers), persona, monkeypatch)
    _, report, _ = outcome(roster(rows, headers), persona)
    assert any("不等于成员个人金额之和" in message for _, _, message, _ in report)
