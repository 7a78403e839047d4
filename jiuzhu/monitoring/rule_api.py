"""API of the rule part of monitoring (added to the monitoring router by api.py): the indicator catalogue,
a new rule version (administrators), a dry run, and comparison runs (started as task runs)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from jiuzhu.core.schemas import ErrorOut
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.monitoring.indicators import indicator_version_create, may_read_rules, versions_in_force
from jiuzhu.monitoring.models import Indicator
from jiuzhu.monitoring.rules_sql import describe
from jiuzhu.monitoring.runs import comparison_run_start, dry_run, may_start_runs, runs_for

router = Router(tags=["动态监测"])


class IndicatorOut(Schema):
    code: str
    name: str
    indicator_class: str = Field(description="active_discovery 主动发现、need 需求预警、dynamic 动态管理、"
                                             "policy 政策落实")
    description: str
    rule: dict | None = Field(description="本区划今日执行的规则（规则构建器的格式）")
    rule_text: str
    enabled: bool
    version_region: str | None
    valid_from: dt.date | None


class RuleVersionIn(Schema):
    region: str = Field(max_length=12, description="适用区划代码，须在管辖范围内")
    valid_from: dt.date
    rule: dict = Field(description="数据来源、统计字段、统计方式、比较方式、阈值……（见规则构建器）")
    enabled: bool = True
    note: str = Field("", max_length=200)


class RuleVersionOut(Schema):
    id: int
    indicator: str
    region: str
    valid_from: dt.date
    rule: dict
    rule_text: str
    enabled: bool


class DryRunIn(Schema):
    region: str = Field(max_length=12)
    rule: dict
    indicator: str | None = None


class DryRunOut(Schema):
    fired: int = Field(description="将触发的对象数")
    new: int = Field(description="其中尚无未办结预警的")
    already_open: int
    files: int


class RunIn(Schema):
    region: str = Field(max_length=12)
    as_of: dt.date
    engine: str | None = Field(None, description="duckdb 或 spark；不填为系统默认")


class RunOut(Schema):
    id: int
    region: str
    as_of: dt.date
    status: str
    engine: str
    counts: dict
    seconds: float | None


def _readable(actor) -> None:
    if not may_read_rules(actor):
        raise PermissionDenied("您没有查看预警指标的权限")


def _region(actor, code: str | None):
    code = (code or "").strip() or (actor.region.code if actor.region_id else "")
    region = regions_in_scope(actor=actor).filter(code=code[:12]).first()
    if region is None:
        raise Http404("区划不存在或不在您的管辖范围内")
    return region


@router.get("/indicators", response={200: list[IndicatorOut], 403: ErrorOut, 404: ErrorOut},
            summary="预警指标目录及本区划今日执行的规则")
def indicator_list(request, region: str | None = None):
    _readable(request.auth)
    place = _region(request.auth, region)
    in_force = versions_in_force(place, timezone.localdate())
    out = []
    for indicator in Indicator.objects.order_by("indicator_class", "code"):
        v = in_force.get(indicator.pk)
        out.append(IndicatorOut(code=indicator.code, name=indicator.name, indicator_class=indicator.indicator_class,
                                description=indicator.description, rule=v.rule if v else None,
                                rule_text=describe(v.rule) if v else "", enabled=bool(v and v.enabled),
                                version_region=v.region.code if v else None, valid_from=v.valid_from if v else None))
    return out


@router.post("/indicators/{code}/versions", response={201: RuleVersionOut, 400: ErrorOut, 403: ErrorOut,
                                                       404: ErrorOut},
             summary="新增指标规则版本（系统管理员；已保存的版本不修改）")
def rule_version_add(request, code: str, payload: RuleVersionIn):
    indicator = get_object_or_404(Indicator, code=code)
    place = _region(request.auth, payload.region)
    v = indicator_version_create(actor=request.auth, indicator=indicator, region=place, valid_from=payload.valid_from,
                                 rule=payload.rule, enabled=payload.enabled, note=payload.note)
    return Status(201, RuleVersionOut(id=v.pk, indicator=indicator.code, region=place.code, valid_from=v.valid_from,
                                      rule=v.rule, rule_text=describe(v.rule), enabled=v.enabled))


@router.post("/indicators/dry-run", response={200: DryRunOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="试运行：规则将触发的预警数（不保存、不生成预警）")
def rule_dry_run(request, payload: DryRunIn):
    place = _region(request.auth, payload.region)
    indicator = get_object_or_404(Indicator, code=payload.indicator) if payload.indicator else None
    return dry_run(actor=request.auth, version_rule=payload.rule, indicator=indicator, region=place,
                   as_of=timezone.localdate())


@router.post("/runs", response={202: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="发起比对（后台任务，进度见 /api/v1/tasks/）")
def run_start(request, payload: RunIn):
    task = comparison_run_start(actor=request.auth, region=_region(request.auth, payload.region),
                                as_of=payload.as_of, engine=payload.engine)
    return Status(202, {"task_run": str(task.pk)})


@router.get("/runs", response={200: list[RunOut], 403: ErrorOut}, summary="比对批次（管辖范围内，新的在前）")
def run_list(request, limit: int = 50):
    if not may_start_runs(request.auth):
        raise PermissionDenied("您没有查看比对批次的权限")
    return [RunOut(id=r.pk, region=r.region.code, as_of=r.as_of, status=r.status, engine=r.engine,
                   counts=r.counts, seconds=r.seconds) for r in runs_for(actor=request.auth)[:min(max(limit, 1), 200)]]
