"""The audit log in Chinese: what an audit row's object, purpose and detail mean, for the auditor's page and
its export. Rows store identifiers (`registry.tierdecision`, `262`, `{"purpose": "page"}`); nothing here
shows them raw.

Each app may have `audit_hooks.py` (found through core/discovery; core imports no app by name) with
- `DESCRIBERS = {"app.model": callable(ids: list[str]) -> {id: "层级认定 #262（户号 38）"}}`: one query per
  type per page. A describer never shows what the auditor may not read (a person is "人员 #1234", not a name).
- `PERSON_FINDERS`: objects with `by_id_hash(id_hash)` and `by_name(name, region)` answering a queryset of
  person ids (the auditor's search by ID number or by name; core matches audit rows' `person_id`).
- `FILTER_LABELS = {"tier": "层级"}` and `FILTER_VALUES = {"tier": {"dibao": "低保对象"}}`: an export's
  filters in Chinese.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from jiuzhu.core.audit import PERSON_SET_TYPE
from jiuzhu.core.discovery import app_modules
from jiuzhu.core.models import AuditAction, RegionSetting
from jiuzhu.core.region_settings import setting_definitions

PURPOSES = {
    "page": "查看详情页", "list": "浏览列表", "household_list": "浏览家庭列表", "person_list": "浏览人员列表",
    "search": "查询", "export": "导出", "ids": "按身份证号码查询", "members": "查看家庭成员",
    "means_test": "家计调查", "assess": "分层评估", "grant": "救助发放", "edit": "修改信息",
    "member_add": "添加成员", "move": "人员迁移", "nothing": "查询（无结果）", "audit_search": "审计查询",
    "queue": "审批队列", "decision": "审批认定", "bank_file": "银行代发文件",
}
FILE_KINDS = {"xlsx": "Excel 表格", "csv": "CSV 文件", "parquet": "Parquet 文件"}
CORE_FILTER_LABELS = {
    "username": "用户名", "action": "操作", "object_type": "对象类型", "person_id": "人员编号",
    "id_number": "身份证号码", "person_name": "人员姓名", "date_from": "起始日期", "date_to": "截止日期",
    "region_code": "区划", "name": "姓名", "batch": "导入批次",
}


def _hooks(name: str):
    for _, module in app_modules("audit_hooks"):
        value = getattr(module, name, None)
        if value:
            yield value


# Core models whose verbose_name is not Chinese (an app names its own in audit_hooks.MODEL_NAMES).
CORE_MODEL_NAMES = {"core.event": "事件", "core.eventdelivery": "事件处理记录", "core.auditpersonset": "人员名单"}

# Change keys a service writes that are not a field of the model, by model: "修改：" names them in Chinese.
CHANGE_LABELS = {
    "core.user": {"name": "姓名", "roles": "角色", "status": "账号状态"},
    "core.regionsetting": {"label": "参数"},  # the key's Chinese name, written beside the key
}
# Fields many models share that often have no Chinese verbose_name of their own.
COMMON_FIELD_LABELS = {"id": "编号", "status": "状态", "created_at": "登记时间", "created_by": "登记人"}
OTHER_FIELD = "其他信息"  # what a change key without any Chinese name is shown as: never the raw key


def _chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def model_name(label: str) -> str:
    """'registry.household' -> '家庭'; a label without a Chinese name -> '其他记录' (never the raw label)."""
    if not label:
        return ""
    names = dict(CORE_MODEL_NAMES)
    for hook in _hooks("MODEL_NAMES"):
        names.update(hook)
    if label in names:
        return names[label]
    try:
        name = str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return "其他记录"
    return name if _chinese(name) else "其他记录"


def object_type_choices() -> list[tuple[str, str]]:
    """The object-type filter: every jiuzhu model by its Chinese name."""
    choices = [(m._meta.label_lower, model_name(m._meta.label_lower)) for m in apps.get_models()
               if m.__module__.startswith("jiuzhu.")]
    return sorted((c for c in choices if c[1] != "其他记录"), key=lambda c: c[1])


def purpose_label(purpose: str) -> str:
    if not purpose:
        return ""
    if purpose in PURPOSES:
        return PURPOSES[purpose]
    return "接口调用" if purpose.startswith("api") else "业务办理"


def field_label(object_type: str, key: str) -> str:
    """A change key of an object type in Chinese: the field's own verbose_name when Chinese, else a shared
    name, else (a relation) the related model's name, else OTHER_FIELD. Never the key itself: a field
    whose verbose_name Django made up from its name ("user role", "status") is English."""
    named = CHANGE_LABELS.get(object_type, {}).get(key)
    if named:
        return named
    try:
        found = apps.get_model(object_type)._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        return OTHER_FIELD
    own = str(getattr(found, "verbose_name", None) or "")
    if _chinese(own):
        return own
    if key in COMMON_FIELD_LABELS:
        return COMMON_FIELD_LABELS[key]
    # A relation without a Chinese name of its own (a reverse one such as "members" has none at all): the
    # related model's name says what changed.
    related = getattr(found, "related_model", None)
    related_name = model_name(related._meta.label_lower) if related else ""
    return related_name if related_name not in ("", "其他记录") else OTHER_FIELD


def _filter_labels() -> tuple[dict, dict]:
    labels, values = dict(CORE_FILTER_LABELS), {"action": dict(AuditAction.choices)}
    for hook in _hooks("FILTER_LABELS"):
        labels.update(hook)
    for hook in _hooks("FILTER_VALUES"):
        values.update(hook)
    return labels, values


def filters_text(filters: dict) -> str:
    """{"tier": "dibao", "name": "张"} -> "层级 低保对象、姓名 张" (unknown keys: "其他条件"). Many exports
    record their filters already in Chinese ({"认定层级": "低保对象"}, registry/lists.py): such a key is its
    own label."""
    labels, values = _filter_labels()
    parts = []
    for key, value in (filters or {}).items():
        if value in (None, "", [], {}):
            continue
        if key == "object_type":
            shown = model_name(str(value))
        else:
            shown = values.get(key, {}).get(value, value) if isinstance(value, str) else value
        label = labels.get(key) or (key if _chinese(key) else "其他条件")
        parts.append(f"{label} {shown}")
    return "、".join(parts)


def detail_text(row) -> str:
    """What the row records beyond who/when/what: purpose of a read, what an export held, what changed."""
    detail = row.detail if isinstance(row.detail, dict) else {}
    if row.action == AuditAction.EXPORT:
        filename = detail.get("filename", "")
        kind = FILE_KINDS.get(filename.rsplit(".", 1)[-1].lower(), "文件") if "." in filename else "文件"
        what = model_name(detail.get("object_type", "")) or "数据"
        text = f"导出{what} {detail.get('count', 0)} 行（{kind}"
        text += f"：{filename.rsplit('.', 1)[0]}）" if filename else "）"  # the kind already says the format
        shown = filters_text(detail.get("filters") or {})
        return text + (f"；筛选条件：{shown}" if shown else "；无筛选条件（全部）")
    if row.action == AuditAction.IMPORT:
        parts = [f"{detail[k]} {unit}" for k, unit in (("households", "户"), ("persons", "人")) if k in detail]
        text = "导入" + (" ".join(parts) if parts else "")
        return text + (f"（文件：{detail['filename']}）" if detail.get("filename") else "")
    parts = []
    if detail.get("purpose"):
        parts.append(f"用途：{purpose_label(detail['purpose'])}")
    if detail.get("query_hash"):
        parts.append("按条件查询（条件已加密留存）")
    changes = detail.get("changes")
    if isinstance(changes, dict) and changes:
        names = [field_label(row.object_type, k) for k in changes]
        parts.append("修改：" + "、".join(dict.fromkeys(names)))
    if detail.get("api_token"):
        parts.append("经接口令牌")
    if "failures" in detail:
        parts.append(f"连续失败 {detail['failures']} 次")
    if detail.get("sign_in_unlocked"):
        parts.append(f"解除账号 {detail['sign_in_unlocked']} 的登录锁定")
    return "；".join(parts)


def describe_settings(ids: list[str]) -> dict[str, str]:
    """'区划参数 #8（隆回县农村低保标准，自 2027-01-01 起）': the setting by its Chinese name and the region by
    its name (the row's own text is "key@region id date"); one query for the page's settings."""
    numbers = [int(i) for i in ids if i.isdigit()]
    rows = {r.pk: r for r in RegionSetting.objects.filter(pk__in=numbers).select_related("region")}
    definitions = setting_definitions()
    described = {}
    for i in ids:
        row = rows.get(int(i)) if i.isdigit() else None
        text = f"区划参数 #{i}"
        if row is not None:
            definition = definitions.get(row.key)
            name = definition.label if definition else "参数"  # a key no app declares any more
            text += f"（{row.region.name}{name}，自 {row.effective_from:%Y-%m-%d} 起）"
        described[i] = text
    return described


# Core's own objects (the apps' come from their audit_hooks.DESCRIBERS).
CORE_DESCRIBERS = {"core.regionsetting": describe_settings}


def describe_rows(rows: Iterable) -> list:
    """Gives each audit row `object_text` (Chinese, through the apps' describers, one query per type),
    `detail_text` and `actor_roles`; returns the rows as a list."""
    rows = list(rows)
    describers: dict = dict(CORE_DESCRIBERS)
    for hook in _hooks("DESCRIBERS"):
        describers.update(hook)
    wanted = defaultdict(set)
    for row in rows:
        if row.object_type in describers and row.object_id:
            wanted[row.object_type].add(row.object_id)
    described = {t: describers[t](sorted(ids)) for t, ids in wanted.items()}
    for row in rows:
        text = described.get(row.object_type, {}).get(row.object_id)
        if row.object_type == PERSON_SET_TYPE:  # one row for a list of persons (audit.audit_person_set)
            counted = (row.detail.get("person_set") or {}) if isinstance(row.detail, dict) else {}
            text = f"包含在{row.object_repr or '名单'}中的人员（共 {counted.get('persons', 0)} 人）"
        if text is None and row.object_type:
            text = f"{model_name(row.object_type)} #{row.object_id}" if row.object_id else model_name(row.object_type)
            generic = row.object_repr.endswith(f"object ({row.object_id})")
            if row.object_type not in describers and row.object_repr and not generic:
                text += f"（{row.object_repr}）"
        row.object_text = text or ""
        row.detail_text = detail_text(row)
        actor = getattr(row, "actor", None)
        row.actor_roles = "、".join(r.get_role_display() for r in actor.roles.all()) if actor else ""
    return rows
