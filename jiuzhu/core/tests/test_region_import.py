"""The statistical code table (统计用区划代码) loads townships and villages (issue 15): level and parent from
the code, re-running changes nothing, a renamed village keeps its code, all or nothing, jurisdiction."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from jiuzhu.core.models import AuditLog, Event, Region
from jiuzhu.core.region_import import RegionImportRefused, regions_import


def workbook(rows, *, title="2026年统计用区划代码和城乡划分代码（隆回县）") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells("A1:C1")
    ws.append(["统计用区划代码", "城乡分类代码", "名称"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


NEW = [
    ["430524000000", "", "隆回县"],
    ["430524120000", "", "测试镇"],
    ["430524120201", "220", "甲村"],
    ["430524120202", "121", "乙社区"],
    ["430524100000", "", "桃洪镇"],
    ["430524100200", "111", "红星社区"],
]


def test_townships_and_villages_load_by_code_and_rerun_changes_nothing(persona):
    admin = persona("longhui_admin")
    result = regions_import(actor=admin, data=workbook(NEW), filename="区划.xlsx")
    assert result.summary() == "新增乡镇（街道）1 个，新增村（社区）2 个，更名 0 个，未变 1 个，县级及以上 1 行已跳过"
    township = Region.objects.get(code="430524120000")
    village = Region.objects.get(code="430524120201")
    assert (township.level, township.parent.code, township.full_name) == (
        "township", "430524", "湖南省邵阳市隆回县测试镇")
    assert (village.level, village.parent_id, village.path, village.urban_rural_code) == (
        "village", township.pk, "/430000/430500/430524/430524120000/430524120201/", "220")
    assert Region.objects.get(code="430524100200").urban_rural_code == "111"  # the code was added, not a rename
    count = Region.objects.count()
    again = regions_import(actor=admin, data=workbook(NEW), filename="区划（另存）.xlsx")
    assert again.summary() == "新增乡镇（街道）0 个，新增村（社区）0 个，更名 0 个，未变 5 个，县级及以上 1 行已跳过"
    assert Region.objects.count() == count
    audit = AuditLog.objects.filter(action="import", object_type="core.region").latest("id")
    assert audit.detail["what"] == "区划" and audit.detail["file"] == "区划（另存）.xlsx"
    assert Event.objects.filter(kind="core.regions_imported").count() == 1  # the re-run wrote no event


def test_a_renamed_village_keeps_its_code_and_its_id(persona):
    admin = persona("longhui_admin")
    before = Region.objects.get(code="430524100200")
    result = regions_import(actor=admin, data=workbook([["430524100000", "", "桃洪街道"],
                                                        ["430524100200", "", "红星新区"]]), filename="a.xlsx")
    assert result.renamed == ["桃洪镇 → 桃洪街道", "红星社区 → 红星新区"]
    after = Region.objects.get(code="430524100200")
    assert (after.pk, after.name, after.full_name) == (before.pk, "红星新区", "湖南省邵阳市隆回县桃洪街道红星新区")
    # The other village of the renamed township follows the new township name.
    assert Region.objects.get(code="430524100201").full_name == "湖南省邵阳市隆回县桃洪街道新民社区"


def test_every_problem_is_reported_by_row_and_nothing_is_written(persona):
    admin = persona("longhui_admin")
    count = Region.objects.count()
    rows = [
        ["430524120000", "", "测试镇"],
        ["43052412020", "", "短代码村"],  # row 4
        ["430524130201", "", "无乡镇村"],  # row 5: township 430524130000 neither in the tree nor in the file
        ["430525100205", "", "洞口的村"],  # row 6: another county
        ["430524120201", "999", "甲村"],  # row 7: not an urban-rural code
        ["430524120201", "", "甲村"],  # row 8: duplicate
        ["430524120202", "", ""],  # row 9: no name
        ["439999100000", "", "无县镇"],  # row 10: a township whose county is not in the tree
    ]
    with pytest.raises(RegionImportRefused) as refused:
        regions_import(actor=admin, data=workbook(rows), filename="坏.xlsx")
    assert [(e["row"], e["column"], e["message"]) for e in refused.value.row_errors.items] == [
        (4, "统计用区划代码", "“43052412020”不是12位数字代码"),
        (5, "统计用区划代码", "所属乡镇（街道） 430524130000 不存在，也不在本文件中"),
        (6, "统计用区划代码", "430525100205（洞口的村）不在您的辖区内"),
        (7, "城乡分类代码", "“999”不是城乡分类代码（如111、220）"),
        (8, "统计用区划代码", "代码与第7行重复"),
        (9, "名称", "名称为空"),
        (10, "统计用区划代码", "所属县（区） 439999 不存在，也不在本文件中"),
    ]
    assert refused.value.message == "区划文件有 7 处问题，未导入任何数据"
    assert Region.objects.count() == count


def test_only_administrators_load_regions(persona):
    with pytest.raises(PermissionDenied):
        regions_import(actor=persona("longhui_officer"), data=workbook(NEW), filename="a.xlsx")
    assert not Region.objects.filter(code="430524120000").exists()


def test_a_gbk_csv_loads_too(persona):
    data = "统计用区划代码,名称\r\n430524120000,测试镇\r\n430524120201,甲村\r\n".encode("gbk")
    result = regions_import(actor=persona("longhui_admin"), data=data, filename="区划.csv")
    assert (result.townships_added, result.villages_added) == (1, 1)


def test_the_command_reports_and_exits_non_zero_on_a_refused_file(persona, tmp_path, capsys):
    good = tmp_path / "区划.xlsx"
    good.write_bytes(workbook(NEW))
    call_command("import_regions", str(good), user="longhui_admin")
    assert "已导入：新增乡镇（街道）1 个，新增村（社区）2 个" in capsys.readouterr().out
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(workbook([["430525100205", "", "洞口的村"]]))
    report = tmp_path / "问题.xlsx"
    with pytest.raises(CommandError, match="区划文件有 1 处问题"):
        call_command("import_regions", str(bad), user="longhui_admin", errors_xlsx=str(report))
    assert "第3行 统计用区划代码：430525100205（洞口的村）不在您的辖区内" in capsys.readouterr().err
    sheet = load_workbook(report).active
    assert [c.value for c in sheet[2]][-1] == "430525100205（洞口的村）不在您的辖区内"


def test_the_page_loads_a_file_for_an_administrator_only(client_for, persona):
    admin = client_for("longhui_admin")
    page = admin.get("/regions/")
    assert page.status_code == 200 and "桃洪镇" in page.content.decode()
    upload = io.BytesIO(workbook(NEW))
    upload.name = "区划.xlsx"
    response = admin.post("/regions/", {"file": upload}, follow=True)
    assert "已导入：新增乡镇（街道）1 个，新增村（社区）2 个" in response.content.decode()
    bad = io.BytesIO(workbook([["43052412", "", "短"]]))
    bad.name = "坏.xlsx"
    refused = admin.post("/regions/", {"file": bad}).content.decode()
    assert "“43052412”不是12位数字代码" in refused and "区划文件有 1 处问题，未导入任何数据" in refused
    old = io.BytesIO(b"\xd0\xcf\x11\xe0")
    old.name = "区划.xls"
    assert "另存为" in admin.post("/regions/", {"file": old}).content.decode()  # the shared upload step
    assert "请选择要导入的文件" in admin.post("/regions/", {}).content.decode()
    assert client_for("longhui_officer").get("/regions/").status_code == 403
