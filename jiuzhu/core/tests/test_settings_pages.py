"""Issue 14: the standards and category-matrix pages (/registry/standards/, /registry/categories/, served by
core/settings_views.py) are editable for administrators and read-only for everyone else; errors are red at
their field and keep what was typed; the history names settings, regions and people in Chinese, numbers
grouped with units, the matrix as a table, never a stored key."""

import re

from jiuzhu.core.models import AuditLog, RegionSetting
from jiuzhu.core.tests.test_region_settings import visible_text  # what a reader sees, one copy

COUNTY_A = "430524"
KEY = re.compile(r"[a-z]+_[a-z_]+")  # a stored key such as dibao_standard_rural or basic_living


def test_the_registry_addresses_serve_the_settings_pages(client_for):
    officer = client_for("longhui_officer")
    standards = officer.get("/registry/standards/")
    assert standards.status_code == 200 and "地方标准和参数 · 湖南省邵阳市隆回县" in visible_text(standards)
    categories = officer.get("/registry/categories/")
    assert categories.status_code == 200 and "分层对应的救助类别 · 湖南省邵阳市隆回县" in visible_text(categories)


def test_an_administrator_adds_a_standard_version_on_the_standards_page(client_for):
    admin = client_for("longhui_admin")
    page = admin.get("/registry/standards/").content.decode()
    assert "新增版本" in page and 'name="value"' in page
    saved = admin.post("/registry/standards/", {"region": COUNTY_A, "key": "disposable_income_last_year",
                                                "value": "28345", "effective_from": "2027-01-01",
                                                "note": "隆回县统计公报2026"}, follow=True)
    assert saved.redirect_chain == [(f"/registry/standards/?region={COUNTY_A}", 302)]
    text = visible_text(saved)
    assert "已新增“上年度居民人均可支配收入”的版本，自 2027-01-01 起在隆回县执行" in text
    assert ("上年度居民人均可支配收入 隆回县 2027-01-01 28,345 元/人·年 隆回县统计公报2026 隆回县系统管理员"
            in text)
    assert RegionSetting.objects.get(key="disposable_income_last_year").value == "28345"
    assert AuditLog.objects.filter(action="create", object_type="core.regionsetting").count() == 1


def test_a_refused_value_is_red_at_its_field_and_keeps_what_was_typed(client_for):
    admin = client_for("longhui_admin")
    refused = admin.post("/registry/standards/", {"region": COUNTY_A, "key": "dibao_standard_rural",
                                                  "value": "-5", "effective_from": "2027-01-01",
                                                  "note": "隆政发〔2026〕12号"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert '<span class="error">农村低保标准不能小于 0</span>' in page
    assert 'value="-5"' in page and 'value="隆政发〔2026〕12号"' in page and 'value="2027-01-01"' in page
    assert '<option value="dibao_standard_rural" selected>' in page
    assert 'class="messages"' not in page  # no green box beside the red one
    bad_date = admin.post("/registry/standards/", {"region": COUNTY_A, "key": "dibao_standard_rural",
                                                   "value": "680", "effective_from": "2027-13-01"})
    assert '<span class="error">生效日期格式应为 YYYY-MM-DD</span>' in bad_date.content.decode()
    assert not RegionSetting.objects.exists()


def test_everyone_else_sees_the_pages_read_only(client_for):
    for username in ("longhui_officer", "longhui_approver", "longhui_window"):
        client = client_for(username)
        standards = client.get("/registry/standards/").content.decode()
        assert "新增版本" not in standards and 'name="value"' not in standards
        categories = client.get("/registry/categories/").content.decode()
        assert "保存为新版本" not in categories and 'type="checkbox" name="dibao" value="medical" checked disabled' \
            in categories
        assert client.post("/registry/categories/", {"effective_from": "2027-01-01",
                                                     "dibao": ["medical"]}).status_code == 403  # own region
    assert not RegionSetting.objects.exists()


def test_an_administrator_adds_a_category_matrix_version_and_the_history_is_a_table(client_for):
    admin = client_for("longhui_admin")
    saved = admin.post("/registry/categories/", {"region": COUNTY_A, "effective_from": "2027-01-01",
                                                 "note": "隆民发〔2026〕3号", "dibao": ["medical", "basic_living"],
                                                 "tekun": ["destitute_support"]}, follow=True)
    assert saved.redirect_chain == [(f"/registry/categories/?region={COUNTY_A}", 302)]
    row = RegionSetting.objects.get(key="tier_categories")
    assert row.value["dibao"] == ["basic_living", "medical"] and row.value["near_dibao"] == []
    page = saved.content.decode()
    assert ('<table class="matrix"><tbody><tr><th scope="row">低保对象</th><td>基本生活救助、医疗救助</td></tr>'
            '<tr><th scope="row">特困人员</th><td>特困供养</td></tr>') in page
    text = visible_text(saved)
    assert "隆回县 2027-01-01 低保对象 基本生活救助、医疗救助 特困人员 特困供养 低保边缘家庭 无" in text
    assert "隆民发〔2026〕3号 隆回县系统管理员" in text
    assert not KEY.search(text)


def test_a_refused_matrix_keeps_the_boxes_that_were_ticked(client_for):
    admin = client_for("longhui_admin")
    refused = admin.post("/registry/categories/", {"region": COUNTY_A, "effective_from": "",
                                                   "dibao": ["medical"], "tekun": ["housing"]})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert '<span class="error">请填写生效日期</span>' in page
    assert 'name="dibao" value="medical" checked' in page and 'name="dibao" value="basic_living" checked' not in page
    assert 'name="tekun" value="housing" checked' in page
    assert not RegionSetting.objects.exists()


def test_the_overview_never_shows_a_stored_key(client_for):
    text = visible_text(client_for("longhui_admin").get("/registry/standards/"))
    assert "低保对象：基本生活救助、医疗救助" in text
    assert not KEY.search(text)


def test_a_date_typed_another_way_comes_back_in_iso_when_another_field_is_refused(client_for):
    """A phone without a date picker sends 2027/1/1: the refused form shows it as the date input reads it."""
    refused = client_for("longhui_admin").post("/registry/standards/", {
        "region": COUNTY_A, "key": "dibao_standard_rural", "value": "-5", "effective_from": "2027/1/1"})
    assert refused.status_code == 400
    assert 'name="effective_from" value="2027-01-01"' in refused.content.decode()
