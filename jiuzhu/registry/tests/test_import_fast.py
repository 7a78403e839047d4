"""The once-per-distinct-value member check (import_fast) agrees with member_from_raw: a row it accepts is the
very MemberRow member_from_raw makes, without an error or a notice; every other row it leaves to
member_from_raw."""

import datetime as dt
import itertools

import pytest

from jiuzhu.core.identity import make_id_number
from jiuzhu.registry.import_fast import MemberChecker
from jiuzhu.registry.validation import RowErrors, member_from_raw

TODAY = dt.date(2026, 12, 1)
GOOD = make_id_number("430524", dt.date(1968, 3, 12), 31)
WOMAN = make_id_number("430524", dt.date(1970, 8, 6), 42)

CELLS = {
    "id_number": [GOOD, WOMAN, GOOD.lower(), f" {GOOD}", GOOD[:17] + ("0" if GOOD[17] != "0" else "1"),
                  "430524680312031", "999999196803120310", "430524203012010313", float(GOOD[:17]), None, "",
                  "４" + GOOD[1:]],
    "name": ["张三", "", " 李四 ", "王" * 51, None],
    "relation": ["户主", "配偶", "本人", "外星人", "", None, "head"],
    "sex": ["男", "女", "", None, "中", 1],
    "birth_date": [None, "", "1968-03-12", "1968.03.12", dt.date(1968, 3, 12), dt.datetime(1970, 8, 6),
                   "1970年8月6日", "不详", 25000.0],
    "disability_type": ["", "肢体残疾", "肢体", "外星", None],
    "disability_grade": ["", "3", "三级", 3, 3.0, "五级", True, None],
    "labour_capacity": ["", "丧失劳动能力", "部分丧失", "飞", None],
    "phone": ["", "13807390001", "0739-1234567", "电话", "1" * 21],
    "hukou_region_code": ["", "430524", "430524100200", "4305", 430524],
    "ethnicity": ["", "汉", "苗族", "火星族"],
    "supporter_able": ["", "是", "否", "也许", None],
    "death_date": [None, "", "2020-01-01"],
}


def _rows():
    """Every value of each column beside a clean row's other values, and some mixed rows."""
    base = {k: v[0] for k, v in CELLS.items()}
    for key, values in CELLS.items():
        for value in values:
            yield {**base, key: value}
    for combo in itertools.islice(itertools.product(CELLS["id_number"][:2], CELLS["sex"], CELLS["birth_date"],
                                                    CELLS["disability_type"], CELLS["disability_grade"]), 2000):
        yield {**base, "id_number": combo[0], "sex": combo[1], "birth_date": combo[2], "disability_type": combo[3],
               "disability_grade": combo[4]}


def test_a_row_the_fast_check_accepts_is_member_from_raws_row_and_any_other_goes_row_by_row():
    checker = MemberChecker(set(CELLS), TODAY)
    accepted = 0
    for raw in _rows():
        errors = RowErrors()
        expected = member_from_raw(raw, errors, 7, today=TODAY)
        clean = expected is not None and not errors.notices
        got = checker.member(raw, 7)
        if got is not None:
            accepted += 1
            assert clean, raw
            assert got == expected, raw
    assert accepted > 100


@pytest.mark.parametrize("field", ["member_amount", "support_mode"])
def test_member_benefit_columns_go_row_by_row(field):
    checker = MemberChecker({"id_number", "name", "relation", field}, TODAY)
    assert checker.member({"id_number": GOOD, "name": "张三", "relation": "户主", field: ""}, 3) is None


FOOTERS = ("合计 总计 小计： 共计 总数 累计 制表人： 填表日期: 填报单位： 审核人： 审批: 复核： 经办人： 负责人： "
           "单位负责人： 分管领导： 统计： 核对： 签字： 签名: 盖章： 打印日期： 注： 说明： 备注： 填表说明： "
           "（盖章） 盖章 签字 公章 （公章）").split()


