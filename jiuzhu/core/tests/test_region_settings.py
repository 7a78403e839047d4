"""Region settings: one service that checks who may change a setting, where, and what value; one page and
one API for every app's settings, with Chinese labels. Keys used here are the registry's (declared in
jiuzhu/registry/settings_catalog.py and found by core without importing it)."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import CoreEvent
from jiuzhu.core.models import AuditLog, Event, Region, RegionSetting, User
from jiuzhu.core.region_settings import (
    region_setting_set,
    setting_definitions,
    setting_history,
    settings_for_region,
    settings_region,
)

COUNTY_A, COUNTY_B, CITY = "430524", "430525", "430500"
JAN_2027 = dt.date(2027, 1, 1)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def set_rural(actor, code=COUNTY_A, value="700", on=JAN_2027, note=""):
    return region_setting_set(actor=actor, key="dibao_standard_rural", region=region(code), effective_from=on,
                              value=value, note=note)


def nothing_written():
    return (not RegionSetting.objects.exists() and not Event.objects.filter(kind=CoreEvent.SETTING_CHANGED).exists()
            and not AuditLog.objects.filter(object_type="core.regionsetting").exists())


class _Text(HTMLParser):
    """What a reader sees: text nodes only (attribute values such as a select's option values are not)."""

    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(response) -> str:
    parser = _Text()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture
def city_standard(persona):
    """邵阳市's 农村低保标准 600 from 2025-01-01, set by the city's administrator."""
    return set_rural(persona("shaoyang_admin"), code=CITY, value=600, on=dt.date(2025, 1, 1), note="邵政发〔2025〕1号")


# ---- The service: who, where, what ---------------------------------------------------------------

@pytest.mark.parametrize("username", ["longhui_approver", "longhui_officer", "longhui_analyst"])
def test_only_administrators_change_settings_even_calling_the_service_directly(persona, username):
    with pytest.raises(PermissionDenied) as refused:
        set_rural(persona(username))
    assert str(refused.value) == "您没有“用户、令牌、区划、地方标准和目录管理”的权限"
    assert nothing_written()


def test_no_actor_is_refused_too(world):
    with pytest.raises(PermissionDenied):
        set_rural(None)
    assert nothing_written()


def test_an_administrator_of_county_a_cannot_set_county_b(persona):
    with pytest.raises(DomainError) as refused:
        set_rural(persona("longhui_admin"), code=COUNTY_B)
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "out_of_scope", "region", "该区划不在您的管辖范围内")
    assert nothing_written()


def test_a_county_administrator_cannot_set_the_city_above_it(persona):
    with pytest.raises(DomainError) as refused:
        set_rural(persona("longhui_admin"), code=CITY)
    assert refused.value.code == "out_of_scope"
    assert nothing_written()


def test_a_version_is_added_audited_and_recorded_and_never_edits_the_last(persona, city_standard):
    admin = persona("longhui_admin")
    row = set_rural(admin, value="700.00", note=" 隆政发〔2026〕12号 ")
    assert (row.key, row.region.code, row.effective_from, row.value, row.note, row.set_by) == (
        "dibao_standard_rural", COUNTY_A, JAN_2027, "700", "隆政发〔2026〕12号", admin)
    audit = AuditLog.objects.get(object_type="core.regionsetting", object_id=str(row.pk))
    assert (audit.action, audit.actor, audit.detail["changes"]) == ("create", admin, {
        "key": "dibao_standard_rural", "label": "农村低保标准", "region": COUNTY_A, "effective_from": "2027-01-01",
        "value": "700", "note": "隆政发〔2026〕12号"})
    event = Event.objects.get(kind=CoreEvent.SETTING_CHANGED, subject_id=str(row.pk))
    assert (event.summary, event.actor, event.region.code, event.payload) == (
        "隆回县农村低保标准自 2027-01-01 起为700 元/人·月", admin, COUNTY_A,
        {"key": "dibao_standard_rural", "value": "700", "effective_from": "2027-01-01"})
    city_standard.refresh_from_db()
    assert (city_standard.value, city_standard.effective_from) == ("600", dt.date(2025, 1, 1))
    with pytest.raises(DomainError) as duplicate:
        set_rural(admin, value="710")
    assert (duplicate.value.code, duplicate.value.field, duplicate.value.message) == (
        "duplicate", "effective_from", "隆回县在 2027-01-01 已有“农村低保标准”的版本，请另选生效日期")
    assert RegionSetting.objects.get(pk=row.pk).value == "700"


