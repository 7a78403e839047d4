"""Reading warnings: lists, the detail page, the department's inbox, the approver's terminations.

Scope (core/scoping): an officer sees the warnings of the region subtree they serve (a township officer its
township, a county officer the county); a department clerk sees only warnings referred to its organisation
(`department_field="referred_to"`). Out of scope: 404. Persons shown are audited (set-based)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from jiuzhu.core.audit import audit_read
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import Event, Organization, OrganizationKind
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404, is_department_actor, scoped
from jiuzhu.core.workdays import is_provisional
from jiuzhu.monitoring.models import (
    Indicator,
    IndicatorClass,
    TerminationStatus,
    Warning,
    WarningReferral,
    WarningStatus,
    WarningTermination,
)
from jiuzhu.registry.selectors import audit_shown

PAGE_SIZE = 50
SCOPE = {"department_field": "referred_to"}

# Evidence keys the comparison runs write, in Chinese; a key not listed is shown as 其他依据.
EVIDENCE_LABELS = {
    "feed": "数据来源", "feed_kind": "数据来源", "source": "数据来源", "kind": "类型",
    "amount": "金额（元）", "total": "合计（元）", "total_cost": "医疗总费用（元）",
    "out_of_pocket": "个人自付（元）", "self_paid": "个人自付（元）", "threshold": "阈值",
    "value": "数值", "share": "占比", "window_days": "统计期（天）", "window_months": "统计期（月）",
    "admission_date": "入院日期", "discharge_date": "出院日期", "death_date": "死亡日期",
    "date": "日期", "event_date": "发生日期", "period_start": "起始日期", "period_end": "截止日期",
    "grade": "等级", "disability_kind": "残疾类别", "issue_date": "发证日期", "cancel_date": "注销日期",
    "count": "条数", "rows": "记录条数", "batch": "数据批次", "batch_id": "数据批次", "row_number": "行号",
    "tier": "层级", "category": "救助类别", "region": "地区", "region_code": "地区代码", "name": "姓名",
    "income": "收入（元）", "per_capita_income": "人均收入（元）", "plate": "车牌号", "vehicle_kind": "车辆类型",
    "area": "面积（平方米）", "company": "企业名称", "position": "任职", "pension": "养老金（元）",
    "salary": "工资（元）", "note": "说明", "reason": "原因", "rule": "规则", "indicator": "指标",
    "operator": "比较方式", "field": "字段", "aggregation": "汇总方式",
}


def _handler_or_department(actor) -> None:
    require(actor, Capability.HANDLE_WARNINGS)


def warnings_in_scope(actor) -> QuerySet[Warning]:
    _handler_or_department(actor)
    return scoped(Warning.objects.all(), actor, **SCOPE)


@dataclass
class WarningFilters:
    status: str = ""
    indicator: str = ""  # indicator id
    indicator_class: str = ""
    overdue: bool = False
    region: object = None  # a Region from core.region_picker

    def as_audit(self) -> dict:
        shown = {}
        if self.status:
            shown["状态"] = WarningStatus(self.status).label
        if self.indicator_class:
            shown["类别"] = IndicatorClass(self.indicator_class).label
        if self.indicator:
            shown["指标"] = self.indicator
        if self.overdue:
            shown["超期"] = "是"
        if self.region is not None:
            shown["地区"] = self.region.full_name
        return shown


def parse_filters(params, region=None) -> WarningFilters:
    status = params.get("status", "")
    klass = params.get("class", "")
    indicator = params.get("indicator", "")
    return WarningFilters(status=status if status in WarningStatus.values else "",
                          indicator=indicator if indicator.isdigit() else "",
                          indicator_class=klass if klass in IndicatorClass.values else "",
                          overdue=params.get("overdue") == "1", region=region)


def warning_list(*, actor, filters: WarningFilters) -> QuerySet[Warning]:
    """The scoped list, most urgent first (overdue, then the nearest deadline)."""
    rows = warnings_in_scope(actor)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.indicator:
        rows = rows.filter(indicator_id=int(filters.indicator))
    if filters.indicator_class:
        rows = rows.filter(indicator__indicator_class=filters.indicator_class)
    if filters.overdue:
        rows = rows.filter(overdue=True).exclude(status=WarningStatus.CLOSED)
    if filters.region is not None:
        rows = rows.filter(region__path__startswith=filters.region.path)
    return rows.select_related("indicator", "region", "person", "referred_to")\
        .order_by("-overdue", "due_date", "-id")


def audit_listed(actor, warnings: list[Warning], purpose: str = "warning_list") -> int:
    """The registry persons a page of warnings shows (name only) are audited, set-based."""
    return audit_shown(actor, sorted({w.person_id for w in warnings if w.person_id}), purpose=purpose)


def indicators() -> list[Indicator]:
    return list(Indicator.objects.order_by("indicator_class", "code"))


def warning_get(*, actor, warning_id: int, purpose: str = "warning") -> Warning:
    """One warning in scope (404 otherwise); its person's read is audited."""
    _handler_or_department(actor)
    warning = get_scoped_or_404(
        Warning.objects.select_related("indicator", "region", "person", "household", "household__region",
                                       "referred_to", "closed_by"), actor, scope=SCOPE, pk=warning_id)
    audit_read(actor, warning, person_id=warning.person_id or (warning.household.head_id
                                                                 if warning.household_id else None),
               detail={"purpose": purpose})
    return warning


