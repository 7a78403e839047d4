"""The rosters offices already have (issue 15): the national system's 低保 roster, the 特困 workbook and an old
county system's GBK csv, clean and dirty (roster_files.py). Clean ones import as they come, with their
benefits; every defect placed in a dirty one is reported at its cell (sheet, row, column letter)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from conftest import member
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.models import Event
from jiuzhu.registry import imports
from jiuzhu.registry.models import (
    AssistanceGrant,
    DestituteSupport,
    Household,
    ImportBatch,
    PaymentAccount,
    Person,
    TierDecision,
)
from jiuzhu.registry.tests import roster_files
from jiuzhu.registry.tests.roster_files import pid


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(roster, persona, username="longhui_officer", **kwargs):
    return imports.import_file(roster.data, roster.filename, actor=persona(username), **kwargs)


def cells(report: bytes, *, notices=False) -> dict[tuple[str, int, str], str]:
    """(sheet, row, letter) -> 问题 from the xlsx report."""
    sheet = load_workbook(io.BytesIO(report)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["工作表", "行号", "列", "列名", "值", "问题"]
    found: dict[tuple[str, int, str], str] = {}
    for s, row, letter, _name, _value, problem in rows[1:]:
        if problem.startswith("提示：") == notices:
            key = (s or "", row, letter)
            found[key] = (found.get(key, "") + "；" + problem).strip("；")
    return found


def assert_reported(roster, result, *, exact=True):
    found = cells(imports.errors_workbook(result.errors))
    for d in roster.defects:
        key = (d.sheet, d.row, d.letter)
        assert key in found, f"{d.kind}: nothing at {key}; report: {found}"
        assert d.fragment in found[key], f"{d.kind}: {found[key]}"
    if exact:
        assert set(found) == {(d.sheet, d.row, d.letter) for d in roster.defects}, found


# ---- 低保 roster of the national system -------------------------------------------------------

def test_national_dibao_roster_imports_with_its_benefits(persona, standards):
    roster = roster_files.dibao_roster()
    result = run(roster, persona)
    assert result.status == "imported", result.errors.lines()
    assert (result.households, result.persons) == (3, 6)
    wang = Person.objects.get(id_number_hash=keyed_hash(pid(101)))
    household = wang.household
    # No 住址 or 户籍类型 in the roster: the village's full name, and 社区 = urban.
    assert household.region.code == "430524100200" and household.address == household.region.full_name
    assert household.hukou_type == "urban" and household.head_id == wang.pk
    members = {p.name: p for p in household.members.all()}
    assert {n: (p.relation, p.ethnicity, p.labour_capacity) for n, p in members.items()} == {
        "王大山": ("head", "汉族", "full"), "刘桂兰": ("spouse", "汉族", "partial"),
        "王小明": ("child", "汉族", "none")}
    assert (members["刘桂兰"].disability_type, members["刘桂兰"].disability_grade) == ("physical", 3)
    decision = TierDecision.objects.get(household=household)
    assert (decision.tier, decision.status, decision.source, decision.benefit_class) == (
        "dibao", "confirmed", "imported", "A")
    assert decision.import_batch == result.batch and decision.import_row == "第5行"
    assert decision.assessed_on == dt.date(2026, 11, 1) and decision.members == 3  # the title's month
    grant = AssistanceGrant.objects.get(household=household)
    assert (grant.category, grant.monthly_amount, grant.period_start, grant.tier_decision_id, grant.person_id) == (
        "basic_living", Decimal("1200.00"), dt.date(2026, 11, 1), decision.pk, None)
    account = PaymentAccount.objects.get(household=household)
    assert (account.bank_name, account.account_tail, account.account_number) == (
        "隆回县农商银行", "5678", "6214830012345678")
    assert "6214830012345678" not in account.account_cipher
    zhao = Person.objects.get(id_number_hash=keyed_hash(pid(105)))
    # 白竹 (written without 村) in 小沙江镇; an Excel serial date; 孙女; class 二类 = B; 村 = rural.
    assert zhao.household.region.code == "430524101200" and zhao.household.hukou_type == "rural"
    assert zhao.ethnicity == "苗族" and zhao.labour_capacity == "none"
    assert Person.objects.get(name="赵孙女").relation == "grandchild"
    assert TierDecision.objects.get(household=zhao.household).benefit_class == "B"
    assert TierDecision.objects.filter(source="imported").count() == 3 and AssistanceGrant.objects.count() == 3


def test_dirty_dibao_roster_reports_each_defect_at_its_cell_and_writes_nothing(persona, standards):
    roster = roster_files.dibao_roster(dirty=True)
    result = run(roster, persona)
    assert result.status == "invalid"
    assert_reported(roster, result)
    assert not Person.objects.exists() and not TierDecision.objects.exists() and not ImportBatch.objects.exists()


def test_normalised_values_import_and_are_listed_as_notices(persona, standards):
    roster = roster_files.dibao_roster(notices=True)
    result = run(roster, persona)
    assert result.status == "imported", result.errors.lines()
    found = cells(imports.errors_workbook(result.errors), notices=True)
    assert {(d.sheet, d.row, d.letter) for d in roster.notices} == set(found)
    for d in roster.notices:
        assert d.fragment in found[(d.sheet, d.row, d.letter)]
    assert Person.objects.filter(id_number_hash=keyed_hash(pid(102))).exists()


def test_a_resaved_roster_changes_nothing(persona, standards):
    roster = roster_files.dibao_roster()
    first = run(roster, persona)
    assert first.status == "imported"
    counts = (Household.objects.count(), Person.objects.count(), TierDecision.objects.count(),
              AssistanceGrant.objects.count(), PaymentAccount.objects.count(), Event.objects.count())
    again = roster_files.Roster(data=roster_files.resaved(roster.data), filename="另存为.xlsx")
    assert again.data != roster.data
    result = run(again, persona)
    assert result.status == "already_imported" and f"（批次 {first.batch.pk}）" in result.message
    assert (Household.objects.count(), Person.objects.count(), TierDecision.objects.count(),
            AssistanceGrant.objects.count(), PaymentAccount.objects.count(), Event.objects.count()) == counts


def test_the_amount_above_the_standard_needs_the_regions_standard(persona):
    """Without the region's standard (and no 保障标准 column) the amount is only checked for plausibility."""
    roster = roster_files.dibao_roster(dirty=True)
    result = run(roster, persona)
    found = cells(imports.errors_workbook(result.errors))
    above = next(d for d in roster.defects if d.kind == "above standard")
    assert (above.sheet, above.row, above.letter) not in found