@pytest.mark.parametrize(("key", "value", "field", "message"), [
    ("dibao_standard_rural", "abc", "value", "农村低保标准应为数字，“abc”不是数字"),
    ("dibao_standard_rural", "", "value", "请填写农村低保标准"),
    ("dibao_standard_rural", "-1", "value", "农村低保标准不能小于 0"),
    ("dibao_standard_rural", "NaN", "value", "农村低保标准应为数字，“NaN”不是数字"),
    ("dibao_standard_rural", "1e13", "value", "农村低保标准的数值过大：1e13"),
    ("rigid_expense_ratio", "1.5", "value", "刚性支出占家庭总收入比例应在 0 到 1 之间，如 0.5 表示 50%"),
    ("near_dibao_multiplier", "0.9", "value",
     "低保边缘收入倍数应在 1 到 3 之间，全国规定 1.5 倍，有条件的地方可放宽到 2 倍"),
    ("tier_validity_months", "12.5", "value", "认定有效期应为整数"),
    ("tier_categories", {"dibao": ["basic_living", "nope"]}, "value.dibao", "低保对象：未知的救助类别：nope"),
    ("tier_categories", {"pension": []}, "value.pension", "分层对应的救助类别中没有这一行：pension"),
    ("tier_categories", "medical", "value", "分层对应的救助类别应为对照表（每行所选的救助类别）"),
    ("no_such_setting", "1", "key", "未知的参数：no_such_setting"),
])
def test_an_invalid_value_is_a_chinese_error_naming_the_field(persona, key, value, field, message):
    with pytest.raises(DomainError) as refused:
        region_setting_set(actor=persona("longhui_admin"), key=key, region=region(COUNTY_A),
                           effective_from=JAN_2027, value=value)
    assert (refused.value.code, refused.value.field, refused.value.message) == ("validation_error", field, message)
    assert refused.value.errors == [{"path": field, "message": message}]
    assert nothing_written()


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"note": "文" * 201}, "note", "依据不能超过 200 个字"),
    ({"effective_from": "2027-01-01"}, "effective_from", "请填写生效日期（YYYY-MM-DD）"),
    ({"effective_from": None}, "effective_from", "请填写生效日期（YYYY-MM-DD）"),
    ({"region": None}, "region", "请选择区划"),
])
def test_note_date_and_region_are_checked_too(persona, change, field, message):
    args = {"key": "dibao_standard_rural", "region": region(COUNTY_A), "effective_from": JAN_2027, "value": "700",
            "note": "", **change}
    with pytest.raises(DomainError) as refused:
        region_setting_set(actor=persona("shaoyang_admin"), **args)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert nothing_written()


def test_a_matrix_is_stored_in_column_order_with_every_row(persona):
    row = region_setting_set(actor=persona("longhui_admin"), key="tier_categories", region=region(COUNTY_A),
                             effective_from=JAN_2027, value={"dibao": ["medical", "basic_living"]})
    assert row.value == {"dibao": ["basic_living", "medical"], "tekun": [], "near_dibao": [], "rigid_expense": [],
                         "relapse_watch": [], "other_hardship": []}


# ---- Reads ------------------------------------------------------------------------------------------

