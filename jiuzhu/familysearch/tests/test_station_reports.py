"""Station entry of missing reports (寻亲登记) and their pages (issue #19): the capability, the scope (out of scope
is 404), the audit rows of the page, the list and the export, and a report's candidates (confirm and reject only
for the client's own station)."""

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.core.models import AuditLog
from jiuzhu.familysearch.models import MatchCandidate, MissingReport

FORM = {"channel": "police", "name": "李长林", "sex": "M", "birth_year": "1958", "hukou_text": "湖南省邵阳市洞口县",
        "last_seen_place": "湖南省邵阳市隆回县桃洪镇", "features": "左耳较大", "reporter_name": "李梅",
        "reporter_relation": "女儿", "reporter_phone": "13800001234"}


def test_station_enters_a_report_seen_by_its_region_only(world, client_for, persona):
    station = client_for("longhui_station")
    response = station.post("/familysearch/reports/new/",
                            {**FORM, "missing_date": (dt.date.today() - dt.timedelta(days=2)).strftime("%Y/%m/%d"),
                             "missing_time": "18:40"})
    assert response.status_code == 302, response.content.decode()[:500]
    report = MissingReport.objects.get()
    assert report.missing_time == dt.time(18, 40)
    assert (report.channel, report.region, report.created_by, report.last_seen_region.code) == \
        ("police", persona("longhui_station").region, persona("longhui_station"), "430524")
    assert report.receipt_number.startswith("XQ")

    page = station.get(f"/familysearch/reports/{report.pk}/").content.decode()
    assert "13800001234" in page and "李长林" in page  # the report's own region: the contact to call back
    assert "18:40" in page
    assert AuditLog.objects.filter(object_type="familysearch.missingreport", object_id=str(report.pk),
                                   action="read").exists()
    assert report.receipt_number in station.get("/familysearch/reports/").content.decode()

    other = client_for("dongkou_station")
    assert report.receipt_number not in other.get("/familysearch/reports/").content.decode()
    assert other.get(f"/familysearch/reports/{report.pk}/").status_code == 404

    export = station.get("/familysearch/reports/export/")
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert rows[0][5] == "走失时间" and rows[1][5] == "18:40"
    assert rows[1][0] == report.receipt_number and "13800001234" not in str(rows)  # no contact in a list
    assert AuditLog.objects.filter(action="export", detail__object_type="familysearch.missingreport").exists()


def test_station_entry_needs_the_capability_and_a_valid_form(world, client_for):
    officer = client_for("longhui_officer")  # civil affairs: no report-missing capability
    assert officer.get("/familysearch/reports/new/").status_code == 403
    assert officer.post("/familysearch/reports/new/", {**FORM, "missing_date": "2026-01-01"}).status_code == 403
    assert officer.get("/familysearch/reports/").status_code == 403
    station = client_for("longhui_station")
    response = station.post("/familysearch/reports/new/", {**FORM, "sex": "", "missing_date": "2026-01-01"})
    assert response.status_code == 400 and "请选择性别" in response.content.decode()
    response = station.post("/familysearch/reports/new/", {**FORM, "channel": "portal", "missing_date": "2026-01-01"})
    assert response.status_code == 400 and "登记渠道" in response.content.decode()
    response = station.post("/familysearch/reports/new/",
                            {**FORM, "missing_date": "2026-01-01", "missing_time": "25:00"})
    assert response.status_code == 400 and "走失时间格式应为 时:分" in response.content.decode()
    later = (timezone.localtime() + dt.timedelta(minutes=5))
    if later.date() == timezone.localdate():  # the guard: today, a time still to come is refused
        response = station.post("/familysearch/reports/new/", {**FORM, "missing_date": later.date().isoformat(),
                                                               "missing_time": later.strftime("%H:%M")})
        assert response.status_code == 400 and "走失时间不能晚于现在" in response.content.decode()
    assert not MissingReport.objects.exists()


def test_report_page_shows_candidates_and_decides_only_its_own_stations(world, client_for, file_report, admit):
    report = file_report("longhui_station")
    ours, theirs = admit(), admit("dongkou_station")
    MatchCandidate.objects.filter(report=report).delete()  # the admission's matching run: replaced by known rows
    mine = MatchCandidate.objects.create(case=ours, report=report, score=12.5, attribute_score=12.5,
                                         explanation=[{"evidence": "name", "level": "exact", "label": "姓名相同",
                                                       "weight": 9.0}], by_attributes=True)
    other = MatchCandidate.objects.create(case=theirs, report=report, score=3.0, attribute_score=3.0,
                                          explanation=[], by_attributes=True)
    page = client_for("longhui_station").get(f"/familysearch/reports/{report.pk}/").content.decode()
    assert "姓名相同" in page and f"/familysearch/candidates/{mine.pk}/confirm/" in page
    assert f"/familysearch/candidates/{other.pk}/confirm/" not in page and "待洞口县救助管理站核实" in page
    assert theirs.number not in page  # another station's client: shown as a notice, not its record
    assert AuditLog.objects.filter(object_type="rescue.rescuecase", object_id=str(theirs.pk), action="read",
                                   detail__purpose="report_candidate").exists()