def subject_view(actor, warning: Warning) -> dict:
    """The person as the detail page shows them: name, the ID number masked (never beside a birth date)."""
    person = warning.person
    if person is None:
        return {"name": warning.subject_name or "（未登记人员）", "id": "", "in_registry": False}
    return {"name": person.name, "id": mask_id_number(person.id_number), "in_registry": True,
            "deceased": person.death_date is not None, "household_id": warning.household_id}


def evidence_rows(warning: Warning) -> list[tuple[str, str]]:
    """(Chinese label, value) for the evidence that fired the warning."""
    from jiuzhu.monitoring.models import FeedKind

    evidence = warning.evidence if isinstance(warning.evidence, dict) else {"value": warning.evidence}
    feeds = dict(FeedKind.choices)
    rows = []
    for key, value in evidence.items():
        label = EVIDENCE_LABELS.get(key) or (key if not key.isascii() else "其他依据")
        if isinstance(value, str) and value in feeds:
            value = feeds[value]
        elif isinstance(value, list | tuple):
            value = "、".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = "；".join(f"{EVIDENCE_LABELS.get(k, '其他')}：{v}" for k, v in value.items())
        elif isinstance(value, bool):
            value = "是" if value else "否"
        rows.append((label, "" if value is None else str(value)))
    return rows


def warning_history(warning: Warning) -> QuerySet[Event]:
    """The warning's own steps (the events whose subject it is), oldest first. Index event_subject."""
    return Event.objects.filter(subject_type=Warning._meta.label_lower, subject_id=str(warning.pk))\
        .select_related("actor", "organization").order_by("occurred_at", "id")


def departments_for(warning: Warning) -> list[Organization]:
    """The departments a warning may be referred to: those of its county (and above)."""
    codes = warning.region.ancestor_codes()
    return list(Organization.objects.filter(kind=OrganizationKind.DEPARTMENT, region__code__in=codes)
                .order_by("department", "name"))


def deadline_text(day: dt.date | None) -> str:
    if day is None:
        return "未设期限"
    text = f"{day:%Y-%m-%d}"
    if is_provisional(day):
        text += "（该年节假日安排未公布，暂按周末推算）"
    return text


# ---- The department's inbox -------------------------------------------------------------------------------

def department_referrals(actor, *, answered: bool | None = False) -> QuerySet[WarningReferral]:
    """Referrals sent to the clerk's own department (any other organisation: none)."""
    require(actor, Capability.HANDLE_WARNINGS)
    if not is_department_actor(actor) or actor.organization_id is None:
        if not actor.is_superuser:
            return WarningReferral.objects.none()
    rows = WarningReferral.objects.filter(organization_id=actor.organization_id)
    if answered is not None:
        rows = rows.filter(answered_at__isnull=not answered)
    return rows.select_related("warning", "warning__indicator", "warning__region", "warning__person",
                               "organization").order_by("due_date", "id")


def referral_get(actor, referral_id: int) -> WarningReferral:
    from django.http import Http404

    require(actor, Capability.HANDLE_WARNINGS)
    referral = WarningReferral.objects.select_related("warning", "warning__indicator", "warning__person",
                                                      "warning__household", "organization")\
        .filter(pk=referral_id, organization_id=actor.organization_id).first()
    if referral is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    return referral


# ---- The approver's terminations -------------------------------------------------------------------------

def pending_terminations(actor) -> QuerySet[WarningTermination]:
    if not can(actor, Capability.DECIDE_TERMINATIONS):
        return WarningTermination.objects.none()
    return scoped(WarningTermination.objects.filter(status=TerminationStatus.PENDING), actor,
                  region_field="warning__region")


def overdue_open(actor) -> QuerySet[Warning]:
    return warnings_in_scope(actor).filter(overdue=True).exclude(status=WarningStatus.CLOSED)


def today() -> dt.date:
    return timezone.localdate()

