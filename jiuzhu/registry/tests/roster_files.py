"""Test generator: the rosters offices already have, clean or with one defect of each kind placed at a
known cell (issue 15). Three layouts:

- ``dibao_roster``: the national system's 低保 roster: a title row and a 填报单位 row above a two-row header
  (家庭成员信息 merged over 成员姓名…, 残疾情况 over 类别 and 等级), household columns merged down over each
  household's member rows, a 合计 row and a merged signature row below;
- ``tekun_workbook``: the 特困 workbook, one person a row, two sheets (集中供养, 分散供养) and an instructions sheet;
- ``legacy_csv``: an old county system's GBK csv, household columns repeated on every member row.

Each returns a ``Roster``: the bytes, a filename, and ``defects``: (sheet, row, column letter, what the report
must say there). Only the standard library and openpyxl: a file is made the way Excel would save it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from jiuzhu.core.identity import make_id_number


@dataclass
class Defect:
    sheet: str
    row: int
    letter: str
    fragment: str  # a part of the report's 问题 for that cell
    kind: str


@dataclass
class Roster:
    data: bytes
    filename: str
    defects: list[Defect] = field(default_factory=list)
    notices: list[Defect] = field(default_factory=list)
    households: int = 0
    persons: int = 0


def pid(seq: int, born=dt.date(1975, 4, 9), region="430524") -> str:
    return make_id_number(region, born, seq)


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- 低保 roster of the national system ---------------------------------------------------------

DIBAO_TOP = ["序号", "所属乡镇（街道）", "所属村（居）", "户主姓名", "户主身份证号码", "家庭人口数", "保障人数",
             "保障类别", "月保障金额", "家庭成员信息", None, None, None, None, None, None, "残疾情况", None,
             "开户银行", "银行账号"]
DIBAO_SUB = [None] * 9 + ["成员姓名", "与户主关系", "成员身份证号码", "性别", "民族", "出生日期", "劳动能力", "类别",
                          "等级", None, None]
HOUSEHOLD_COLS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 19, 20]  # merged down over the household's rows (1-based)


def _dibao_households(dirty: bool):
    """[(household values, [member values])]; member: name, relation, id, sex, ethnicity, birth, labour,
    disability kind, grade."""
    hh = []
    # 1: 桃洪镇 红星社区, three persons, class A, 1,200 a month (standard 780 urban × 3 = 2,340).
    hh.append(({"town": "桃洪镇", "village": "红星社区", "head": "王大山", "head_id": pid(101), "size": 3,
                "covered": 3, "class": "A类", "amount": 1200, "bank": "隆回县农商银行", "account": "6214830012345678"},
               [["王大山", "户主", pid(101), "男", "汉族", "1975-04-09", "有劳动能力", None, None],
                ["刘桂兰", "妻", pid(102), "女", "汉", "1975.04.09", "部分丧失", "肢体", "三级"],
                ["王小明", "儿子", pid(103, dt.date(2005, 1, 2)), "男", "汉族", "2005年1月2日", "无", None, None]]))
    # 2: 小沙江镇 白竹村 (no 村 suffix written), two persons, class 二类, an Excel serial date.
    hh.append(({"town": "小沙江镇", "village": "白竹", "head": "赵春生", "head_id": pid(105), "size": 2,
                "covered": 2, "class": "二类", "amount": 650, "bank": "邮储银行", "account": "6221880098765432"},
               [["赵春生", "本人", pid(105), "男", "苗族", 27493, "丧失劳动能力", None, None],
                ["赵孙女", "孙女", pid(106, dt.date(2012, 6, 1)), "女", "苗族", "2012-06-01", None, None, None]]))
    # 3: 金石桥镇 荷花村, one person, class C.
    hh.append(({"town": "金石桥镇", "village": "荷花村", "head": "陈桂英", "head_id": pid(108), "size": 1,
                "covered": 1, "class": "C类", "amount": 300, "bank": "隆回县农商银行", "account": "6214830055556666"},
               [["陈桂英", "户主", pid(108), "女", "汉族", "1975-04-09", "无劳动能力", "视力残疾", "1"]]))
    if not dirty:
        return hh
    # 4..: one defect each.
    hh.append(({"town": "桃洪镇", "village": "幸福村", "head": "周一", "head_id": pid(111), "size": 1, "covered": 1,
                "class": "A类", "amount": 500, "bank": "邮储银行", "account": "6221880011110001"},
               [["周一", "户主", pid(111), "男", "汉族", None, None, None, None]]))  # unknown village
    hh.append(({"town": "桃洪镇", "village": "白竹村", "head": "周二", "head_id": pid(113), "size": 1, "covered": 1,
                "class": "A类", "amount": 500, "bank": "邮储银行", "account": "6221880011110002"},
               [["周二", "户主", pid(113), "男", "汉族", None, None, None, None]]))  # village of another township
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "周三", "head_id": pid(115), "size": 3, "covered": 2,
                "class": "A类", "amount": 500, "bank": "邮储银行", "account": "6221880011110003"},
               [["周三", "户主", pid(115), "男", "汉族", None, None, None, None],
                ["周三妻", "配偶", pid(116), "女", "汉族", None, None, None, None]]))  # 家庭人口 3, two rows
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "周四", "head_id": pid(119), "size": 1, "covered": 1,
                "class": "A类", "amount": 500, "bank": "邮储银行", "account": "6221880011110004"},
               [["周四", "户主", pid(117), "男", "汉族", None, None, None, None]]))  # head's ID differs
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "周五", "head_id": pid(121), "size": 1, "covered": 1,
                "class": "A类", "amount": -20, "bank": "邮储银行", "account": "6221880011110005"},
               [["周五", "户主", pid(121), "男", "汉族", None, None, None, None]]))  # negative amount
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "周六", "head_id": pid(123), "size": 1, "covered": 1,
                "class": "E类", "amount": 500, "bank": "邮储银行", "account": "6221880011110006"},
               [["周六", "户主", pid(123), "男", "汉族", None, None, None, None]]))  # class not in the list
    bad_id = pid(125)[:-1] + ("0" if pid(125)[-1] != "0" else "1")
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "周七", "head_id": pid(127), "size": 2, "covered": 2,
                "class": "A类", "amount": 500, "bank": "邮储银行", "account": "6221880011110007"},
               [["周七", "户主", pid(127), "男", "汉族", None, None, None, None],
                ["周七子", "邻居", bad_id, "男", "火星族", "1965.13.40", None, None, None]]))  # four cells
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "周八", "head_id": pid(129), "size": 1, "covered": 3,
                "class": "A类", "amount": 99999, "bank": "邮储银行", "account": "62218800ABC"},
               [["周八", "户主", pid(129), "男", "汉族", None, None, None, None]]))  # covered, amount, account
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "周九", "head_id": pid(131), "size": 1, "covered": 1,
                "class": "A类", "amount": 2000, "bank": "邮储银行", "account": "6221880011110009"},
               [["周九", "户主", pid(131), "男", "汉族", None, None, None, None]]))  # above 780 × 1
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "王重复", "head_id": pid(133), "size": 1,
                "covered": 1, "class": "A类", "amount": 500, "bank": "邮储银行", "account": "6221880011110010"},
               [["王重复", "户主", pid(133), "男", "汉族", None, None, None, None]]))
    hh.append(({"town": "桃洪镇", "village": "新民社区", "head": "王重复", "head_id": pid(133), "size": 1,
                "covered": 1, "class": "A类", "amount": 500, "bank": "邮储银行", "account": "6221880011110010"},
               [["王重复", "户主", pid(133), "男", "汉族", None, None, None, None]]))  # the same person again
    return hh


def dibao_roster(dirty: bool = False, *, notices: bool = False) -> Roster:
    wb = Workbook()
    ws = wb.active
    ws.title = "低保花名册"
    width = len(DIBAO_TOP)
    ws.append(["隆回县城乡低保家庭花名册（2026年11月）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append(["填报单位：隆回县民政局", None, None, None, None, None, None, None, None, None, None, None, None,
               "填报日期：2026年11月5日"])
    ws.append(DIBAO_TOP)
    ws.append(DIBAO_SUB)
    for col in range(1, width + 1):
        if DIBAO_SUB[col - 1] is None and DIBAO_TOP[col - 1] is not None:
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)  # one header over two rows
    ws.merge_cells(start_row=3, start_column=10, end_row=3, end_column=16)  # 家庭成员信息
    ws.merge_cells(start_row=3, start_column=17, end_row=3, end_column=18)  # 残疾情况
    roster = Roster(data=b"", filename="隆回县低保花名册.xlsx")
    row = 4
    households = _dibao_households(dirty)
    where: dict[str, int] = {}
    for n, (h, members) in enumerate(households, start=1):
        top = row + 1
        for i, m in enumerate(members):
            row += 1
            first = [n, h["town"], h["village"], h["head"], h["head_id"], h["size"], h["covered"], h["class"],
                     h["amount"]] if i == 0 else [None] * 9
            tail = [h["bank"], h["account"]] if i == 0 else [None, None]
            values = first + m + tail
            if notices and n == 1 and i == 1:
                values[11] = " " + m[2] + " "  # padding spaces
            if notices and n == 1 and i == 2:
                values[11] = m[2].translate({ord(str(d)): chr(0xFF10 + d) for d in range(10)})  # full-width
            ws.append(values)
            where[f"{n}.{i}"] = row
        if row > top:
            for col in HOUSEHOLD_COLS:
                ws.merge_cells(start_row=top, start_column=col, end_row=row, end_column=col)
        roster.households += 1
        roster.persons += len(members)
    ws.append(["合计", None, None, None, None, sum(h["size"] for h, _ in households)])
    ws.append(["制表人：李四        审核人：张三        单位负责人："])
    ws.merge_cells(start_row=row + 2, start_column=1, end_row=row + 2, end_column=width)
    for r in range(5, row + 1):
        ws.cell(row=r, column=5).number_format = "@"
        ws.cell(row=r, column=12).number_format = "@"
    sheet = ""  # one data sheet: the report names no sheet

    def at(key, letter, fragment, kind):
        roster.defects.append(Defect(sheet, where[key], letter, fragment, kind))

    if notices:
        roster.notices = [Defect(sheet, where["1.1"], "L", "去掉了多余的空格", "padding"),
                          Defect(sheet, where["1.2"], "L", "全角字符已改为半角", "fullwidth")]
    if dirty:
        at("4.0", "C", "没有名为“幸福村”的村（社区）", "unknown village")
        at("5.0", "C", "“白竹村”不属于桃洪镇", "village of another township")
        at("6.0", "F", "家庭人口填 3 人，本文件中该户有 2 行成员", "family size")
        at("7.0", "E", "户主身份证号码与户主（周四", "head id differs")
        at("8.0", "I", "金额不能为负数", "negative amount")
        at("9.0", "H", "“E类”不是有效取值", "class")
        at("10.1", "L", "校验位错误", "checksum")
        at("10.1", "K", "“邻居”不是有效取值", "relation")
        at("10.1", "N", "“火星族”不是民族名称", "ethnicity")
        at("10.1", "O", "日期“1965.13.40”不存在", "date")
        at("11.0", "G", "保障人数（3）多于家庭人口（1）", "covered")
        at("11.0", "I", "不合常理", "implausible amount")
        at("11.0", "T", "银行账号应为 6 至 30 位数字", "account")
        at("12.0", "I", "超过保障标准 780", "above standard")
        at("13.0", "L", "在本文件中重复出现", "duplicate (first)")
        at("14.0", "L", "在本文件中重复出现", "duplicate (second)")
        at("13.0", "K", "该户有 2 名户主", "two heads in one household")
    roster.data = _save(wb)
    return roster


# ---- 特困 workbook, two sheets -----------------------------------------------------------------

TEKUN_HEADERS = ["序号", "姓名", "身份证号码", "性别", "所属乡镇", "所属村", "供养方式", "供养机构", "自理能力",
                 "基本生活标准", "照料护理标准", "基本生活费", "照料护理费", "月救助金", "开户行", "账号"]


def tekun_workbook(dirty: bool = False, *, registered: str | None = None) -> Roster:
    """`registered`: an ID number already registered in another household, placed on the second sheet."""
    wb = Workbook()
    roster = Roster(data=b"", filename="隆回县特困人员花名册.xlsx")
    sheets = {
        "集中供养": [["李老大", pid(201, dt.date(1950, 1, 1)), "男", "桃洪镇", "红星社区", "集中供养",
                   "隆回县桃洪镇敬老院", "全自理", 900, 200, 900, 200, 1100, "邮储银行", "6221880020000001"],
                  ["李老二", pid(203, dt.date(1950, 1, 1)), "男", "小沙江镇", "田心村", "集中",
                   "隆回县小沙江镇敬老院", "全护理", 900, 900, 900, 900, 1800, "邮储银行", "6221880020000002"]],
        "分散供养": [["王孤老", pid(205, dt.date(1948, 2, 2)), "男", "金石桥镇", "清水村", "分散供养", None, "半自理",
                   900, 300, 900, 300, 1200, "农商银行", "6214830020000003"]],
    }
    if dirty:
        sheets["分散供养"] += [
            ["张无院", pid(207, dt.date(1949, 3, 3)), "男", "金石桥镇", "清水村", "集中供养", None, "全自理",
             900, 200, 900, 200, 1100, "农商银行", "6214830020000004"],  # 集中 without institution
            ["张自理", pid(209, dt.date(1949, 3, 3)), "男", "金石桥镇", "清水村", "分散供养", None, "还行",
             900, 200, 900, 200, 1100, "农商银行", "6214830020000005"],  # self-care value
            ["张合计", pid(211, dt.date(1949, 3, 3)), "男", "金石桥镇", "清水村", "分散供养", None, "全自理",
             900, 200, 900, 200, 1500, "农商银行", "6214830020000006"],  # total is not the sum
        ]
        if registered:
            sheets["分散供养"].append(["已登记", registered, None, "金石桥镇", "清水村", "分散供养", None, "全自理",
                                   900, 200, 900, 200, 1100, "农商银行", "6214830020000007"])
    first = True
    where: dict[str, int] = {}
    for name, people in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        ws.title = name
        first = False
        ws.append([f"隆回县特困人员花名册（{name}） 2026年11月"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TEKUN_HEADERS))
        ws.append(TEKUN_HEADERS)
        for n, person in enumerate(people, start=1):
            ws.append([n, *person])
            ws.cell(row=ws.max_row, column=3).number_format = "@"
            where[f"{name}.{n}"] = ws.max_row
            roster.households += 1
            roster.persons += 1
        ws.append(["合计", None, None, None, None, None, None, None, None, None, None, None, None,
                   sum(p[12] for p in people)])
        ws.append(["制表人：", None, None, "审核人："])
    wb.create_sheet("填表说明").append(["本表由乡镇民政办填写，每月5日前报县民政局。"])
    if dirty:
        roster.defects = [
            Defect("分散供养", where["分散供养.2"], "H", "集中供养须填写供养机构", "institution"),
            Defect("分散供养", where["分散供养.3"], "I", "“还行”不是有效取值", "self-care"),
            Defect("分散供养", where["分散供养.4"], "N", "不等于基本生活费与照料护理费之和", "total"),
        ]
        if registered:
            roster.defects.append(Defect("分散供养", where["分散供养.5"], "C", "同一人不能在两户或两地登记",
                                         "registered elsewhere"))
    roster.data = _save(wb)
    return roster


# ---- GBK csv of an old county system -----------------------------------------------------------

LEGACY_HEADERS = ["户编号", "乡镇", "村（社区）", "户主姓名", "户主身份证", "家庭人口", "救助类别", "月救助金",
                  "姓名", "身份证号", "关系", "性别", "出生日期", "残疾类型", "残疾级别", "劳动能力"]


def id_with_x(start: int = 401) -> str:
    """A number whose check character is X (for the lower-case x notice)."""
    for seq in range(start, 999):
        number = pid(seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no number ending in X")


OLD_15 = "430524750409315"  # 1975-04-09, upgraded to 18 digits on import


def legacy_csv(dirty: bool = False) -> Roster:
    def hh(key, town, village, head, head_id, size, cls, amount, members):
        return [[key, town, village, head, head_id, size, cls, amount, *m] for m in members]

    x_number = id_with_x()
    rows = []
    rows += hh("1", "桃洪镇", "红星社区", "杨一", pid(301), 3, "一类", 900, [
        ["杨一", pid(301), "户主", "男", "1975年4月9日", "", "", "有"],
        ["杨二", pid(302), "配偶", "女", "1975.04.09", "肢体残疾", "二级", "部分丧失劳动能力"],
        ["杨四", OLD_15, "子女", "男", "1975-04-09", "", "", "有劳动能力"]])
    # 户编号 1 again, in another village: another household, never merged into the one above.
    rows += hh("1", "小沙江镇", "白竹村", "杨三", pid(303), 1, "二类", 400, [
        ["杨三", pid(303), "户主", "男", "1975-04-09", "", "", "丧失"]])
    rows += hh("5", "桃洪镇", "新民社区", "吴五", x_number, 1, "A类", 500, [
        ["吴五", x_number.lower(), "户主", "男" if int(x_number[16]) % 2 else "女", "", "", "", ""]])
    if dirty:
        rows += hh("2", "桃洪镇", "新民社区", "吴一", pid(305), 2, "A类", 500, [
            ["吴一", pid(305), "户主", "男", "1975-04-09", "", "", ""]])
        # The second member of household 2 written in the neighbouring village: not merged, reported.
        rows += hh("2", "桃洪镇", "红星社区", "吴一", pid(305), 2, "A类", 500, [
            ["吴二", pid(306), "子女", "女", "1975-04-09", "", "", ""]])
        rows += hh("3", "桃洪镇", "新民社区", "吴三", pid(307), 1, "五类", 500, [
            ["吴三", pid(307), "户主", "男", "1975-04-09", "", "", ""]])
        rows += hh("4", "桃洪镇", "新民社区", "吴四", "", 1, "A类", 500, [
            ["吴四", pid(309), "户主", "男", "1975-04-09", "", "", ""]])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LEGACY_HEADERS)
    writer.writerows(rows)
    # Rows as Excel numbers them: header = row 1, so the n-th data row is row n + 1.
    roster = Roster(data=out.getvalue().encode("gbk"), filename="低保对象导出.csv", households=3, persons=5,
                    notices=[Defect("", 4, "J", "15位旧号码已升级为18位", "15 digits"),
                             Defect("", 6, "J", "末位小写x已改为大写X", "lower-case x")])
    if dirty:
        roster.defects = [
            Defect("", 7, "F", "家庭人口填 2 人，本文件中该户有 1 行成员", "family size"),
            Defect("", 8, "K", "该户没有户主", "neighbouring village"),
            Defect("", 9, "G", "“五类”不是有效取值", "class"),
            Defect("", 10, "E", "必填", "head id missing"),
        ]
    return roster


def resaved(data: bytes) -> bytes:
    """The same workbook opened and saved again (other bytes, same content)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    wb.properties.creator = "另一台电脑"
    wb.properties.modified = dt.datetime(2026, 11, 6, 9, 30)
    return _save(wb)


def column_letter(index: int) -> str:
    return get_column_letter(index)
