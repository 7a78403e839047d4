"""Import from real files (merged cells, title rows, GBK CSV), all or nothing, batch keys, the template,
the error report, exports and who may see an upload. Files are built here with openpyxl and csv."""

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from conftest import VILLAGE_A, VILLAGE_A2, VILLAGE_B, member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.registry import imports
from jiuzhu.registry.models import Household, ImportBatch, Person

HEADERS = ["户号", "村（社区）代码", "家庭住址", "户口性质", "姓名", "公民身份号码", "与户主关系", "出生日期"]


def pid(seq: int, born=dt.date(1975, 4, 9), region="430524") -> str:
    return make_id_number(region, born, seq)


def rows_two_households(village=VILLAGE_A):
    """Household 1: three members; household 2: one. Household columns only on the first row of each."""
    return [
        ["1", village, "红星社区5组8号", "农村", "王大山", pid(101), "户主", dt.datetime(1975, 4, 9)],
        [None, None, None, None, "刘桂兰", pid(102), "配偶", None],
        [None, None, None, None, "王小明", pid(103, dt.date(2005, 1, 2)), "子女", "2005-01-02"],
        ["2", VILLAGE_A2, "小沙江镇6组1号", "城镇", "赵春生", pid(105), "本人", None],
    ]


def xlsx(rows, headers=HEADERS, *, title="隆回县低保家庭花名册", merge_households=True) -> bytes:
    """A workbook as offices send them: a merged title row, then the header, household columns merged
    down over each household's member rows."""
    wb = Workbook()
    ws = wb.active
    first = 1
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        first = 2
    ws.append(headers)
    top = None
    for i, row in enumerate(rows, start=first + 1):
        ws.append(row)
        if row[0] is not None:
            top = i
        elif merge_households and top is not None:
            for col in range(1, 5):  # 户号, 区划, 住址, 户口性质 merged over the household
                ws.merge_cells(start_row=top, start_column=col, end_row=i, end_column=col)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(data, username="longhui_officer", filename="花名册.xlsx", *, persona, mapping=None):
    return imports.import_file(data, filename, mapping, actor=persona(username))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_merged_cell_xlsx_with_a_title_row_imports(persona):
    data = xlsx(rows_two_households())
    records = dict(imports.read_table(data, "a.xlsx").records())
    # Merged cells read as filled: every member row carries its household's values.
    assert records[5]["家庭住址"] == "红星社区5组8号" and records[5]["户号"] == "1" and records[6]["户号"] == "2"
    result = run(data, persona=persona)
    assert result.status == "imported", result.errors.items
    assert (result.households, result.persons) == (2, 4)
    batch = ImportBatch.objects.get()
    assert batch.key == hashlib.sha256(data).hexdigest() and batch.region.code == "430524"
    big = Household.objects.get(members__name="王大山")
    # Address, village and hukou type came from cells merged down over the member rows.
    assert big.address == "红星社区5组8号" and big.region.code == VILLAGE_A and big.hukou_type == "rural"
    assert sorted(big.members.values_list("name", flat=True)) == ["刘桂兰", "王大山", "王小明"]
    assert big.head.name == "王大山" and big.import_batch == batch
    assert Person.objects.get(name="王小明").birth_date == dt.date(2005, 1, 2)
    single = Household.objects.get(members__name="赵春生")
    assert single.hukou_type == "urban" and single.region.code == VILLAGE_A2 and single.head.name == "赵春生"
    assert Event.objects.filter(household_id=big.pk, payload__batch=batch.pk).count() == 1
    log = AuditLog.objects.get(action="import")
    assert log.detail["persons"] == 4 and log.detail["households"] == 2 and log.object_id == str(batch.pk)


def test_two_header_rows_with_merged_group_headings(persona):
    """名册 often head a group of columns (残疾情况) over sub-headings, with the other headings merged down."""
    wb = Workbook()
    ws = wb.active
    ws.append(["洞口县低保家庭花名册"])
    ws.merge_cells("A1:G1")
    ws.append(["区划代码", "住址", "户籍类型", "姓名", "身份证号码", "与户主关系", "残疾情况"])
    ws.append([None, None, None, None, None, None, "残疾类别", "残疾等级"])
    for col in range(1, 7):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws.merge_cells("G2:H2")
    ws.append([VILLAGE_B, "洞口镇1组", "城镇", "周海波", pid(131, region="430525"), "户主", "视力残疾", "一级"])
    out = io.BytesIO()
    wb.save(out)
    table = imports.read_table(out.getvalue(), "b.xlsx")
    assert table.header_row == 3 and table.headers[4:] == ["身份证号码", "与户主关系", "残疾类别", "残疾等级"]
    result = run(out.getvalue(), "dongkou_officer", persona=persona)
    assert result.status == "imported", result.errors.items
    person = Person.objects.get(name="周海波")
    assert (person.disability_type, person.disability_grade) == ("visual", 1)