# ---- 特困 workbook ----------------------------------------------------------------------------

def test_tekun_workbook_imports_every_sheet_with_support_and_grants(persona):
    roster = roster_files.tekun_workbook()
    result = run(roster, persona)
    assert result.status == "imported", result.errors.lines()
    assert (result.households, result.persons) == (3, 3)
    assert result.preview.sheets == ["集中供养", "分散供养"] and result.preview.skipped_sheets == ["填表说明"]
    li = Person.objects.get(id_number_hash=keyed_hash(pid(203, dt.date(1950, 1, 1))))
    assert li.relation == "head" and li.household.region.code == "430524101201"  # 田心村 of 小沙江镇
    support = DestituteSupport.objects.get(person=li)
    assert (support.support_mode, support.institution, support.self_care, support.basic_standard,
            support.care_standard) == ("centralized", "隆回县小沙江镇敬老院", "unable", Decimal("900.00"),
                                       Decimal("900.00"))
    decision = TierDecision.objects.get(household=li.household)
    assert (decision.tier, decision.source, decision.import_row) == ("tekun", "imported", "工作表“集中供养”第4行")
    grant = AssistanceGrant.objects.get(person=li)
    assert (grant.category, grant.monthly_amount, grant.period_start) == (
        "destitute_support", Decimal("1800.00"), dt.date(2026, 11, 1))


def test_a_dirty_second_sheet_refuses_the_whole_workbook(persona, register):
    taken = pid(213, dt.date(1949, 3, 3))
    register(members=[member("已登记", "head", born=dt.date(1949, 3, 3), seq=213)])
    roster = roster_files.tekun_workbook(dirty=True, registered=taken)
    before = Person.objects.count()
    result = run(roster, persona)
    assert result.status == "invalid"
    assert_reported(roster, result)
    assert Person.objects.count() == before and not TierDecision.objects.exists()  # the clean first sheet neither


# ---- GBK csv of an old county system ---------------------------------------------------------

def test_legacy_gbk_csv_imports_with_repeated_household_columns(persona, standards):
    roster = roster_files.legacy_csv()
    result = run(roster, persona)
    assert result.status == "imported", result.errors.lines()
    assert (result.households, result.persons) == (3, 5)
    # 户编号 1 twice, in two villages: two households.
    yang1, yang3 = (Person.objects.get(id_number_hash=keyed_hash(pid(n))) for n in (301, 303))
    assert yang1.household_id != yang3.household_id
    assert yang1.household.members.count() == 3 and yang3.household.region.code == "430524101200"
    upgraded = Person.objects.get(name="杨四")
    assert upgraded.id_number == "430524197504093155"[:17] + upgraded.id_number[17]
    assert TierDecision.objects.get(household=yang1.household).benefit_class == "A"  # 一类
    found = cells(imports.errors_workbook(result.errors), notices=True)
    assert set(found) == {(d.sheet, d.row, d.letter) for d in roster.notices}


def test_dirty_legacy_csv_never_merges_a_neighbouring_villages_household(persona, standards):
    roster = roster_files.legacy_csv(dirty=True)
    result = run(roster, persona)
    assert result.status == "invalid"
    assert_reported(roster, result)
    report = io.StringIO(imports.errors_csv(result.errors).decode("utf-8-sig"))
    rows = list(csv.reader(report))
    assert rows[0] == ["工作表", "行号", "列", "列名", "值", "问题"]
    assert ["", "9", "G", "救助类别", "五类"] == rows[[r[1] for r in rows].index("9")][:5]


# ---- The command, the API and the page ----------------------------------------------------------

