"""The audit log names what changed, what was exported and which object in Chinese only: a field Django named
from its attribute ("user role", "status", "key") or a filter recorded under its Chinese label never reaches the
auditor as English or as a vague "其他条件"."""

import datetime as dt
import re

from django.apps import apps

from jiuzhu.core.audit_labels import OTHER_FIELD, describe_rows, detail_text, field_label
from jiuzhu.core.models import AuditLog, Region
from jiuzhu.core.region_settings import region_setting_set


def changed(object_type: str, changes: dict) -> str:
    return detail_text(AuditLog(action="update", object_type=object_type, object_id="29", detail={"changes": changes}))


def test_a_region_setting_edit_names_the_setting_and_its_fields_in_chinese(persona):
    row = region_setting_set(actor=persona("longhui_admin"), key="dibao_standard_rural",
                             region=Region.objects.get(code="430524"), effective_from=dt.date(2027, 1, 1),
                             value="700", note="隆政发〔2026〕1号")
    logged = describe_rows([AuditLog.objects.get(object_type="core.regionsetting", object_id=str(row.pk))])[0]
    # The changes' keys in the order the database gives them back (PostgreSQL's jsonb sorts them).
    assert logged.detail_text.startswith("修改：")
    labels = logged.detail_text.removeprefix("修改：").split("、")
    assert sorted(labels) == sorted(["参数", "区划", "生效日期", "参数值", "依据"])
    assert logged.object_text == f"区划参数 #{row.pk}（隆回县农村低保标准，自 2027-01-01 起）"
    assert "dibao_standard_rural" not in logged.object_text


def test_a_user_edit_names_every_field_in_chinese():
    # The keys user_services writes when an account is created and when it is edited.
    changes = dict.fromkeys(["username", "name", "phone", "organization", "region", "roles", "password"], "")
    assert changed("core.user", changes) == "修改：用户名、姓名、电话、所属机构、管辖区域、角色、密码"
    assert changed("core.user", {"roles": {}, "status": {}}) == "修改：角色、账号状态"


def test_a_tier_decision_status_change_is_in_chinese():
    assert changed("registry.tierdecision", {"status": "confirmed", "tier": "dibao", "decided_by": 3}) == (
        "修改：认定状态、认定层级、审批人")


def test_no_field_of_any_model_is_shown_by_its_raw_name():
    """Every model the log can record, every field (a new one included): its label in "修改：" is Chinese.
    Raw names and the names Django makes up from them are lower-case ASCII; an acronym inside a Chinese name
    ("DNA 比对") is not a raw name."""
    models = [m for m in apps.get_models() if m.__module__.startswith("jiuzhu.")]
    assert len(models) > 50
    for model in models:
        for field in model._meta.get_fields():
            label = field_label(model._meta.label_lower, field.name)
            assert re.search(r"[\u4e00-\u9fff]", label) and not re.search(r"[a-z]", label), (
                model._meta.label_lower, field.name, label)
    # The models whose edits the sweep showed name each field users can change by its own Chinese name.
    for label, names in {"core.regionsetting": ["key", "region", "value", "set_by", "created_at"],
                         "core.user": ["organization", "roles"], "core.userrole": ["user", "role"],
                         "registry.tierdecision": ["status", "decided_by", "decided_at"]}.items():
        assert OTHER_FIELD not in [field_label(label, n) for n in names], label
    assert field_label("core.user", "no_such_field") == OTHER_FIELD


def test_an_export_filtered_by_tier_names_the_filter(client_for):
    assert client_for("longhui_officer").get("/registry/persons/export.xlsx", {"tier": "dibao"}).status_code == 200
    export = describe_rows([AuditLog.objects.get(action="export")])[0]
    assert export.detail["filters"] == {"认定层级": "低保对象"}  # the registry records its filters in Chinese
    assert export.detail_text.endswith("；筛选条件：认定层级 低保对象")
    assert "其他条件" not in export.detail_text


def test_filters_recorded_under_chinese_labels_read_as_they_are():
    row = AuditLog(action="export", detail={"object_type": "registry.household", "count": 2, "filters": {
        "认定层级": "低保对象", "待审批建议": "特困人员", "地区": "湖南省邵阳市隆回县", "odd_key": "1"}})
    text = detail_text(row)
    assert text.endswith("筛选条件：认定层级 低保对象、待审批建议 特困人员、地区 湖南省邵阳市隆回县、其他条件 1")