def as_saved_by_excel(data: bytes) -> bytes:
    """openpyxl writes text as inline strings; Excel and WPS write a shared string table. Rewrites the
    file that way, with a phonetic guide (<rPh>) on one name, which must not end up in the value."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read("xl/worksheets/sheet1.xml").decode()
    strings: list[str] = []

    def shared(match):
        strings.append(match.group(2))
        return f'<c{match.group(1)} t="s"><v>{len(strings) - 1}</v></c>'

    sheet = re.sub(r'<c([^>]*?) t="inlineStr"><is><t>([^<]*)</t></is></c>', shared, sheet)
    items = "".join(f"<si><t>{t}</t></si>" if t != "刘桂兰" else
                    "<si><r><t>刘</t></r><r><t>桂兰</t></r><rPh sb=\"0\" eb=\"1\"><t>liu</t></rPh></si>"
                    for t in strings)
    table = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')
    types = source.read("[Content_Types].xml").decode().replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = {"xl/worksheets/sheet1.xml": sheet.encode(), "[Content_Types].xml": types.encode()}
            target.writestr(item, content.get(item.filename, source.read(item.filename)))
        target.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()


def test_a_file_saved_by_excel_with_shared_strings(persona):
    data = as_saved_by_excel(xlsx(rows_two_households()))
    assert b"inlineStr" not in data and b"sharedStrings" in data
    result = run(data, persona=persona)
    assert result.status == "imported", result.errors.items
    assert Person.objects.filter(name="刘桂兰").exists()  # the runs joined, the phonetic guide left out
    assert Household.objects.get(members__name="刘桂兰").address == "红星社区5组8号"  # merged cells still filled


def test_gbk_csv_starts_a_household_at_every_head(persona, tmp_path):
    path = tmp_path / "低保名册.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(["区划代码", "住址", "户籍类型", "姓名", "身份证号", "关系", "残疾类别", "残疾等级"])
        w.writerow([VILLAGE_A, "红星社区1组2号", "农业", "陈德福", pid(111), "户主", "", ""])
        w.writerow(["", "", "", "陈秀英", pid(112), "妻", "肢体残疾", "二级"])
        w.writerow([VILLAGE_A, "红星社区1组9号", "非农业", "黄丽娟", pid(114), "户主", "", ""])
        w.writerow([VILLAGE_A, "红星社区1组9号", "非农业", "黄子涵", pid(115, dt.date(2012, 6, 1)), "女儿", "", ""])
    assert path.read_bytes().decode("gbk")  # really GBK, not UTF-8
    result = imports.import_file(path, path.name, actor=persona("longhui_officer"))
    assert result.status == "imported", result.errors.items
    chen = Household.objects.get(address="红星社区1组2号")
    assert chen.hukou_type == "rural" and chen.head.name == "陈德福"
    wife = Person.objects.get(name="陈秀英")
    assert wife.household == chen and wife.relation == "spouse" and wife.disability_grade == 2
    huang = Household.objects.get(address="红星社区1组9号")
    assert huang.hukou_type == "urban"
    assert sorted(huang.members.values_list("name", flat=True)) == ["黄丽娟", "黄子涵"]


def _bad_check_digit(rows):
    number = rows[1][5]
    rows[1][5] = number[:17] + ("0" if number[17] != "0" else "1")
    return 4, "公民身份号码", "校验位错误"


def _no_head(rows):
    rows[3][6] = "配偶"  # household 2 has no head any more
    return 6, "与户主关系", "没有户主"


def _unknown_region(rows):
    rows[0][1] = "430524199999"
    return 3, "村（社区）代码", "430524199999 不存在"


def _duplicate_in_file(rows):
    rows[3][5] = rows[1][5]
    return 6, "公民身份号码", "在本文件中重复出现（第4行、第6行）"


def _excel_float(rows):
    rows[2][5] = float(rows[2][5][:15] + "000")
    return 5, "公民身份号码", "Excel"


def _out_of_scope(rows):
    rows[3][1] = VILLAGE_B
    return 6, "村（社区）代码", "不在您的管辖范围内"


@pytest.mark.parametrize("spoil", [_bad_check_digit, _no_head, _unknown_region, _duplicate_in_file, _excel_float,
                                   _out_of_scope])
def test_any_error_writes_nothing(spoil, persona):
    rows = rows_two_households()
    row, column, reason = spoil(rows)
    result = run(xlsx(rows), persona=persona)
    assert result.status == "invalid" and "未导入任何数据" in result.message
    hits = [e for e in result.errors.items if e["row"] == row and e["column"] == column and reason in e["message"]]
    assert hits, result.errors.items
    assert not Household.objects.exists() and not Person.objects.exists() and not ImportBatch.objects.exists()
    assert not AuditLog.objects.filter(action="import").exists()


def test_duplicate_in_file_reports_both_rows(persona):
    rows = rows_two_households()
    rows[3][5] = rows[1][5]
    result = run(xlsx(rows), persona=persona)
    assert {e["row"] for e in result.errors.items if "重复出现" in e["message"]} == {4, 6}


def test_person_already_in_the_registry_is_refused_at_their_own_row(register, persona):
    register(members=[member("刘桂兰", "head", born=dt.date(1975, 4, 9), seq=102)])
    households, persons = Household.objects.count(), Person.objects.count()
    result = run(xlsx(rows_two_households()), persona=persona)
    assert result.status == "invalid"
    (hit,) = [e for e in result.errors.items if "已在" in e["message"]]
    assert hit["row"] == 4 and hit["column"] == "公民身份号码" and "同一人不能在两户或两地登记" in hit["message"]
    assert (Household.objects.count(), Person.objects.count()) == (households, persons)
    assert not ImportBatch.objects.exists()


def test_importing_the_same_file_again_changes_nothing(persona):
    data = xlsx(rows_two_households())
    first = run(data, persona=persona)
    assert first.status == "imported"
    counts = (Household.objects.count(), Person.objects.count(), Event.objects.count())
    again = run(data, filename="改了名字.xlsx", persona=persona)
    assert again.status == "already_imported" and again.ok
    assert f"（批次 {first.batch.pk}），本次未重复导入" in again.message and "该文件已于" in again.message
    assert (Household.objects.count(), Person.objects.count(), Event.objects.count()) == counts
    assert ImportBatch.objects.count() == 1 and AuditLog.objects.filter(action="import").count() == 1


def test_error_report_names_the_files_row_and_column(persona):
    rows = rows_two_households()
    rows[2][5] = rows[2][5][:-1] + "Y"
    result = run(xlsx(rows), persona=persona)
    (error,) = result.errors.items
    # Title row 1, header row 2: the third data row is row 5 of the file, and the column keeps its own name.
    assert (error["row"], error["column"]) == (5, "公民身份号码") and "无效字符" in error["message"]
    assert result.errors.as_api_errors()[0]["path"] == "第5行.公民身份号码"
    sheet = load_workbook(io.BytesIO(imports.errors_workbook(result.errors))).active
    assert [c.value for c in sheet[1]] == ["工作表", "行号", "列", "列名", "值", "问题"]
    assert [c.value for c in sheet[2]][:4] == [None, 5, "F", "公民身份号码"]
    assert sheet["E2"].value == rows[2][5] and "无效字符" in sheet["F2"].value


def test_conflicting_household_values_reveal_a_missing_head_row(persona):
    rows = rows_two_households()
    # Without 户号, a member row from another village would silently join the household above.
    rows = [r[1:] for r in rows]
    rows[2][0], rows[2][1] = VILLAGE_A2, "小沙江镇2组3号"
    result = run(xlsx(rows, HEADERS[1:], merge_households=False), persona=persona)
    messages = {(e["row"], e["column"]) for e in result.errors.items if "不一致" in e["message"]}
    assert messages == {(5, "村（社区）代码"), (5, "家庭住址")}
    assert not Person.objects.exists()


def test_unknown_headers_can_be_mapped_by_hand(persona):
    headers = ["户号", "村（社区）代码", "家庭住址", "户口性质", "姓名", "本人号码", "与户主关系", "出生日期"]
    data = xlsx(rows_two_households(), headers)
    preview = imports.validate_file(data, "a.xlsx", actor=persona("longhui_officer"))
    assert preview.missing == ["id_number"] and "本人号码" in preview.unmapped
    assert "没有“身份证号码”列" in preview.errors.items[0]["message"] and not preview.households
    mapping = {**preview.mapping, "本人号码": "id_number"}
    result = run(data, persona=persona, mapping=mapping)
    assert result.status == "imported" and result.persons == 4


def test_template_downloads_and_imports_once_filled(client_for, persona):
    response = client_for("longhui_officer").get("/registry/import/template.xlsx")
    assert response.status_code == 200 and "filename*=UTF-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb["家庭成员"]
    headers = [c.value for c in sheet[1]]
    assert headers[:8] == ["户编号", "所在村（社区）区划代码", "住址", "户籍类型", "防止返贫监测户", "姓名",
                           "身份证号码", "与户主关系"]
    id_col = headers.index("身份证号码") + 1
    assert sheet.cell(row=1, column=id_col).font.color.rgb.endswith("C00000")  # required: red
    assert sheet.cell(row=2, column=id_col).number_format == "@"
    assert "可填：户主、配偶" in "".join(str(c.value) for c in wb["填写说明"]["C"])
    # Imported as downloaded, the example rows are refused rather than registered.
    untouched = run(response.content, "longhui_officer", "模板.xlsx", persona=persona)
    assert untouched.status == "invalid" and "示例行" in untouched.errors.items[0]["message"]
    # Filled in: the example replaced by a real household, one more member added.
    sheet.cell(row=2, column=id_col, value=pid(121, dt.date(1968, 3, 12)))
    sheet.cell(row=3, column=id_col, value=pid(122, dt.date(1970, 8, 6)))
    sheet.append(["1", "", "", "", "", "张小红", pid(124, dt.date(2010, 9, 1)), "子女"])
    out = io.BytesIO()
    wb.save(out)
    result = run(out.getvalue(), "longhui_officer", "模板.xlsx", persona=persona)
    assert result.status == "imported", result.errors.items
    household = Household.objects.get()
    assert household.region.code == VILLAGE_A and household.members.count() == 3
    assert Person.objects.get(name="李秀英").disability_type == "physical"


def test_parquet_is_read_too(persona, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = rows_two_households()
    for r in rows[1:3]:
        r[:4] = rows[0][:4]
    columns = list(zip(*[[str(v) if v is not None else None for v in r] for r in rows], strict=True))
    path = tmp_path / "名册.parquet"
    pq.write_table(pa.table({h: list(c) for h, c in zip(HEADERS, columns, strict=True)}), path)
    result = imports.import_file(path, path.name, actor=persona("longhui_officer"))
    assert result.status == "imported", result.errors.items
    assert result.persons == 4


def test_only_holders_of_import_rosters_may_import(persona, client_for):
    """ROLES.md: assistance officers and approvers import rosters; window officers, analysts and
    administrators do not (the capability, not a role name, decides)."""
    for username in ("longhui_analyst", "longhui_window", "longhui_admin"):
        with pytest.raises(PermissionDenied, match="导入名册"):
            run(xlsx(rows_two_households()), username, persona=persona)
        assert client_for(username).get("/registry/import/").status_code == 403
    assert not Person.objects.exists()
    assert client_for("longhui_approver").get("/registry/import/").status_code == 200
    assert client_for("longhui_officer").get("/registry/import/").status_code == 200
    result = run(xlsx(rows_two_households()), "longhui_approver", persona=persona)
    assert result.status == "imported" and result.persons == 4


def _upload(client, data=None, name="花名册.xlsx"):
    response = client.post("/registry/import/", {"file": SimpleUploadedFile(name, data or xlsx(rows_two_households()))})
    assert response.status_code == 302, response.content.decode()[:300]
    return response["Location"]


def test_upload_review_confirm_through_the_pages(client_for, settings):
    officer = client_for("longhui_officer")
    review = _upload(officer)
    page = officer.get(review).content.decode()
    assert "第 2 行" in page and "2 户、4 人" in page and "确认导入" in page
    assert '<option value="id_number" selected>身份证号码（必填）</option>' in page  # 公民身份号码 was recognised
    form = {"header": HEADERS, "field": ["household_key", "region_code", "address", "hukou_type", "name",
                                         "id_number", "relation", "birth_date"], "action": "import"}
    response = officer.post(review, form)
    batch = ImportBatch.objects.get()  # H4: the officer lands on the households of this batch
    assert response.status_code == 302 and response["Location"] == f"/registry/households/?batch={batch.pk}"
    assert Person.objects.count() == 4
    # …and later finds them again from 我最近的导入 on the import page.
    recent = officer.get("/registry/import/").content.decode()
    assert f'href="/registry/households/?batch={batch.pk}">本批家庭</a>' in recent
    assert f'href="/registry/persons/?batch={batch.pk}">本批人员</a>' in recent
    assert not [p for p in (settings.MEDIA_ROOT / "uploads" / "imports").iterdir() if p.is_file()]  # gone
    assert officer.get(review).status_code == 404


def test_review_lists_problems_and_offers_the_report(client_for):
    rows = rows_two_households()
    rows[3][6] = "配偶"
    officer = client_for("longhui_officer")
    review = _upload(officer, xlsx(rows))
    page = officer.get(review).content.decode()
    assert "第 6 行" in page and "没有户主" in page and "确认导入" not in page
    report = officer.get(review + "errors.xlsx")
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert [c.value for c in sheet[2]][1:4] == [6, "G", "与户主关系"]  # 行号, 列 (letter), 列名
    # Confirming anyway writes nothing.
    officer.post(review, {"header": HEADERS, "field": [""] * 8, "action": "import"})
    assert not Person.objects.exists()


def test_county_b_cannot_open_county_a_upload(client_for):
    review = _upload(client_for("longhui_officer"))
    other = client_for("dongkou_officer")
    assert other.get(review).status_code == 404
    assert other.get(review + "errors.xlsx").status_code == 404
    assert other.post(review, {"action": "import"}).status_code == 404
    assert not Person.objects.exists()
    assert client_for("longhui_officer").get(review).status_code == 200
    assert other.get("/registry/import/..%2F..%2Fsettings/").status_code == 404


def test_export_masks_ids_without_the_full_id_capability_and_is_audited(register, client_for, without_full_id):
    register(members=[member("张建国", "head"), member("张小军", "child", seq=33, born=dt.date(2001, 2, 3))])
    register(village=VILLAGE_A2, address="小沙江镇1组", members=[member("李春花", "head", seq=44)])
    number = make_id_number("430524", dt.date(1970, 5, 17), 21)
    assert client_for("longhui_analyst").get("/registry/persons/export.xlsx").status_code == 403  # no lists
    masked_officer = client_for("longhui_officer")
    response = masked_officer.get("/registry/persons/export.xlsx?region_code=430524100200&page=2")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E4%BA%BA%E5%91%98" in response["Content-Disposition"]  # 人员名单_….xlsx
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:2] == ["姓名", "身份证号码"] and len(rows) == 3  # the filter kept 李春花 out
    assert f"{number[:6]}********{number[-4:]}" in [r[1] for r in rows]
    assert number not in str(rows)
    log = AuditLog.objects.get(action="export")
    assert log.username == "longhui_officer" and log.detail["count"] == 2
    # H4: the export row says what was exported, in Chinese (the place by its name)
    assert log.detail["filters"] == {"地区": "湖南省邵阳市隆回县桃洪镇红星社区"}
    assert log.detail["object_type"] == "registry.person"
    # With the capability the officer sees full numbers; a county B user exports nothing of county A.
    without_full_id.restore()
    officer = masked_officer.get("/registry/persons/export.xlsx")
    assert number in str([[c.value for c in r] for r in load_workbook(
        io.BytesIO(b"".join(officer.streaming_content))).active.iter_rows()])
    households = client_for("dongkou_officer").get("/registry/households/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(households.streaming_content))).active
    assert [c.value for c in sheet[1]] == ["户号", "户主", "人口", "认定层级", "待审批建议", "人均月收入（元）",
                                           "月发放金额（元）", "户籍类型", "所在村（社区）", "住址"]
    assert sheet.max_row == 1


def test_household_export_rows_and_list_link(register, client_for):
    household = register(members=[member("张建国", "head"), member("张小军", "child", seq=33)])
    officer = client_for("longhui_officer")
    assert 'href="/registry/households/export.xlsx?address=%E7%BA%A2"' in officer.get(
        "/registry/households/?address=红").content.decode()
    sheet = load_workbook(io.BytesIO(b"".join(officer.get("/registry/households/export.xlsx?address=红")
                                              .streaming_content))).active
    assert [c.value for c in sheet[2]] == [household.pk, "张建国", 2, None, None, None, None, "农村",
                                           household.region.full_name, "红星社区3组12号"]


def test_management_command(persona, tmp_path, capsys):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx(rows_two_households()))
    call_command("import_registry", str(path), "--user", "longhui_officer")
    assert "已导入 2 户、4 人" in capsys.readouterr().out
    bad = tmp_path / "坏.xlsx"
    rows = rows_two_households(village=VILLAGE_B)
    for r in rows:
        r[5] = r[5] and "4305" + r[5][4:]
    bad.write_bytes(xlsx(rows))
    with pytest.raises(CommandError):
        call_command("import_registry", str(bad), "--user", "longhui_officer",
                     "--errors-xlsx", str(tmp_path / "report.xlsx"))
    assert "第3行" in capsys.readouterr().err and (tmp_path / "report.xlsx").exists()
    assert Person.objects.count() == 4


def test_api_endpoint_returns_counts_or_the_error_shape(persona, rf):
    from jiuzhu.registry.import_api import import_upload

    request = rf.post("/api/v1/registry/imports")
    request.auth = persona("longhui_officer")
    rows = rows_two_households()
    rows[0][5] = "430524*********12"
    # Refused: 400 with the error shape and links to the cell report (issue 15).
    status, body = import_upload(request, SimpleUploadedFile("a.xlsx", xlsx(rows)), None, None)
    assert status == 400 and body["code"] == "validation_error"
    assert {"path": "第3行.公民身份号码", "message": body["errors"][0]["message"]} == body["errors"][0]
    assert "脱敏" in body["errors"][0]["message"] and body["report_xlsx"].endswith("/report.xlsx")
    out = import_upload(request, SimpleUploadedFile("a.xlsx", xlsx(rows_two_households())), None, None)
    assert (out.status, out.households, out.persons) == ("imported", 2, 4)


def test_import_api_takes_a_department_file_and_reports_rows(client_for):
    """The API mounted in config/api.py: multipart upload, counts back, or the standard error shape."""
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from jiuzhu.core.identity import make_id_number
    from jiuzhu.registry.imports import template_workbook

    def with_ids(numbers):
        book = load_workbook(io.BytesIO(template_workbook()))
        sheet = book.worksheets[0]
        ids = iter(numbers)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value) == 18 and cell.value[:6].isdigit():
                    cell.value = next(ids)
                elif isinstance(cell.value, dt.date | dt.datetime) or (
                        isinstance(cell.value, str) and cell.value[:2] in ("19", "20") and "-" in cell.value):
                    cell.value = None  # the birth date follows from the new ID number
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    good = [make_id_number("430524", dt.date(1966, 5, 5), 71), make_id_number("430524", dt.date(1992, 8, 8), 72)]
    data = with_ids(good)
    client = client_for("longhui_officer")
    ok = client.post("/api/v1/registry/imports", {"file": io.BytesIO(data)}, format="multipart")
    body = ok.json()
    assert ok.status_code == 200 and body["status"] == "imported" and body["persons"] == 2, body
    again = client.post("/api/v1/registry/imports", {"file": io.BytesIO(data)}, format="multipart").json()
    assert again["status"] == "already_imported" and again["batch_id"] == body["batch_id"]
    broken = with_ids([good[0][:-1] + ("1" if good[0][-1] != "1" else "2"),
                       make_id_number("430524", dt.date(1993, 8, 8), 74)])
    bad = client.post("/api/v1/registry/imports", {"file": io.BytesIO(broken)}, format="multipart")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    assert any(e["path"].startswith("第") and "身份证号码" in e["path"] and "校验位" in e["message"]
               for e in bad.json()["errors"])


def test_uploads_are_encrypted_on_disk_and_purged_after_a_day(client_for, settings, tmp_path):
    import datetime as dt
    import io

    from django.utils import timezone

    from jiuzhu.core.identity import make_id_number
    from jiuzhu.core.tabular.store import purge_stale_uploads

    settings.MEDIA_ROOT = tmp_path
    number = make_id_number("430524", dt.date(1977, 7, 7), 51)
    text = ("所在村（社区）区划代码,住址,户籍类型,姓名,身份证号码,与户主关系\n"
            f"430524100200,红星社区,农村,王五,{number},户主\n")
    client = client_for("longhui_officer")
    upload = io.BytesIO(text.encode("gbk"))
    upload.name = "低保名单.csv"
    response = client.post("/registry/import/", {"file": upload}, format="multipart")
    assert response.status_code == 302
    stored = [p for p in (tmp_path / "uploads" / "imports").iterdir() if p.suffix != ".json"]
    # The file and its cached preview, both sealed.
    assert sorted(p.suffix for p in stored) == [".bin", ".preview"]
    assert all(number.encode() not in p.read_bytes() and "王五".encode() not in p.read_bytes() for p in stored)
    assert "低保名单.csv" in client.get(response["Location"]).content.decode()  # still readable by its owner
    assert purge_stale_uploads() == 0
    assert purge_stale_uploads(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not any((tmp_path / "uploads" / "imports").iterdir())  # the file, its preview and its sidecar


# ---- Issue 13: the tabular kit underneath, limits, the cached preview, disclosure ---------------------

FORMULA = '=HYPERLINK("http://x","y")'


def test_a_workbook_with_a_sheet_per_township_is_imported_whole_or_not_at_all(persona):
    """Every sheet with a header is data; one bad row in the second sheet keeps the first out too."""
    def workbook(second_id):
        wb = Workbook()
        first = wb.active
        first.title = "桃洪镇"
        for row in [HEADERS[1:], [VILLAGE_A, "红星社区5组8号", "农村", "王大山", pid(101), "户主", None]]:
            first.append(row)
        second = wb.create_sheet("小沙江镇")
        for row in [["小沙江镇低保花名册"], HEADERS[1:],
                    [VILLAGE_A2, "小沙江镇6组1号", "城镇", "赵春生", second_id, "户主", None], ["合计", "1户1人"]]:
            second.append(row)
        wb.create_sheet("填写说明").append(["请按模板填写"])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    bad = run(workbook(pid(105)[:-1] + "Y"), persona=persona)
    assert bad.status == "invalid" and not Person.objects.exists()
    (error,) = bad.errors.items
    assert (error["sheet"], error["row"], error["column"]) == ("小沙江镇", 3, "公民身份号码")
    assert bad.errors.as_api_errors()[0]["path"] == "工作表“小沙江镇”第3行.公民身份号码"
    preview = imports.validate_file(workbook(pid(105)), "a.xlsx", actor=persona("longhui_officer"))
    assert (preview.sheets, preview.skipped_sheets, preview.skipped) == (["桃洪镇", "小沙江镇"], ["填写说明"], 1)
    good = run(workbook(pid(105)), persona=persona)
    assert good.status == "imported" and (good.households, good.persons) == (2, 2)
    assert sorted(Person.objects.values_list("name", flat=True)) == ["王大山", "赵春生"]


@pytest.mark.parametrize(("data", "filename", "message"), [
    ("zz", "a.xlsx", "无效的单元格位置“ZZZZZ99”"),
    ("abc", "a.xlsx", "单元格 C2 标为数字，内容却是“abc”"),
    ("bomb", "a.xlsx", "解压后有 3 MB，超过了 2 MB 的上限"),
])
def test_crafted_files_get_a_chinese_message_on_the_page_and_in_the_api(data, filename, message, client_for,
                                                                          settings):
    settings.TABULAR_MAX_EXPANDED_BYTES = 2 * 1024 * 1024
    import zipfile

    base = xlsx(rows_two_households(), title=None, merge_households=False)
    change = {"zz": lambda x: x.replace('r="F3"', 'r="ZZZZZ99"'),
              "abc": lambda x: x.replace('<c r="C2" t="inlineStr"><is><t>红星社区5组8号</t></is></c>',
                                         '<c r="C2" t="n"><v>abc</v></c>'),
              "bomb": lambda x: x.replace("</sheetData>", "</sheetData>" + " " * (3 * 1024 * 1024))}[data]
    source, out = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item.filename, change(content.decode()).encode()
                            if item.filename == "xl/worksheets/sheet1.xml" else content)
    officer = client_for("longhui_officer")
    review = _upload(officer, out.getvalue(), filename)
    page = officer.get(review)
    assert page.status_code == 200 and message in page.content.decode()
    api = officer.post("/api/v1/registry/imports", {"file": SimpleUploadedFile(filename, out.getvalue())})
    assert api.status_code == 400 and api.json()["code"] == "invalid_file" and message in api.json()["message"]
    assert not Person.objects.exists()


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(client_for, settings):
    settings.TABULAR_MAX_UPLOAD_BYTES = 1024 * 1024
    officer = client_for("longhui_officer")
    big = SimpleUploadedFile("大.csv", b"a," * (600 * 1024))
    response = officer.post("/registry/import/", {"file": big}, follow=True)
    assert response.status_code == 200 and "文件大小为 1.2 MB，超过了 1 MB 的上限" in response.content.decode()
    assert "文件不超过 1 MB" in response.content.decode()
    assert not (settings.MEDIA_ROOT / "uploads" / "imports").exists() or \
        not list((settings.MEDIA_ROOT / "uploads" / "imports").glob("*.bin"))
    api = officer.post("/api/v1/registry/imports", {"file": SimpleUploadedFile("大.csv", b"a," * (600 * 1024))})
    assert api.status_code == 400 and "超过了 1 MB 的上限" in api.json()["message"]


def test_a_csv_field_over_131072_characters_is_a_row_error(persona):
    text = ("所在村（社区）区划代码,住址,户籍类型,姓名,身份证号码,与户主关系\n"
            f"{VILLAGE_A},红星社区,农村,王五,{pid(151)},户主\n"
            f"{VILLAGE_A},{'长' * 131_073},农村,赵六,{pid(152)},户主\n")
    result = run(text.encode("utf-8"), filename="a.csv", persona=persona)
    assert result.status == "invalid"
    assert [(e["row"], e["column"], e["message"]) for e in result.errors.items] == [
        (3, "住址", "内容过长（131073 个字符，最多 131072 个）")]
    assert not Person.objects.exists()


def test_the_review_page_reads_the_cached_preview_not_the_file(client_for, monkeypatch):
    rows = rows_two_households()
    rows[3][6] = "配偶"
    officer = client_for("longhui_officer")
    review = _upload(officer, xlsx(rows))  # validated once, here

    def parse_again(*args, **kwargs):
        raise AssertionError("the review page must not parse the file again")

    monkeypatch.setattr(imports, "validate_file", parse_again)
    for _ in range(3):
        assert "没有户主" in officer.get(review).content.decode()
    report = load_workbook(io.BytesIO(officer.get(review + "errors.xlsx").content)).active
    assert [report["B2"].value, report["C2"].value, report["D2"].value] == [6, "G", "与户主关系"]
    # Confirming a file with problems is refused from the cache too.
    response = officer.post(review, {"action": "import"}, follow=True)
    assert "文件中还有问题，未导入任何数据" in response.content.decode() and not Person.objects.exists()


def test_a_new_mapping_validates_again_once(client_for, monkeypatch):
    headers = ["户号", "村（社区）代码", "家庭住址", "户口性质", "姓名", "本人号码", "与户主关系", "出生日期"]
    officer = client_for("longhui_officer")
    review = _upload(officer, xlsx(rows_two_households(), headers))
    assert "没有“身份证号码”列" in officer.get(review).content.decode()
    calls = []
    real = imports.validate_file
    monkeypatch.setattr(imports, "validate_file", lambda *a, **k: calls.append(1) or real(*a, **k))
    fields = ["household_key", "region_code", "address", "hukou_type", "name", "id_number", "relation", "birth_date"]
    officer.post(review, {"header": headers, "field": fields, "action": "remap"})
    for _ in range(2):
        assert "2 户、4 人" in officer.get(review).content.decode()
    assert len(calls) == 1
    response = officer.post(review, {"header": headers, "field": fields, "action": "import"})
    assert response["Location"].startswith("/registry/households/?batch=") and Person.objects.count() == 4
    assert len(calls) == 2  # the import itself reads the file once more, to write it
    # The mapping is remembered: the next file with 本人号码 needs no mapping by hand.
    rows = rows_two_households()
    for r in rows:
        r[5] = r[5] and r[5][:14] + "0" + r[5][15:16] + "0" + r[5][17:]
    again = _upload(officer, xlsx([[r[0], r[1], r[2], r[3], r[4], pid(160 + i), r[6], None]
                                   for i, r in enumerate(rows)], headers), "第二批.xlsx")
    assert '<option value="id_number" selected>' in officer.get(again).content.decode()


def test_error_report_writes_a_formula_like_name_as_text(client_for, register):
    """Finding 10: a name typed as =HYPERLINK(…) came back in errors.xlsx as a live formula."""
    register(members=[member("刘桂兰", "head", born=dt.date(1975, 4, 9), seq=102)])
    rows = rows_two_households()
    rows[1][4] = FORMULA  # the name on the row of a person already registered: the message repeats it
    wb = Workbook()
    from jiuzhu.core.exports import append_row

    for row in [HEADERS, *rows]:
        append_row(wb.active, row)  # typed text, as Excel saves it
    out = io.BytesIO()
    wb.save(out)
    officer = client_for("longhui_officer")
    review = _upload(officer, out.getvalue())
    sheet = load_workbook(io.BytesIO(officer.get(review + "errors.xlsx").content)).active
    (cell,) = [c for row in sheet.iter_rows(min_row=2) for c in row if FORMULA in str(c.value)]
    assert cell.data_type == "s" and cell.value.startswith(FORMULA + "（430524…）已在")
    assert sheet.cell(row=cell.row, column=4).value == "公民身份号码"


def test_the_review_shows_persons_masked_with_age_never_birth_date(client_for, without_full_id):
    officer = client_for("longhui_officer")
    page = officer.get(_upload(officer)).content.decode()
    number = pid(101)
    assert f"{number[:6]}********{number[-4:]}" in page and number not in page
    assert "1975-04-09" not in page and "19750409" not in page and f"{_age(dt.date(1975, 4, 9))} 岁" in page


def test_the_review_shows_full_numbers_to_those_who_may_see_them(client_for):
    officer = client_for("longhui_officer")
    page = officer.get(_upload(officer)).content.decode()
    assert pid(101) in page and "1975-04-09" not in page


def _age(born):
    today = dt.date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _registered_in_county_b(register, count):
    numbers = [pid(170 + i) for i in range(count)]
    register(username="dongkou_officer", village=VILLAGE_B, address="洞口镇1组",
             members=[member(f"外县{i}", "head" if i == 0 else "child", born=dt.date(1975, 4, 9), seq=170 + i)
                      for i in range(count)])
    return numbers


def test_an_import_revealing_registrations_elsewhere_is_audited(register, persona):
    from jiuzhu.core.crypto import keyed_hash

    (number,) = _registered_in_county_b(register, 1)
    rows = rows_two_households()
    rows[1][5] = number
    result = run(xlsx(rows), persona=persona)
    (hit,) = [e for e in result.errors.items if "管辖范围以外" in e["message"]]
    assert hit["row"] == 4
    (row,) = AuditLog.objects.filter(action="disclosure")
    assert (row.username, row.object_id, row.object_type) == ("longhui_officer", keyed_hash(number),
                                                              "core.id_number_hash")
    assert number not in str(list(AuditLog.objects.values_list("detail", "object_repr", "object_id")))


def test_an_import_passing_the_daily_cap_is_refused_everywhere(register, persona, client_for, settings):
    settings.DISCLOSURE_DAILY_LIMIT = 2
    numbers = _registered_in_county_b(register, 3)
    rows = rows_two_households()
    rows[0][5], rows[1][5], rows[2][5] = numbers
    rows[2][7] = None
    data = xlsx(rows)
    with pytest.raises(DomainError) as exc:
        run(data, persona=persona)
    assert exc.value.code == "disclosure_limit" and "超过每日 2 人的上限" in exc.value.message
    assert not AuditLog.objects.filter(action="disclosure").exists()
    assert AuditLog.objects.filter(action="disclosure_limit", username="longhui_officer").count() == 1
    assert Event.objects.filter(kind="core.disclosure_limit_passed").count() == 1
    officer = client_for("longhui_officer")
    page = officer.get(_upload(officer, data)).content.decode()
    assert "超过每日 2 人的上限" in page and "管辖范围以外的地区登记" not in page
    api = officer.post("/api/v1/registry/imports", {"file": SimpleUploadedFile("a.xlsx", data)})
    assert api.status_code == 400 and api.json()["code"] == "disclosure_limit"
    assert "管辖范围以外的地区登记" not in str(api.json())
    assert Event.objects.filter(kind="core.disclosure_limit_passed").count() == 1  # one alert a day


def test_registration_page_and_api_answers_are_audited_and_capped(register, client_for, settings):
    settings.DISCLOSURE_DAILY_LIMIT = 1
    first, second = _registered_in_county_b(register, 2)
    officer = client_for("longhui_officer")
    form = {"region_code": VILLAGE_A, "address": "红星社区1组", "hukou_type": "rural",
            "m0_name": "张三", "m0_id_number": first, "m0_relation": "head"}
    page = officer.post("/registry/households/new/", form)
    assert "管辖范围以外" in page.content.decode()
    assert AuditLog.objects.filter(action="disclosure", username="longhui_officer").count() == 1
    api = officer.post("/api/v1/registry/households", {
        "region_code": VILLAGE_A, "address": "红星社区1组", "hukou_type": "rural",
        "members": [{"name": "李四", "id_number": second, "relation": "head"}]}, content_type="application/json")
    assert api.status_code == 400 and api.json()["code"] == "disclosure_limit"
    assert AuditLog.objects.filter(action="disclosure", username="longhui_officer").count() == 1
    assert AuditLog.objects.filter(action="disclosure_limit", username="longhui_officer").count() == 1


def test_adding_a_member_registered_elsewhere_is_audited(register, persona):
    from jiuzhu.core.crypto import keyed_hash
    from jiuzhu.registry.services import household_member_add

    (number,) = _registered_in_county_b(register, 1)
    household = register()
    with pytest.raises(DomainError, match="管辖范围以外"):
        household_member_add(actor=persona("longhui_officer"), household=household,
                             member={"name": "外县0", "id_number": number, "relation": "child"})
    assert list(AuditLog.objects.filter(action="disclosure").values_list("username", "object_id")) == [
        ("longhui_officer", keyed_hash(number))]


def test_villages_written_by_name_are_imported_with_their_codes(persona):
    bad = rows_two_households()
    bad[3][1] = "洞口镇红星社区"  # county B's 红星社区: not in this officer's county
    result = run(xlsx(bad), persona=persona)
    assert [(e["row"], e["column"], e["message"][:24]) for e in result.errors.items] == [
        (6, "村（社区）代码", "“洞口镇红星社区”不是您辖区内的乡镇或村（社区）")]
    rows = rows_two_households()
    rows[0][1], rows[3][1] = "红星社区", "小沙江镇白竹村"
    result = run(xlsx(rows), persona=persona)
    assert result.status == "imported", result.errors.items
    assert Household.objects.get(members__name="王大山").region.code == VILLAGE_A
    assert Household.objects.get(members__name="赵春生").region.code == VILLAGE_A2 == "430524101200"
