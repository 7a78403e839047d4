"""民政经办 imports an old county system's GBK csv as it comes (issue 15): the review lists each problem at its
cell (column letter, the file's own header, the value), offers the report as Excel and CSV, and the column
mapping is saved by name; on a desk and a phone."""

from jiuzhu.registry import imports
from jiuzhu.registry.models import Person
from jiuzhu.registry.tests import roster_files
from tests.e2e.conftest import open_menu, shooter, sign_in

shot = shooter("roster-import")


def test_officer_sees_each_problem_at_its_cell_and_saves_the_mapping(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    roster = roster_files.legacy_csv(dirty=True)
    path = tmp_path / roster.filename
    path.write_bytes(roster.data)
    sign_in(page, "longhui_officer")
    open_menu(page, "批量导入")
    page.get_by_label("导入文件").set_input_files(str(path))
    # The core file picker names the chosen file in Chinese, never Chromium's "Choose File / No file chosen".
    assert page.locator(".file-picker-name").inner_text() == roster.filename
    shot(page, "0-picked")
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()
    body = page.inner_text("body")
    assert "G 列 救助类别" in body and "“五类”不是有效取值" in body and "该户没有户主" in body
    assert "末位小写x已改为大写X" in body and "确认导入" not in body
    assert page.get_by_role("link", name="下载错误报告（CSV）").is_visible()
    shot(page, "1-problems")
    page.get_by_label("保存当前对应关系为方案").fill("老系统导出")
    with page.expect_navigation():
        page.get_by_role("button", name="保存方案").click()
    assert "已保存列对应方案“老系统导出”" in page.inner_text(".messages")
    assert imports.MAPPINGS.get("老系统导出")["救助类别"] == "benefit_class"
    assert page.get_by_label("选用已保存的列对应方案").is_visible()
    shot(page, "2-saved")
    assert not Person.objects.exists()
