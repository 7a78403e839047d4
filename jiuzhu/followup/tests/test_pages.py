"""Follow-up's pages: the week's visits, a visit recorded and handed over from its page, the ledger with its letter,
the at-risk registry's entry and check, the alerts; exports audited; out of scope 404; persons shown audited; the
home page's work list."""

import datetime as dt

import pytest

from jiuzhu.core.models import AuditLog
from jiuzhu.followup import services
from jiuzhu.followup.models import AtRiskPerson, AtRiskStatus, FollowupVisit, VisitStatus
from jiuzhu.followup.tests.conftest import DONGKOU_VILLAGE, FAR_COUNTY, id_in
from jiuzhu.intake.models import Application

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def due_visit(returnee, persona, village):
    """A returnee of the coordinator's village whose first visit is due this week."""
    entry = returnee()
    services.returnee_set_home(actor=persona("dongkou_officer"), entry=entry, region=village)
    visit = entry.visits.get(sequence=1)
    FollowupVisit.objects.filter(pk=visit.pk).update(due_on=services.today())
    return visit


def test_the_coordinator_records_a_visit_and_hands_it_over(client_for, due_visit):
    web = client_for("dongkou_coordinator")
    page = web.get("/followup/")
    assert page.status_code == 200 and "刘小河" in page.content.decode()
    assert AuditLog.objects.filter(action="read", object_type="followup.returneeentry", detail__purpose="visit_list",
                                   object_id=str(due_visit.entry_id)).exists()
    url = f"/followup/visits/{due_visit.pk}/"
    form = web.get(url).content.decode()
    assert "记录回访" in form and f'value="{services.today():%Y-%m-%d}"' in form  # the visit's day: today
    bad = web.post(url + "record/", {"visit-method": "home_visit", "visit-findings": ""})
    assert bad.status_code == 400 and "请填写" in bad.content.decode()
    done = web.post(url + "record/", {"visit-method": "home_visit", "visit-findings": "家中无收入，母亲患病",
                                      "visit-hardship": "income"}, follow=True)
    assert "一键转入救助申请" in done.content.decode()
    handed = web.post(url + "handover/", {"handover-items": ["dibao", "medical"]}, follow=True)
    assert "已转入救助申请" in handed.content.decode()
    assert Application.objects.get().source_ref == f"followup:visit:{due_visit.pk}"
    again = web.post(url + "handover/", {"handover-items": ["dibao"]})
    assert again.status_code == 400 and Application.objects.count() == 1