def test_command_exits_non_zero_when_refused_and_writes_both_reports(persona, standards, tmp_path):
    roster = roster_files.legacy_csv(dirty=True)
    path = tmp_path / roster.filename
    path.write_bytes(roster.data)
    xlsx, csv_path = tmp_path / "r.xlsx", tmp_path / "r.csv"
    with pytest.raises(CommandError) as exc:
        call_command("import_registry", str(path), "--user", "longhui_officer", "--errors-xlsx", str(xlsx),
                     "--errors-csv", str(csv_path))
    assert "未导入任何数据" in str(exc.value) and not Person.objects.exists()
    found = cells(xlsx.read_bytes())
    assert {(d.sheet, d.row, d.letter) for d in roster.defects} <= set(found)
    rows = list(csv.reader(io.StringIO(csv_path.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["工作表", "行号", "列", "列名", "值", "问题"] and len(rows) == 1 + len(roster.defects) + 2


def test_a_mapping_saved_by_name_serves_the_command(persona, tmp_path):
    """Headers no synonym knows, mapped once and saved by name, then used with --mapping."""
    roster = roster_files.tekun_workbook()
    wb = load_workbook(io.BytesIO(roster.data))
    for ws in wb.worksheets[:2]:
        ws["B2"], ws["C2"] = "对象", "号码（本人）"
    path = tmp_path / "特困.xlsx"
    wb.save(path)
    officer = persona("longhui_officer")
    with pytest.raises(CommandError, match="未导入任何数据"):  # 没有“姓名”列, 没有“身份证号码”列
        call_command("import_registry", str(path), "--user", "longhui_officer")
    preview = imports.validate_file(path.read_bytes(), path.name, actor=officer)
    mapping = {**preview.mapping, "对象": "name", "号码（本人）": "id_number"}
    imports.MAPPINGS.save("县特困名册", mapping, preview.headers, owner=officer)
    with pytest.raises(CommandError, match="没有名为“别的方案”的列对应方案"):
        call_command("import_registry", str(path), "--user", "longhui_officer", "--mapping", "别的方案")
    out = io.StringIO()
    call_command("import_registry", str(path), "--user", "longhui_officer", "--mapping", "县特困名册", stdout=out)
    assert "已导入 3 户、3 人" in out.getvalue() and Person.objects.count() == 3


def test_api_answers_a_refused_roster_with_its_report_for_the_sender_only(client_for, standards):
    roster = roster_files.legacy_csv(dirty=True)
    officer = client_for("longhui_officer")
    response = officer.post("/api/v1/registry/imports", {"file": SimpleUploadedFile(roster.filename, roster.data)})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "validation_error"
    assert body["report_xlsx"].endswith("/report.xlsx") and body["report_csv"].endswith("/report.csv")
    found = cells(officer.get(body["report_xlsx"]).content)
    assert {(d.sheet, d.row, d.letter) for d in roster.defects} <= set(found)
    assert officer.get(body["report_csv"]).content.decode("utf-8-sig").startswith("工作表,行号,列,列名,值,问题")
    other = client_for("longhui_approver")
    assert other.get(body["report_xlsx"]).status_code == 404  # someone else's report: as if it did not exist
    assert not Person.objects.exists()


def test_the_review_page_lists_cells_masks_numbers_and_saves_a_mapping(client_for, without_full_id, standards):
    roster = roster_files.legacy_csv(dirty=True)
    officer = client_for("longhui_officer")
    response = officer.post("/registry/import/", {"file": SimpleUploadedFile(roster.filename, roster.data)})
    review = response["Location"]
    page = officer.get(review).content.decode()
    assert "G 列 救助类别" in page and "五类" in page and "末位小写x已改为大写X" in page
    x_number = roster_files.id_with_x()
    assert x_number.lower() not in page and x_number not in page  # numbers masked without the capability
    report = officer.get(review + "errors.csv").content.decode("utf-8-sig")
    assert "“五类”不是有效取值" in report and x_number.lower() not in report
    officer.post(review, {"action": "save_named", "mapping_name": "老系统导出"})
    assert imports.MAPPINGS.get("老系统导出")["救助类别"] == "benefit_class"
    assert "老系统导出" in officer.get(review).content.decode()


def test_name_keys_character_by_character_equal_the_whole_name():
    """The import's fast path gives what core.identity gives, names with heteronym surnames and words included."""
    from jiuzhu.core.demo import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
    from jiuzhu.core.identity import name_pinyin, name_sound_key
    from jiuzhu.registry.bulk import fast_name_keys, name_keys_many

    names = [s + g for s in SURNAMES[:40] for g in (GIVEN_FEMALE + GIVEN_MALE)[:25]]
    names += ["单田芳", "曾国藩", "长乐", "欧阳修", "司马相如", "解放", "仇英", "朴正", "区长", "乐乐", "行者",
              "阿依古丽·买买提"]
    assert {n: fast_name_keys(n) for n in names} == {n: (name_pinyin(n), name_sound_key(n)) for n in names}
    names += ["李", "张三丰年", "欧阳司马", "A张", "张A", "阿依古丽"]
    assert name_keys_many(names) == {n: (name_pinyin(n), name_sound_key(n)) for n in names}
