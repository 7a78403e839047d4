"""部门经办 (医保局) uploads a month of settlements with errors (issue 16): the report names row, column and
reason; the clerk accepts the batch without its bad rows and downloads them to correct; on a desk and a
phone."""

import io

import openpyxl

from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus
from jiuzhu.monitoring.tests.test_feed_upload import with_errors
from tests.e2e.conftest import open_menu, shooter, sign_in

shot = shooter("department-feed")


def test_clerk_uploads_a_feed_with_errors_and_accepts_it_without_the_bad_rows(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "住院结算2026年10月.csv"
    path.write_bytes(with_errors())
    sign_in(page, "longhui_clerk")
    open_menu(page, "数据上报")
    assert "部门工作台" in page.inner_text("h1")
    shot(page, "1-inbox")
    page.get_by_label("数据类型").select_option(label="医保结算")
    page.get_by_label("导入文件").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()
    body = page.inner_text("body")
    assert "其中 3 行有错误" in body
    assert "第 4 行" in body and "身份证号码校验位错误" in body
    assert "第 5 行" in body and "E 列 入院日期" in body and "日期“2026-02-30”不存在" in body
    assert "第 6 行" in body and "I 列 医疗总费用" in body and "“一万”不是数字" in body
    shot(page, "2-report")
    with page.expect_navigation():
        page.get_by_role("button", name="不含错误行入库（1 行）").click()
    assert "已入库 1 行，3 个错误行未入库" in page.inner_text(".messages")
    assert FeedBatch.objects.get().status == FeedBatchStatus.STORED
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误行（Excel）").click()
    rows = list(openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).worksheets[0].values)
    assert [r[0] for r in rows[1:]] == [4, 5, 6] and "入院日期：日期“2026-02-30”不存在" in rows[2][-1]
    shot(page, "3-accepted")
    open_menu(page, "数据上报")
    assert "已入库" in page.inner_text("table")
