"""A station worker of 隆回县救助管理站, on a desk and on a 390×844 phone, opens an unidentified client's family-search
candidates from the rescue record, reads why the first one is a candidate (each piece of evidence with its weight,
the face distance, both photos), confirms it, and sees the record now carry the identity. Issue #19."""

import datetime as dt
from pathlib import Path

from django.utils import timezone

from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region, User
from jiuzhu.familysearch.models import MatchCandidate, MissingReport, ReportStatus
from jiuzhu.familysearch.services import missing_report_create
from jiuzhu.rescue.cases_services import case_admit
from jiuzhu.rescue.models import RescueCase
from tests.e2e.conftest import shooter, sign_in

FACES = Path(__file__).resolve().parents[1] / "data" / "faces"  # the repository's test photos (PROVENANCE.csv)
ID_NUMBER = make_id_number("430524", dt.date(1958, 3, 9), 31)

shot = shooter("familysearch")


def a_report_and_an_unidentified_client() -> tuple[MissingReport, RescueCase]:
    """Through the services, as in production: 洞口 station files the family's report with a photo; 隆回 station
    admits a man without a name with another photo of him; the handlers enrol, search and rank."""
    report = missing_report_create(
        actor=User.objects.get(username="dongkou_station"), channel="station",
        region=Region.objects.get(code="430525"), sex="M", missing_date=timezone.localdate() - dt.timedelta(days=20),
        name="李长林", birth_year=1958, id_number=ID_NUMBER, height_cm=168,
        last_seen_region=Region.objects.get(code="430524"), features="左眉有痣，灰色夹克",
        reporter_name="李梅", reporter_relation="女儿", reporter_phone="13800001234",
        photo=(FACES / "fr_biden.jpg").read_bytes())
    case = case_admit(actor=User.objects.get(username="longhui_station"), sex="M", arrival_channel="self_request",
                      name="", estimated_age=66, check_note="左眉有痣", vagrancy_reason="走失",
                      photo=(FACES / "fr_biden2.jpg").read_bytes())
    return report, case


def test_the_station_worker_confirms_a_candidate_and_the_record_shows_the_identity(page, viewport, settings,
                                                                                   tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    report, case = a_report_and_an_unidentified_client()
    candidate = MatchCandidate.objects.get(case=case, report=report)
    sign_in(page, "longhui_station")
    page.goto(f"{page.base_url}/rescue/cases/{case.pk}/")
    assert "无名氏" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="寻亲比对候选（1 名待核实）").click()
    card = page.locator(f"#candidate-{candidate.pk}")
    text = card.inner_text()
    assert f"寻亲登记 #{report.pk}" in text and "李长林" in text and "待核实" in text
    assert "性别：性别相同" in text and "人脸距离" in text and "比对依据" in text
    assert "13800001234" not in page.locator("main").inner_text()  # the family's phone: not before confirming
    assert card.locator("img").count() == 2  # both photos, loaded one after the other (review.js)
    page.wait_for_function("s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
                           arg=f"#candidate-{candidate.pk} img")
    shot(page, "1-candidates", viewport)

    card.get_by_label("核实情况（确认）").fill("女儿看照片确认，左眉有痣相符")
    with page.expect_navigation():
        card.get_by_role("button", name="确认是同一人").click()
    main = page.locator("main").inner_text()
    assert "身份已查明" in main and "已确认" in main
    assert "13800001234" in main and "已记录通知家属" in main  # now, to the confirming station
    shot(page, "2-confirmed", viewport)

    with page.expect_navigation():
        page.get_by_role("link", name="返回救助记录").click()
    assert "李长林" in page.locator("h1").inner_text()
    assert "1958" in page.locator("main").inner_text()  # the birth date from the confirmed ID number
    assert MissingReport.objects.get(pk=report.pk).status == ReportStatus.FOUND
    shot(page, "3-record", viewport)
