"""A station worker of 隆回县救助管理站, on a desk and on a 390×844 phone, opens an unidentified client's record,
goes to its face page (人脸比对), uploads a photo with no face (refused in Chinese, nothing kept), then the
client's photo, and searches: the missing report a family filed with another photo of the same person comes first,
shown as a notice (photo, sex, age, date and place; no ID number, no contact). Issue #19."""

import datetime as dt
from pathlib import Path

from jiuzhu.core.models import Region, User
from jiuzhu.familysearch.models import FacePhoto, FaceSearchLog
from jiuzhu.familysearch.services import missing_report_create
from jiuzhu.rescue.cases_services import case_admit
from tests.e2e.conftest import shooter, sign_in

shot = shooter("familysearch-faces")
FACES = Path(__file__).resolve().parents[1] / "data" / "faces"


def test_the_station_enrols_a_client_photo_and_finds_the_familys_report(page, viewport, tmp_path):
    station = User.objects.get(username="longhui_station")
    case = case_admit(actor=station, sex="M", arrival_channel="police", name="", estimated_age=60,
                      handover_form_number="公交〔2026〕201号", vagrancy_reason="言语不清，无法说出姓名住址")
    report = missing_report_create(
        actor=None, channel="portal", region=Region.objects.get(code="430525"), sex="M", name="奥巴马",
        birth_year=1961, missing_date=dt.date.today() - dt.timedelta(days=20), reporter_name="米歇尔",
        reporter_relation="妻子", reporter_phone="13800001234", features="左耳较大", clothing="深色西装",
        photo=(FACES / "fr_obama.jpg").read_bytes())
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (320, 320), (200, 200, 200)).save(blank)

    sign_in(page, "longhui_station")
    page.goto(page.base_url + f"/rescue/cases/{case.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="人脸比对", exact=True).click()
    page.guard.allow_status(400)
    page.get_by_label("正面清晰照片（JPEG 或 PNG，只含一人）").set_input_files(str(blank))
    with page.expect_navigation():
        page.get_by_role("button", name="采集照片").click()
    assert "未检测到人脸" in page.locator("#face-error").inner_text()
    assert not FacePhoto.objects.filter(case=case).exists()

    page.get_by_label("正面清晰照片（JPEG 或 PNG，只含一人）").set_input_files(str(FACES / "fr_obama2.jpg"))
    page.get_by_label("来源说明（选填）").fill("入站时站内拍摄")
    with page.expect_navigation():
        page.get_by_role("button", name="采集照片").click()
    assert FacePhoto.objects.filter(case=case, status="active").count() == 1
    with page.expect_navigation():
        page.get_by_role("button", name="与全部已采集人脸比对").click()
    first = page.locator("#face-candidates tbody tr").first
    assert "寻亲登记" in first.inner_text() and "左耳较大" in first.inner_text()
    text = page.locator("main").inner_text()
    assert "13800001234" not in text and "米歇尔" not in text  # the family's contact is not in a notice
    log = FaceSearchLog.objects.filter(case=case).latest("pk")
    assert log.result[0]["kind"] == "report" and log.result[0]["id"] == report.pk
    shot(page, "1-candidates", viewport)
