"""Pages of the rules part: catalogue, rule builder (Chinese errors, dry run, a new version), runs."""

import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.monitoring.models import ComparisonRun, IndicatorVersion

pytestmark = pytest.mark.django_db

RULE = {"source": "medical_settlement", "aggregation": "sum", "field": "out_of_pocket", "operator": ">",
        "threshold": "8000", "basis": "absolute", "window_months": "12", "population": "registry",
        "severity": "high", "disposition_hint": "implement_policy", "deadline_days": "7", "frequency": "monthly",
        "mode": "automatic", "region": "430524", "enabled": "on", "note": "县定标准"}


def test_catalogue_by_class(catalogue, client_for):
    page = client_for("longhui_officer").get("/monitoring/indicators/").content.decode()
    for label in ("主动发现", "需求预警", "动态管理", "政策落实"):
        assert label in page
    assert page.count('href="/monitoring/indicators/') >= 16 and "低收入对象医疗自付费用高" in page


def test_a_department_clerk_may_not_see_rules_or_runs(catalogue, client_for):
    clerk = client_for("longhui_clerk")
    assert clerk.get("/monitoring/indicators/").status_code == 403
    assert clerk.get("/monitoring/runs/").status_code == 403


def test_builder_refuses_an_invalid_rule_in_chinese_then_saves_a_version(catalogue, client_for):
    admin = client_for("longhui_admin")
    url = "/monitoring/indicators/med_oop_general/"
    before = IndicatorVersion.objects.count()
    valid_from = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page = admin.post(url, {**RULE, "threshold": "八千", "valid_from": valid_from, "action": "save"}).content.decode()
    assert "阈值：应为数字，“八千”不是数字" in page and IndicatorVersion.objects.count() == before
    page = admin.post(url, {**RULE, "field": "discharge_date", "valid_from": valid_from, "action": "save"})
    assert "统计字段：“出院日期”不是数值，不能求合计" in page.content.decode()
    dry = admin.post(url, {**RULE, "valid_from": valid_from, "action": "dry_run"}).content.decode()
    assert "试运行" in dry and IndicatorVersion.objects.count() == before
    response = admin.post(url, {**RULE, "valid_from": valid_from, "action": "save"})
    assert response.status_code == 302
    version = IndicatorVersion.objects.latest("pk")
    assert version.region.code == "430524" and version.rule["threshold"] == 8000 and version.note == "县定标准"
    assert version.rule["deadline_days"] == 7
    history = admin.get(url).content.decode()
    assert "县定标准" in history and valid_from in history


def test_an_officer_cannot_change_rules(catalogue, client_for):
    officer = client_for("longhui_officer")
    response = officer.post("/monitoring/indicators/med_oop_general/", {**RULE, "valid_from": "2030-01-01",
                                                                        "action": "save"})
    assert response.status_code == 403


def test_new_indicator(catalogue, client_for):
    admin = client_for("longhui_admin")
    response = admin.post("/monitoring/indicators/new/", {
        **RULE, "code": "utility_arrears_high", "name": "水电气欠费较多", "indicator_class": "need",
        "description": "近6个月欠费合计超过500元", "source": "utility_arrears", "field": "arrears_amount",
        "threshold": "500", "valid_from": timezone.localdate().isoformat(), "action": "save"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert IndicatorVersion.objects.filter(indicator__code="utility_arrears_high").count() == 1


def test_an_officer_starts_a_run_and_sees_it_finish(catalogue, client_for, media,
                                                    django_capture_on_commit_callbacks):
    officer = client_for("longhui_officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post("/monitoring/runs/", {"region": "430524",
                                                      "as_of": timezone.localdate().isoformat()})
    assert response.status_code == 302 and "/tasks/" in response["Location"]
    task = officer.get(response["Location"]).content.decode()
    assert "比对完成" in task
    assert ComparisonRun.objects.get().status == "finished"
    assert "已完成" in officer.get("/monitoring/runs/").content.decode()
    refused = officer.post("/monitoring/runs/", {"region": "430525", "as_of": timezone.localdate().isoformat()})
    assert refused.status_code == 404


def test_the_builders_date_is_shown_in_iso_and_kept_when_another_field_is_refused(catalogue, client_for):
    admin = client_for("longhui_admin")
    url = "/monitoring/indicators/med_oop_general/"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert f'name="valid_from" value="{tomorrow:%Y-%m-%d}"' in admin.get(url).content.decode()  # not 2026/12/03
    page = admin.post(url, {**RULE, "threshold": "八千", "valid_from": "2030.1.2", "action": "save"}).content.decode()
    assert "阈值：应为数字" in page and 'name="valid_from" value="2030-01-02"' in page