@pytest.mark.parametrize("cell", [*FOOTERS, " 合计 ", "总 计"])
def test_footer_rows_are_still_found_after_the_first_character_test(cell):
    from jiuzhu.core.tabular.reader import is_footer

    assert is_footer(["", None, cell, "x"])
    assert not is_footer(["张" + cell])


def test_the_column_wise_check_of_a_chunk_gives_the_row_wise_checks_answer_for_every_row():
    from jiuzhu.registry.import_fast import members

    rows = list(_rows())
    fields = set(CELLS)
    expected = [MemberChecker(fields, TODAY).member(raw, i) for i, raw in enumerate(rows)]
    columns = {f: [raw[f] for raw in rows] for f in CELLS}
    got = members(MemberChecker(fields, TODAY), columns, list(range(len(rows))))
    assert got == expected
    assert sum(m is not None for m in got) > 100
    # A chunk whose cells are all text (a csv) takes the distinct-value path; the answer is the same.
    text_rows = [raw for raw in rows if all(v is None or isinstance(v, str) for v in raw.values())]
    columns = {f: [raw[f] for raw in text_rows] for f in CELLS}
    assert members(MemberChecker(fields, TODAY), columns, list(range(len(text_rows)))) == \
        [MemberChecker(fields, TODAY).member(raw, i) for i, raw in enumerate(text_rows)]



def test_columns_of_plain_phones_and_iso_birth_dates_are_settled_column_wise_as_row_by_row():
    """A column of ASCII-digit phones and of YYYY-MM-DD birth dates (a csv's usual) is checked with one search
    and numpy: a phone too long, a date of another day or with other separators is still refused."""
    from jiuzhu.registry.import_fast import members

    born = {GOOD: "1968-03-12", WOMAN: "1970-08-06"}
    births = ["1968-03-12", "1968-03-13", "1968x03-12", "1968-03x12", "1968-03-1２", "1968/03/12", "1969-03-12",
              "1968-04-12", "1968-03-12"]
    phones = ["13807390001", "1" * 21, "", "07391234567", "1" * 20, "13807390001", "", "0", "139"]
    rows = [{"id_number": number, "name": "张三", "relation": "户主", "birth_date": birth, "phone": phone}
            for number in (GOOD, WOMAN) for birth, phone in zip([born[number], *births], [*phones, "1"], strict=True)]
    fields = {"id_number", "name", "relation", "birth_date", "phone"}
    expected = [MemberChecker(fields, TODAY).member(raw, i) for i, raw in enumerate(rows)]
    columns = {f: [raw[f] for raw in rows] for f in fields}
    assert members(MemberChecker(fields, TODAY), columns, list(range(len(rows)))) == expected
    assert 0 < sum(m is not None for m in expected) < len(rows)

BENEFIT_CELLS = {
    "tier": ["", "低保", "特困", "外星"], "benefit_class": ["", "A类", "B类", "D类"],
    "monthly_amount": ["450", 450.0, "４５０", "-1", "abc"], "family_size": [3, 3.0, "3人", "0", "三"],
    "covered_persons": ["", 2, 5], "bank_name": ["", "农商银行"], "bank_account": ["", "6214830000000002", "12ab"],
    "roster_month": ["", "2026-11", "2026年11月", "十一月"],
}


