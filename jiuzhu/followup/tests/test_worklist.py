"""Issue #20's lists, as each level meets them: the coordinator's phone home page is the week's visits; an overdue
visit is flagged to its village (the owner) and to the township and county above, not to another county; the
at-risk roster goes to the township (its window exports it); the county officer opens the counts of the statutory
reports (page and API), without persons."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from jiuzhu.followup import services, worklist
from jiuzhu.followup.models import FollowupVisit
from jiuzhu.followup.tests.conftest import DONGKOU, id_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def village_entry(returnee, persona, village):
    """A returnee of the dongkou coordinator's village (洞口镇, the dongkou window's township)."""
    entry = returnee()
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    return entry


def _home_line(page: str, label: str) -> str | None:
    """The count shown on the home page's work-list line `label`, None when the line is not there."""
    found = re.search(r'<span class="count">([^<]+)</span><span class="what"><strong>' + re.escape(label), page)
    return found.group(1) if found else None


def test_the_coordinators_home_page_is_the_weeks_visits(client_for, persona, village_entry):
    FollowupVisit.objects.filter(entry=village_entry, sequence=1).update(due_on=services.today())
    FollowupVisit.objects.filter(entry=village_entry, sequence=2).update(  # next week: not this week's work
        due_on=services.today() + dt.timedelta(days=8))
    home = client_for("dongkou_coordinator").get("/").content.decode()
    assert _home_line(home, "本周应回访的人员") == "1"
    assert 'href="/followup/?show=week"' in home
    week = client_for("dongkou_coordinator").get("/followup/?show=week").content.decode()
    assert len(re.findall(r'href="/followup/visits/\d+/"', week)) == 1 and "刘小河" in week
    assert worklist.visits_this_week(persona("longhui_coordinator")).count == 0  # another county's village


def test_an_overdue_visit_is_flagged_to_the_village_and_the_levels_above(client_for, persona, village_entry):
    first = village_entry.visits.get(sequence=1)
    FollowupVisit.objects.filter(pk=first.pk).update(due_on=dt.date(2026, 1, 31))
    assert services.overdue_sweep(on=dt.date(2026, 2, 1)) == 1  # across the month end
    for owner in ("dongkou_coordinator", "dongkou_window", "dongkou_officer"):  # village, township, county
        line = worklist.visits_overdue(persona(owner))
        assert line is not None and line.count == 1, owner
        assert _home_line(client_for(owner).get("/").content.decode(), "超期未回访") == "1", owner
    assert worklist.visits_overdue(persona("longhui_coordinator")) is None  # another county: nothing
    assert worklist.visits_overdue(persona("longhui_officer")) is None
    # the county's analyst sees the county's rows in scope but does not follow up: no line
    assert worklist.visits_overdue(persona("dongkou_analyst")) is None
    assert worklist.visits_this_week(persona("dongkou_analyst")) is None


def test_the_at_risk_roster_goes_to_the_township(client_for, persona, village):
    person = services.at_risk_enter(actor=persona("dongkou_coordinator"), region=village, name="陈阿婆", sex="F",
                                    id_number=id_in(DONGKOU, 62, dt.date(1942, 1, 9)), conditions=["dementia"],
                                    guardian="陈大军 13900001111")
    services.at_risk_check(actor=persona("dongkou_officer"), person=person, approve=True)
    township = client_for("dongkou_window")
    assert "陈阿婆" in township.get("/followup/at-risk/").content.decode()
    response = township.get("/followup/at-risk/export/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert {"陈阿婆", "阿尔茨海默病（认知症）", "陈大军 13900001111"} <= cells
    other = client_for("longhui_window")  # another county's township: not on its roster
    response = other.get("/followup/at-risk/export/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert "陈阿婆" not in {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}


def test_the_county_officer_opens_the_counts_of_the_statutory_reports(client_for, village_entry):
    FollowupVisit.objects.filter(entry=village_entry, sequence=1).update(due_on=services.today()
                                                                         - dt.timedelta(days=3))
    officer = client_for("dongkou_officer")
    page = officer.get("/followup/").content.decode()
    counts = page[page.index('id="counts"'):]
    assert "返乡受助人员</dt><dd>1 人" in counts and "超期未回访 1 次" in counts
    figures = officer.get("/api/v1/followup/counts").json()
    assert figures["entries"] == 1 and figures["visits_overdue"] == 1
    assert "刘小河" not in str(figures)
    assert client_for("longhui_officer").get("/api/v1/followup/counts").json()["entries"] == 0


def test_the_analyst_opens_the_counts_page_without_persons(client_for, village_entry):
    analyst = client_for("dongkou_analyst")
    assert 'href="/followup/counts/"' in analyst.get("/").content.decode()  # the menu's 回访统计
    page = analyst.get("/followup/counts/").content.decode()
    assert "返乡受助人员</dt><dd>1 人" in page and "刘小河" not in page
    assert analyst.get("/followup/").status_code == 403  # the lists of persons stay closed
    assert "返乡受助人员</dt><dd>0 人" in client_for("longhui_coordinator").get("/followup/counts/").content.decode()
    assert client_for("dongkou_clerk").get("/followup/counts/").status_code == 403