def test_reads_are_limited_to_the_jurisdiction(persona, city_standard):
    county_a = region(COUNTY_A)
    officer_b = persona("dongkou_officer")
    for read in (lambda: settings_for_region(actor=officer_b, region=county_a, on=JAN_2027),
                 lambda: setting_history(actor=officer_b, region=county_a),
                 lambda: settings_region(actor=officer_b, code=COUNTY_A)):
        with pytest.raises(Http404):
            read()
    in_force = {i.definition.key: i for i in settings_for_region(actor=persona("longhui_officer"), region=county_a,
                                                                  on=JAN_2027)}
    assert list(in_force) == list(setting_definitions())
    assert (in_force["dibao_standard_rural"].value, in_force["dibao_standard_rural"].row) == ("600", city_standard)
    assert (str(in_force["tekun_age"].value), in_force["tekun_age"].row) == ("60", None)  # national default


def test_reading_settings_needs_a_region(world):
    nowhere = User.objects.create_user(username="no_region", password="x")
    with pytest.raises(PermissionDenied):
        settings_region(actor=nowhere, code=COUNTY_A)
    with pytest.raises(PermissionDenied):
        settings_for_region(actor=nowhere, region=region(COUNTY_A), on=JAN_2027)


# ---- The page -----------------------------------------------------------------------------------------

def test_the_page_shows_chinese_labels_never_raw_keys(client_for, persona, city_standard):
    set_rural(persona("longhui_admin"), value="700", note="隆政发〔2026〕12号")
    response = client_for("longhui_officer").get(f"/settings/?region={COUNTY_A}&on=2026-06-30")
    assert response.status_code == 200
    text = visible_text(response)
    assert "农村低保标准 600 元/人·月 邵阳市，2025-01-01 起 邵阳市系统管理员 邵政发〔2025〕1号" in text
    assert "特困老年人年龄 60 岁 全国默认" in text
    assert "城市低保标准 未设置" in text
    assert "低保对象：基本生活救助、医疗救助" in text  # the category matrix, in words
    assert "农村低保标准 隆回县 2027-01-01 700 元/人·月 隆政发〔2026〕12号 隆回县系统管理员" in text  # history
    assert not re.search(r"[a-z]+_[a-z_]+", text)  # no key anywhere a reader looks
    assert "新增版本" not in text  # the form is the administrator's
    detail = client_for("longhui_officer").get(f"/settings/dibao_standard_rural/?region={COUNTY_A}")
    detail_text = visible_text(detail)
    assert "农村低保标准 · 湖南省邵阳市隆回县" in detail_text
    assert "隆回县 2027-01-01 700 元/人·月" in detail_text and "邵阳市 2025-01-01 600 元/人·月" in detail_text
    assert not re.search(r"[a-z]+_[a-z_]+", detail_text)


def test_only_administrators_add_versions_on_the_page(client_for, world):
    form = {"region": COUNTY_A, "key": "dibao_standard_rural", "value": "700", "effective_from": "2027-01-01"}
    assert client_for("longhui_officer").post("/settings/", form).status_code == 403
    assert client_for("longhui_approver").post("/settings/dibao_standard_rural/", form).status_code == 403
    assert not RegionSetting.objects.exists()
    admin = client_for("longhui_admin")
    wrong = admin.post("/settings/", {**form, "value": "七百"})
    assert wrong.status_code == 400 and "农村低保标准应为数字，“七百”不是数字" in visible_text(wrong)
    assert not RegionSetting.objects.exists()
    saved = admin.post("/settings/", form)
    assert (saved.status_code, saved["Location"]) == (302, f"/settings/?region={COUNTY_A}")
    assert RegionSetting.objects.get(region__code=COUNTY_A, key="dibao_standard_rural").value == "700"
    assert client_for("dongkou_admin").get(f"/settings/?region={COUNTY_A}").status_code == 404
    assert client_for("dongkou_admin").post("/settings/", {**form, "effective_from": "2027-02-01"}).status_code == 404


