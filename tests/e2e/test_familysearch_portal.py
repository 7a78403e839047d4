"""A family, on a 390×844 phone and without signing in, files a missing report (走失人员登记) on the public portal:
the mobile number gets a code (read here from the SMS outbox; the demo page shows it too, saying it is the
demo's), then the form with two photos of the missing person and the time they went missing, and the receipt
with its number and what happens next.
Issue #19."""

import datetime as dt
import re
from pathlib import Path

import pytest

from jiuzhu.core.sms import OutboxBackend, last_message_to
from jiuzhu.familysearch.models import FacePhoto, MissingReport
from tests.e2e.conftest import shooter

shot = shooter("familysearch-portal")
FACES = Path(__file__).resolve().parents[1] / "data" / "faces"
PHONE = "13912345678"


@pytest.mark.parametrize("viewport", ["phone"])
def test_a_family_files_a_missing_report_with_a_photo_on_a_phone(page, viewport):
    OutboxBackend.outbox.clear()
    page.goto(page.base_url + "/xunqin/report/")
    page.get_by_label("登记人手机号码").fill(PHONE)
    with page.expect_navigation():
        page.get_by_role("button", name="发送验证码").click()
    code = re.search(r"\d{6}", last_message_to(PHONE).text).group(0)
    assert code in page.locator("#demo-code").inner_text()

    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("姓名（不知道可不填）").fill("李长林")
    page.get_by_label("性别").select_option("M")
    page.get_by_label("出生年份（如 1958）").fill("1958")
    page.get_by_label("户籍地（省、市、县）").fill("湖南省邵阳市洞口县")
    page.get_by_label("走失日期").fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
    page.get_by_label("最后出现的地点（省、市、县及街道、地标）").fill("湖南省邵阳市隆回县桃洪镇汽车站")
    page.get_by_label("健康状况（如认知症、精神障碍、慢性病）").fill("认知症，记不清家在哪里")
    page.get_by_label("走失时间（大约几点，可不填）").fill("14:30")
    page.get_by_label("正面清晰照片", exact=False).set_input_files([str(FACES / "fr_obama.jpg"),
                                                                 str(FACES / "fr_obama2.jpg")])
    page.get_by_label("您的姓名").fill("李梅")
    page.get_by_label("与走失人员的关系").fill("女儿")
    shot(page, "1-form", viewport)
    with page.expect_navigation():
        page.get_by_role("button", name="提交登记").click()

    report = MissingReport.objects.get()
    assert page.locator("#receipt-number").inner_text() == report.receipt_number
    assert "接下来" in page.locator("main").inner_text()
    assert (report.channel, report.region.code) == ("portal", "430524")
    assert FacePhoto.objects.filter(report=report, status="active").count() == 2  # both photos enrolled
    assert report.missing_time == dt.time(14, 30)
    shot(page, "2-receipt", viewport)