def test_a_photo_is_kept_and_shown_to_those_in_scope(client_for, due_visit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    web = client_for("dongkou_coordinator")
    web.post(f"/followup/visits/{due_visit.pk}/record/", {
        "visit-method": "phone_call", "visit-findings": "电话问询，情况稳定",
        "visit-photo": SimpleUploadedFile("a.png", png, content_type="image/png")})
    assert FollowupVisit.objects.get(pk=due_visit.pk).status == VisitStatus.DONE
    assert web.get(f"/followup/visits/{due_visit.pk}/photo/").content == png
    assert client_for("longhui_coordinator").get(f"/followup/visits/{due_visit.pk}/photo/").status_code == 404


def test_out_of_scope_is_404(client_for, due_visit):
    web = client_for("longhui_coordinator")
    assert web.get(f"/followup/visits/{due_visit.pk}/").status_code == 404
    assert web.get(f"/followup/returnees/{due_visit.entry_id}/").status_code == 404
    assert web.post(f"/followup/visits/{due_visit.pk}/record/", {"visit-method": "home_visit",
                                                                 "visit-findings": "x"}).status_code == 404
    assert "刘小河" not in web.get("/followup/").content.decode()


def test_without_the_capability_403(client_for, due_visit):
    web = client_for("dongkou_analyst")
    assert web.get("/followup/").status_code == 403
    assert web.get("/followup/returnees/").status_code == 403


def test_the_ledger_page_the_letter_and_the_export(client_for, returnee):
    entry = returnee(id_number=id_in(FAR_COUNTY))
    web = client_for("longhui_station")
    page = web.get(f"/followup/returnees/{entry.pk}/").content.decode()
    assert "书面函件反馈" in page and "打印反馈函" in page
    letter = web.get(f"/followup/returnees/{entry.pk}/letter/").content.decode()
    assert "返乡受助人员信息反馈函" in letter and "护送返乡" in letter and "中原区" in letter
    assert "不低于每两个月一次，回访期不少于一年" in letter  # the default rule
    assert web.post(f"/followup/returnees/{entry.pk}/letter_sent/").status_code == 302
    response = web.get("/followup/returnees/export/")
    assert response["Content-Type"] == XLSX
    assert AuditLog.objects.filter(action="export", detail__object_type="followup.returneeentry").exists()


def test_the_home_office_confirms_on_the_page(client_for, returnee):
    entry = returnee()
    web = client_for("dongkou_station")
    assert "确认收到反馈" in web.get(f"/followup/returnees/{entry.pk}/").content.decode()
    web.post(f"/followup/returnees/{entry.pk}/receipt/")
    web.post(f"/followup/returnees/{entry.pk}/arrival/", {"arrival-arrived_on": "", "arrival-note": "已到家"})
    entry.refresh_from_db()
    assert entry.arrived_on == services.today()
    bad = web.post(f"/followup/returnees/{entry.pk}/home/", {"home-place": "不存在的地方"})
    assert bad.status_code == 400 and "无法识别" in bad.content.decode()
    web.post(f"/followup/returnees/{entry.pk}/home/", {"home-place": DONGKOU_VILLAGE})
    entry.refresh_from_db()
    assert entry.home_region.code == DONGKOU_VILLAGE


def test_the_at_risk_pages(client_for, village):
    web = client_for("dongkou_coordinator")
    response = web.post("/followup/at-risk/new/", {
        "region": village.pk, "name": "陈阿婆", "sex": "F", "id_number": id_in("430525", 62, dt.date(1942, 1, 9)),
        "conditions": ["dementia"], "guardian": "", "address": "", "note": ""})
    person = AtRiskPerson.objects.get()
    assert response.status_code == 302 and person.status == AtRiskStatus.SUBMITTED
    officer = client_for("dongkou_officer")
    assert "陈阿婆" in officer.get("/followup/at-risk/?show=to_check").content.decode()
    officer.post(f"/followup/at-risk/{person.pk}/check/", {"check-decision": "return", "check-reason": "缺监护人"})
    person.refresh_from_db()
    assert person.status == AtRiskStatus.RETURNED
    web.post(f"/followup/at-risk/{person.pk}/resubmit/", {"resubmit-conditions": ["dementia"],
                                                          "resubmit-guardian": "陈大军 13900001111"})
    officer.post(f"/followup/at-risk/{person.pk}/check/", {"check-decision": "approve"})
    person.refresh_from_db()
    assert person.status == AtRiskStatus.LISTED
    roster = client_for("dongkou_window").get("/followup/at-risk/export/")
    assert roster["Content-Type"] == XLSX
    assert client_for("longhui_coordinator").get(f"/followup/at-risk/{person.pk}/").status_code == 404


def test_the_alert_page(client_for, returnee, admit):
    returnee()
    admit(username="dongkou_station", id_number=id_in("430525"))
    web = client_for("dongkou_officer")
    assert "再次流浪提醒" in web.get("/").content.decode()
    page = web.get("/followup/alerts/").content.decode()
    assert "刘小河" in page and "洞口县救助管理站" in page


def test_the_coordinators_home_page_lists_the_weeks_visits(client_for, due_visit):
    home = client_for("dongkou_coordinator").get("/").content.decode()
    assert "本周应回访的人员" in home


def test_the_rescue_record_links_to_its_ledger_entry_for_those_who_may_open_it(client_for, returnee, persona):
    """core.links: rescue's record page shows follow-up's link without rescue importing follow-up."""
    entry = returnee()
    page = client_for("longhui_station").get(f"/rescue/cases/{entry.case_id}/").content.decode()
    assert f'href="/followup/returnees/{entry.pk}/"' in page and "返乡受助人员台账" in page
    from jiuzhu.core.links import related_links
    from jiuzhu.followup.related import RESCUE_CASE

    assert related_links(persona("longhui_coordinator"), RESCUE_CASE, entry.case) == []  # another county: no link
    assert related_links(persona("dongkou_analyst"), RESCUE_CASE, entry.case) == []  # no follow-up capability
    assert related_links(persona("dongkou_officer"), RESCUE_CASE, entry.case) == [
        ("返乡受助人员台账", f"/followup/returnees/{entry.pk}/")]


def test_the_rural_revitalisation_office_receives_on_its_inbox_page(client_for, returnee):
    from jiuzhu.followup.models import ReturneeEntry
    from jiuzhu.rescue.models import RescueCase

    entry = returnee()
    RescueCase.objects.filter(pk=entry.case_id).update(registry_tier="relapse_watch")
    ReturneeEntry.objects.filter(pk=entry.pk).update(relapse_watch=True)
    entry.refresh_from_db()
    services._notify_relapse_office(entry, entry.home_region, None)
    web = client_for("dongkou_rural")
    home = web.get("/").content.decode()
    assert "防止返贫监测对象返乡通报：待接收" in home
    page = web.get("/followup/relapse/").content.decode()
    assert "刘小河" in page and "确认接收" in page
    assert web.post(f"/followup/relapse/{entry.pk}/receive/").status_code == 302
    assert "已接收" in web.get("/followup/relapse/?show=all").content.decode()
    assert client_for("dongkou_clerk").post(f"/followup/relapse/{entry.pk}/receive/").status_code == 404
    assert "在系统内通报洞口县乡村振兴局" in client_for("longhui_station").get(
        f"/followup/returnees/{entry.pk}/").content.decode()


def test_the_coordinator_turns_a_visit_into_a_monitoring_lead_on_its_page(client_for, due_visit):
    web = client_for("dongkou_coordinator")
    url = f"/followup/visits/{due_visit.pk}/"
    web.post(url + "record/", {"visit-method": "phone_call", "visit-findings": "电话问询：儿子失业，家中老人看病难",
                               "visit-hardship": "health"})
    page = web.get(url).content.decode()
    assert "一键转为监测线索" in page and "一键转入救助申请" in page
    done = web.post(url + "lead/", follow=True).content.decode()
    assert "已转为监测线索" in done and "一键转入救助申请" not in done
    assert 'id="lead-done"' in done
    assert "已转为监测线索" in web.post(url + "lead/", follow=True).content.decode()  # the refusal, said


def test_the_alert_page_lists_unseen_alerts_first(client_for, returnee, admit, persona):
    """On both databases (PostgreSQL sorts NULL last unless told)."""
    from jiuzhu.followup.models import RepeatAlert

    returnee()
    returnee(id_number=id_in("430525", 41), name="王大山")
    admit(username="dongkou_station", id_number=id_in("430525"))
    admit(username="dongkou_station", id_number=id_in("430525", 41), name="王大山")
    first = RepeatAlert.objects.order_by("pk").first()
    services.alert_mark_seen(actor=persona("dongkou_officer"), alert=first)
    page = client_for("dongkou_officer").get("/followup/alerts/").content.decode()
    assert page.index("王大山") < page.index("刘小河")


def test_the_letter_states_the_home_regions_own_rule(client_for, returnee):
    """The home county sets twice a year for two years: the letter asks for the rule the schedule follows."""
    from jiuzhu.core.models import Region, RegionSetting
    from jiuzhu.followup import settings_catalog as sc

    county = Region.objects.get(code=FAR_COUNTY)
    RegionSetting.objects.create(key=sc.INTERVAL_KEY, region=county, effective_from=dt.date(2020, 1, 1), value="6")
    RegionSetting.objects.create(key=sc.PERIOD_KEY, region=county, effective_from=dt.date(2020, 1, 1), value="24")
    entry = returnee(id_number=id_in(FAR_COUNTY))
    assert entry.visits.count() == 4
    letter = client_for("longhui_station").get(f"/followup/returnees/{entry.pk}/letter/").content.decode()
    assert "不低于每六个月一次，回访期不少于两年" in letter


def test_a_refused_visit_keeps_its_date_in_iso(client_for, due_visit):
    bad = client_for("dongkou_coordinator").post(f"/followup/visits/{due_visit.pk}/record/", {
        "visit-visited_on": "2026年3月7日", "visit-method": "home_visit", "visit-findings": ""})
    assert bad.status_code == 400 and 'value="2026-03-07"' in bad.content.decode()