def test_benefit_cells_remembered_once_accepted_give_every_household_its_errors_and_notices():
    """household_from_raw remembers a combination of benefit cells it accepted; a second household with the
    same cells gets the same values, and a cell with a notice (全角数字) or an error is reported every time."""
    from jiuzhu.registry import validation

    base = {"region_code": "430524100200", "address": "红星村", "hukou_type": "农村"}
    names = list(BENEFIT_CELLS)
    cases = []
    for name in names:  # each value beside the others' first (clean) values, and some mixed rows
        for value in BENEFIT_CELLS[name]:
            cases.append({**base, **{n: BENEFIT_CELLS[n][1] for n in names}, name: value})
    cases += [{**base, **dict(zip(names, combo, strict=True))}
              for combo in itertools.islice(itertools.product(*BENEFIT_CELLS.values()), 0, None, 97)]

    def outcome(raw, row):
        errors = RowErrors()
        household = validation.household_from_raw(raw, errors, row, defaults={"roster_month": dt.date(2026, 1, 1)})
        values = None if household is None else {
            k: getattr(household, k) for k in (*validation._SEEN_FIELDS, "bank_account", "head_id_number",
                                               "source_row")}
        return values, [(e["row"], e["field"], e["message"]) for e in errors.items], \
            [(e["row"], e["field"], e["message"]) for e in errors.notices]

    def forget():
        validation._BENEFITS_SEEN.clear()
        validation._HOUSEHOLDS_SEEN.clear()

    # Households differing only in their own cells (the head's number, the account) meet the remembered ones.
    cases += [{**case, "head_id_number": f"43052419680312{i:04d}", "bank_account": account}
              for i, case in enumerate(cases[:40]) for account in ("", "6214830000000009", "12ab")]
    cases += [dict(base), {**base, "bank_account": "6214830000000009"}]  # an account alone reads the benefits
    forget()
    fresh = []
    for i, raw in enumerate(cases):
        forget()
        fresh.append(outcome(raw, i + 2))
    forget()
    for _ in range(2):  # the second round meets every accepted combination remembered
        for i, raw in enumerate(cases):
            assert outcome(raw, i + 2) == fresh[i], raw
    assert validation._BENEFITS_SEEN and validation._HOUSEHOLDS_SEEN  # clean combinations were remembered
    assert any(notices for _, _, notices in fresh) and any(errors for _, errors, _ in fresh)


def _content_key_as_stored(households) -> str:
    """content_key as session 34 computed it (the keys already stored in ImportBatch.content_key)."""
    import hashlib
    from operator import attrgetter

    parts = []
    by_id = attrgetter("id_number")
    for h in sorted(households, key=lambda h: by_id(h.members[0]) if len(h.members) == 1
                    else min(map(by_id, h.members))):
        parts.append(repr((h.region_code, h.address, h.hukou_type, h.relapse_watch, h.tier, h.benefit_class,
                           str(h.monthly_amount), h.bank_account)))
        for m in (h.members if len(h.members) == 1 else sorted(h.members, key=by_id)):
            parts.append(f"|{m.id_number}:{m.relation}:{m.name}:{m.member_amount}:{m.support_mode}")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def test_content_key_hashes_the_bytes_stored_keys_were_made_of():
    # Re-import detection compares with keys earlier imports stored: the faster content_key must hash the very
    # same bytes (household order by lowest ID, members by ID, shared cells' repr, amounts as Decimal gives them).
    from decimal import Decimal

    from jiuzhu.registry.imports import content_key
    from jiuzhu.registry.validation import HouseholdRow, MemberRow

    def member(seq, relation="head", **extra):
        born = dt.date(1950 + seq % 50, 1 + seq % 12, 1 + seq % 28)
        return MemberRow(make_id_number("430524", born, seq % 900 + 1), f"成员{seq}", relation, "M", born, **extra)

    households = []
    for k in range(60):
        size = 1 + k % 4
        members = [member(k * 7 + j, "head" if j == 0 else "child") for j in range(size)][::-1]  # not in ID order
        if k % 5 == 0:
            members[0].member_amount, members[0].support_mode = Decimal("450.50"), "centralized"
        households.append(HouseholdRow(
            region_code="430524100201", address="桃洪镇红星村" if k % 2 else "O'Brien \"村\"", hukou_type="rural",
            members=members, relapse_watch=k % 7 == 0, tier=("dibao", "tekun", "")[k % 3],
            benefit_class=("A", "", "B")[k % 3], monthly_amount=(Decimal(450), Decimal("450.0"), None)[k % 3],
            bank_account=f"62148300{k:08d}" if k % 4 else ""))
    assert content_key(households) == _content_key_as_stored(households)
    assert content_key(households[::-1]) == content_key(households)
    assert content_key(households[1:]) != content_key(households)