def test_the_category_matrix_is_a_grid_of_checkboxes(client_for, world):
    admin = client_for("longhui_admin")
    page = admin.get(f"/settings/tier_categories/?region={COUNTY_A}").content.decode()
    assert 'name="dibao" value="basic_living" checked' in page and 'aria-label="低保对象 基本生活救助"' in page
    saved = admin.post("/settings/tier_categories/", {"region": COUNTY_A, "effective_from": "2027-01-01",
                                                      "dibao": ["medical", "basic_living"], "tekun": []})
    assert saved.status_code == 302
    assert RegionSetting.objects.get(key="tier_categories").value["dibao"] == ["basic_living", "medical"]


# ---- The API ------------------------------------------------------------------------------------------

def test_api_adds_and_reads_versions_within_the_jurisdiction(client_for, city_standard):
    admin = client_for("longhui_admin")
    body = {"key": "dibao_standard_rural", "region": COUNTY_A, "effective_from": "2027-01-01", "value": 700,
            "note": "隆政发〔2026〕12号"}
    created = admin.post("/api/v1/settings/", body, content_type="application/json")
    assert created.status_code == 201
    assert {k: v for k, v in created.json().items() if k not in ("id", "created_at")} == {
        "key": "dibao_standard_rural", "label": "农村低保标准", "unit": "元/人·月", "region_code": COUNTY_A,
        "region_name": "隆回县", "effective_from": "2027-01-01", "value": "700", "display": "700",
        "note": "隆政发〔2026〕12号", "set_by": "隆回县系统管理员"}
    officer = client_for("longhui_officer")
    listed = {s["key"]: s for s in officer.get(f"/api/v1/settings/?region={COUNTY_A}&on=2026-12-31").json()}
    assert listed["dibao_standard_rural"] == {
        "key": "dibao_standard_rural", "label": "农村低保标准", "group": "低收入人口 · 认定标准", "unit": "元/人·月",
        "kind": "decimal", "value": "600", "display": "600", "is_default": False, "set_at_region": CITY,
        "set_at_region_name": "邵阳市", "effective_from": "2025-01-01", "set_by": "邵阳市系统管理员",
        "basis": "邵政发〔2025〕1号"}
    assert listed["tekun_age"]["value"] == "60" and listed["tekun_age"]["is_default"] is True
    assert listed["tier_categories"]["value"]["tekun"][0] == "destitute_support"
    later = {s["key"]: s for s in officer.get(f"/api/v1/settings/?region={COUNTY_A}&on=2027-01-01").json()}
    assert (later["dibao_standard_rural"]["value"], later["dibao_standard_rural"]["set_at_region"]) == ("700", COUNTY_A)
    history = officer.get(f"/api/v1/settings/dibao_standard_rural/history?region={COUNTY_A}").json()
    assert [(h["region_code"], h["effective_from"], h["value"]) for h in history] == [
        (COUNTY_A, "2027-01-01", "700"), (CITY, "2025-01-01", "600")]
    assert officer.get("/api/v1/settings/no_such_setting/history").status_code == 404


def test_api_refuses_out_of_scope_regions_non_administrators_and_bad_values(client_for, world):
    body = {"key": "dibao_standard_rural", "region": COUNTY_A, "effective_from": "2027-01-01", "value": "700"}
    other = client_for("dongkou_admin")
    assert other.post("/api/v1/settings/", body, content_type="application/json").status_code == 404
    assert other.get(f"/api/v1/settings/?region={COUNTY_A}").status_code == 404
    assert other.get(f"/api/v1/settings/dibao_standard_rural/history?region={COUNTY_A}").status_code == 404
    refused = client_for("longhui_approver").post("/api/v1/settings/", body, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    bad = client_for("longhui_admin").post("/api/v1/settings/", {**body, "value": "abc"},
                                           content_type="application/json")
    assert bad.status_code == 400
    assert bad.json() == {"code": "validation_error", "message": "农村低保标准应为数字，“abc”不是数字",
                          "errors": [{"path": "value", "message": "农村低保标准应为数字，“abc”不是数字"}]}
    bad_date = client_for("longhui_admin").post("/api/v1/settings/", {**body, "effective_from": "2027-13-01"},
                                                content_type="application/json")
    assert bad_date.status_code == 422
    assert not RegionSetting.objects.exists()
