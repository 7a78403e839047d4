"""An applicant on the public portal, on a 390×844 phone and on a desk: applies online (the form refuses to go
without a hand-written signature, then the applicant signs on the canvas with the finger/mouse), gets a query
code, checks the progress with the code and the last four characters of the ID number; a wrong code gets the
same refusal as wrong digits, and shows nothing."""

import datetime as dt

import pytest

from jiuzhu.core import files
from jiuzhu.core.identity import make_id_number
from jiuzhu.intake.models import Application, ApplicationStatus, Channel
from jiuzhu.intake.portal_services import NO_MATCH
from tests.e2e.conftest import shooter

NUMBER = make_id_number("430524", dt.date(1986, 4, 12), 48)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


shot = shooter("portal")


def sign(page) -> None:
    canvas = page.locator("canvas.signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for step in range(1, 13):
        page.mouse.move(x + w * (0.1 + step * 0.06), y + h * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()


def test_apply_online_and_check_progress(page, media):
    page.goto(page.base_url + "/portal/")
    with page.expect_navigation():
        page.get_by_role("link", name="网上申请救助").click()
    page.get_by_label("申请人姓名").fill("陈小红")
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_label("联系电话").fill("13512345678")
    page.get_by_label("所在乡镇（街道）").select_option(label="隆回县 桃洪镇")
    page.locator("#village option", has_text="红星社区").wait_for(state="attached")
    page.get_by_label("所在村（社区）").select_option(label="红星社区")
    page.get_by_label("现住址").fill("红星社区3组12号")
    page.get_by_label("最低生活保障", exact=True).check()
    page.get_by_label("医疗救助", exact=True).check()
    page.get_by_label("困难情况").fill("丈夫去世，一人带两个孩子，无固定收入")
    page.get_by_label("我已阅读并同意以上授权").check()

    page.get_by_role("button", name="提交申请").click()  # not signed yet: the page says so and stays
    page.locator("#signature-error").wait_for(state="visible")
    assert "/portal/apply/" in page.url and not Application.objects.exists()
    shot(page, "unsigned")

    sign(page)
    with page.expect_navigation():
        page.get_by_role("button", name="提交申请").click()
    assert page.url.endswith("/portal/apply/done/")
    code = page.locator("#query-code").inner_text().strip()
    application = Application.objects.get()
    assert code == application.query_code and application.channel == Channel.ONLINE
    assert application.status == ApplicationStatus.SUBMITTED and application.signature_file_key
    assert files.stored_file_read(application.signature_file_key).startswith(b"\x89PNG\r\n\x1a\n")
    shot(page, "code")

    with page.expect_navigation():
        page.get_by_role("link", name="查询办理进度").click()
    page.guard.allow_status(400)  # the refusal is answered with 400, as a refused form is
    page.get_by_label("查询码").fill("0000000000" if code != "0000000000" else "1111111111")
    page.get_by_label("身份证号码后四位").fill(NUMBER[-4:])
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert NO_MATCH in page.inner_text("body") and "办理经过" not in page.inner_text("body")
    shot(page, "refused")

    page.get_by_label("查询码").fill(code)
    page.get_by_label("身份证号码后四位").fill(NUMBER[-4:])
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    body = page.inner_text("body")
    assert "办理经过" in body and "已收到您的申请（网上申请）" in body and "最低生活保障" in body
    assert "陈小红" not in body and NUMBER not in body


def test_calculator_on_the_portal(page):
    page.goto(page.base_url + "/portal/calculator/")
    page.get_by_label("所在乡镇（街道）").select_option(label="隆回县 桃洪镇")
    page.get_by_label("农村").check()
    page.get_by_label("共同生活的家庭人口（人）").fill("3")
    page.get_by_label("家庭每月总收入（元）").fill("900")
    page.get_by_label("最近遭遇火灾、交通事故、突发重病等突发困难").check()
    with page.expect_navigation():
        page.get_by_role("button", name="估算").click()
    body = page.inner_text("body")
    assert "估算结果" in body and "当地尚未设置农村低保标准" in body and "临时救助" in body
