"""民政经办 imports a roster and follows the link to the imported households (issue 14): upload through 批量导入
(the file field found by its label), confirm, follow the success message's link to this batch's households, sort
by a column header, go to the last page; on a desk and a phone."""

import datetime as dt
import io

from openpyxl import Workbook

from jiuzhu.core.identity import make_id_number
from jiuzhu.registry.models import ImportBatch
from tests.e2e.conftest import open_menu, shooter, sign_in

HOUSEHOLDS = 45  # three pages of 20
VILLAGES = ["430524100200", "430524101200"]  # 桃洪镇红星社区, 小沙江镇白竹村
HEADERS = ["户号", "村（社区）代码", "家庭住址", "户口性质", "姓名", "公民身份号码", "与户主关系", "出生日期"]


def roster(path) -> None:
    """A small roster as offices send them: a title row, then one head per household."""
    wb = Workbook()
    ws = wb.active
    ws.append(["隆回县低保家庭花名册"])
    ws.append(HEADERS)
    for i in range(HOUSEHOLDS):
        born = dt.date(1950 + i % 40, 1 + i % 12, 1 + i % 27)
        ws.append([str(i + 1), VILLAGES[i % 2], f"{i + 1}组{i + 3}号", "农村", f"王{'一二三四五六七八九十'[i % 10]}{i}",
                   make_id_number("430524", born, 300 + i), "户主", born.isoformat()])
    out = io.BytesIO()
    wb.save(out)
    path.write_bytes(out.getvalue())


shot = shooter("import-journey")


def test_officer_imports_a_roster_and_follows_the_link_to_its_households(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "桃洪镇低保花名册.xlsx"
    roster(path)
    sign_in(page, "longhui_officer")
    open_menu(page, "批量导入")
    page.get_by_label("导入文件").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()
    shot(page, "1-review")
    with page.expect_navigation():
        page.get_by_role("button", name=f"确认导入 {HOUSEHOLDS} 户、{HOUSEHOLDS} 人").click()
    batch = ImportBatch.objects.get()
    message = page.locator(".messages li.success")
    assert message.inner_text().startswith(f"已导入 {HOUSEHOLDS} 户、{HOUSEHOLDS} 人")
    with page.expect_navigation():
        message.get_by_role("link", name="查看本批导入的家庭").click()
    assert page.url.endswith(f"/registry/households/?batch={batch.pk}")
    body = page.inner_text("body")
    local = batch.created_at.astimezone(dt.timezone(dt.timedelta(hours=8)))  # Asia/Shanghai
    assert f"本批导入：桃洪镇低保花名册.xlsx {local:%Y-%m-%d %H:%M}" in body
    assert f"第 1 / 3 页，共 {HOUSEHOLDS} 户" in body
    shot(page, "2-batch")
    # Sort by 所在村（社区）: the column header is a link; 红星社区 (…100200) comes before 白竹村 (…101200).
    with page.expect_navigation():
        page.get_by_role("link", name="所在村（社区）").click()
    assert "sort=region" in page.url and f"batch={batch.pk}" in page.url
    first_village = page.locator('td[data-label="所在村（社区）"]').first.inner_text()
    assert first_village == "红星社区"
    with page.expect_navigation():
        page.get_by_role("link", name="末页").click()
    body = page.inner_text("body")
    assert f"第 3 / 3 页，共 {HOUSEHOLDS} 户" in body
    assert page.locator('td[data-label="户号"]').count() == HOUSEHOLDS - 40
    assert set(page.locator('td[data-label="所在村（社区）"]').all_inner_texts()) == {"白竹村"}
    assert page.get_by_role("link", name="首页").is_visible()
    shot(page, "3-last-page")
