"""API of the warning part of monitoring (added to the monitoring router by api.py), /api/v1/monitoring/
(a browser session with CSRF, or a department's token: core/api_support.AUTH). The same reads and writes as the
pages (warning_selectors.py, warning_services.py):

- GET warnings (filters status, class, indicator, overdue, region; paged), GET warnings/{id} (evidence, visits,
  referrals, conferences, terminations, the warning's own steps);
- POST warnings/{id}/visit (铁脚板核实; multipart, a photo optional), POST warnings/{id}/implement,
  POST warnings/{id}/refer, POST warnings/{id}/close (after the department answered), POST warnings/{id}/conference,
  POST warnings/{id}/terminate, POST warnings/{id}/rebut (multipart, the 未死亡证明),
  POST warning-terminations/{id} (the approver decides);
- GET referrals (the department's inbox; answered=false|true), POST referrals/{id}/answer (multipart, a file
  optional): a department sees and answers only what was referred to it.

Scope: out of scope 404, without HANDLE_WARNINGS 403; the persons shown are audited as the pages do; the ID number
is masked and no birth date is given. Errors: the shared shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from jiuzhu.core.api_support import page_bounds
from jiuzhu.core.errors import invalid
from jiuzhu.core.models import Organization, Region
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.schemas import ErrorOut
from jiuzhu.core.scoping import get_scoped_or_404, region_in_scope
from jiuzhu.monitoring import warning_selectors as selectors
from jiuzhu.monitoring import warning_services as services
from jiuzhu.monitoring.models import Warning, WarningTermination
from jiuzhu.monitoring.warning_labels import event_label

router = Router(tags=["动态监测"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_LIMIT = 200


class WarningRowOut(Schema):
    id: int
    indicator_code: str
    indicator_name: str
    indicator_class: str
    indicator_class_label: str
    severity: str
    severity_label: str
    name: str
    in_registry: bool
    household_id: int | None = None
    region_code: str
    region_name: str
    status: str
    status_label: str
    disposition: str
    disposition_label: str
    due_date: dt.date | None = None
    overdue: bool
    referred_to: str
    raised_at: dt.datetime


class WarningPageOut(Schema):
    results: list[WarningRowOut]
    total: int
    limit: int
    offset: int


class StepOut(Schema):
    kind: str
    label: str
    summary: str
    occurred_at: dt.datetime
    actor: str


class WarningDetailOut(WarningRowOut):
    id_number_masked: str
    evidence: list[dict]
    evidence_start: dt.date | None = None
    evidence_end: dt.date | None = None
    visits: list[dict]
    referrals: list[dict]
    conferences: list[dict]
    terminations: list[dict]
    history: list[StepOut]


class WarningParams(Schema):
    status: str = ""
    indicator_class: str = ""
    indicator: str = ""
    overdue: bool = False
    region: str = ""
    limit: int = 50
    offset: int = 0


class VisitIn(Schema):
    visited_on: dt.date
    visitors: str
    findings: str
    result: str


class GrantIn(Schema):
    category: str
    period_start: dt.date
    monthly_amount: Decimal | None = None
    once_amount: Decimal | None = None
    service: str = ""
    person_id: int | None = None
    acknowledge: bool = False


class ImplementIn(Schema):
    way: str
    note: str = ""
    grant: GrantIn | None = None


class ReferIn(Schema):
    organization_id: int
    request: str
    working_days: int = services.REFERRAL_DAYS_DEFAULT


class CloseIn(Schema):
    note: str


class ConferenceIn(Schema):
    held_on: dt.date
    participants: str
    decision: str
    amount: Decimal | None = None
    person_id: int | None = None
    acknowledge: bool = False


class TerminateIn(Schema):
    target: str  # "tier:<id>" or "grant:<id>"
    end_date: dt.date
    reason: str


class DecideIn(Schema):
    approve: bool
    note: str = ""


class ReferralOut(Schema):
    id: int
    warning_id: int
    indicator_name: str
    name: str
    region_name: str
    request: str
    due_date: dt.date
    answered: bool
    answer: str
    answered_at: dt.datetime | None = None


class ReferralPageOut(Schema):
    results: list[ReferralOut]
    total: int


# ---- Shapes ------------------------------------------------------------------------------------------------

def _row(w: Warning) -> dict:
    return {
        "id": w.pk, "indicator_code": w.indicator.code, "indicator_name": w.indicator.name,
        "indicator_class": w.indicator.indicator_class,
        "indicator_class_label": w.indicator.get_indicator_class_display(), "severity": w.severity,
        "severity_label": w.get_severity_display(),
        "name": w.person.name if w.person_id else (w.subject_name or "（未登记人员）"),
        "in_registry": w.person_id is not None, "household_id": w.household_id, "region_code": w.region.code,
        "region_name": w.region.full_name, "status": w.status, "status_label": w.get_status_display(),
        "disposition": w.disposition, "disposition_label": w.get_disposition_display() if w.disposition else "",
        "due_date": w.due_date, "overdue": w.overdue and w.status != "closed",
        "referred_to": w.referred_to.name if w.referred_to_id else "", "raised_at": w.raised_at,
    }


def _detail(actor, warning_id: int, purpose: str) -> dict:
    w = selectors.warning_get(actor=actor, warning_id=warning_id, purpose=purpose)
    subject = selectors.subject_view(actor, w)
    return {
        **_row(w), "id_number_masked": subject["id"], "evidence_start": w.evidence_start,
        "evidence_end": w.evidence_end,
        "evidence": [{"label": label, "value": value} for label, value in selectors.evidence_rows(w)],
        "visits": [{"id": v.pk, "visited_on": v.visited_on, "visitors": v.visitors, "findings": v.findings,
                    "result": v.result, "result_label": v.get_result_display(), "has_file": v.file_id is not None}
                   for v in w.visits.order_by("visited_on", "pk")],
        "referrals": [{"id": r.pk, "organization": r.organization.name, "request": r.request,
                       "due_date": r.due_date, "answered": r.answered_at is not None, "answer": r.answer}
                      for r in w.referrals.select_related("organization").order_by("pk")],
        "conferences": [{"id": c.pk, "held_on": c.held_on, "participants": c.participants, "decision": c.decision,
                         "amount": str(c.amount) if c.amount is not None else None, "grant_id": c.grant_id}
                        for c in w.conferences.order_by("pk")],
        "terminations": [{"id": t.pk, "target": f"tier:{t.tier_decision_id}" if t.tier_decision_id
                          else f"grant:{t.grant_id}", "end_date": t.end_date, "reason": t.reason,
                          "status": t.status, "status_label": t.get_status_display()}
                         for t in w.terminations.order_by("pk")],
        "history": [{"kind": e.kind, "label": event_label(e.kind), "summary": e.summary,
                     "occurred_at": e.occurred_at, "actor": str(e.actor) if e.actor_id else ""}
                    for e in selectors.warning_history(w)],
    }


def _warning(actor, warning_id: int, purpose: str) -> Warning:
    return selectors.warning_get(actor=actor, warning_id=warning_id, purpose=purpose)


# ---- Reads ---------------------------------------------------------------------------------------------------

@router.get("/warnings", response={200: WarningPageOut, **ERRORS},
            summary="预警清单（按状态、类别、指标、超期、区划筛选；部门只见转介给本部门的）")
def warning_index(request, params: Query[WarningParams]):
    actor = request.auth
    require(actor, Capability.HANDLE_WARNINGS)
    page_bounds(params.limit, params.offset, maximum=MAX_LIMIT)
    region = None
    if params.region:
        region = Region.objects.filter(code=params.region.strip()).first()
        if region is None or not region_in_scope(actor, region):
            raise invalid("所选区划不在您的管辖范围内", "region")
    filters = selectors.parse_filters({"status": params.status, "class": params.indicator_class,
                                       "indicator": params.indicator, "overdue": "1" if params.overdue else ""},
                                      region)
    rows = selectors.warning_list(actor=actor, filters=filters)
    shown = list(rows[params.offset:params.offset + params.limit])
    selectors.audit_listed(actor, shown, purpose="api_warning_list")
    return {"results": [_row(w) for w in shown], "total": rows.count(), "limit": params.limit,
            "offset": params.offset}


@router.get("/warnings/{warning_id}", response={200: WarningDetailOut, **ERRORS}, summary="预警详情（留痕）")
def warning_detail(request, warning_id: int):
    return _detail(request.auth, warning_id, "api")


# ---- The owner's steps ---------------------------------------------------------------------------------------

@router.post("/warnings/{warning_id}/visit", response={200: WarningDetailOut, **ERRORS},
             summary="登记入户核实（铁脚板核实；照片或材料可选）")
def warning_visit(request, warning_id: int, payload: Form[VisitIn], file: UploadedFile | None = File(None)):
    w = _warning(request.auth, warning_id, "api_visit")
    services.warning_visit_record(actor=request.auth, warning=w, visited_on=payload.visited_on,
                                  visitors=payload.visitors, findings=payload.findings, result=payload.result,
                                  upload=file, filename=file.name if file else None)
    return _detail(request.auth, w.pk, "api_visit")


@router.post("/warnings/{warning_id}/implement", response={200: WarningDetailOut, **ERRORS},
             summary="落实政策（grant：登记救助发放；assess：重新评估分层；registered：未在库人员已登记）")
def warning_implement(request, warning_id: int, payload: ImplementIn):
    w = _warning(request.auth, warning_id, "api_implement")
    services.warning_implement_policy(actor=request.auth, warning=w, way=payload.way, note=payload.note,
                                      grant=payload.grant.dict() if payload.grant else None)
    return _detail(request.auth, w.pk, "api_implement")


@router.post("/warnings/{warning_id}/refer", response={200: WarningDetailOut, **ERRORS},
             summary="转介部门（答复期限为工作日）")
def warning_refer(request, warning_id: int, payload: ReferIn):
    w = _warning(request.auth, warning_id, "api_refer")
    organization = Organization.objects.select_related("region").filter(pk=payload.organization_id).first()
    if organization is None:
        raise invalid("没有该部门", "organization_id")
    services.warning_refer(actor=request.auth, warning=w, organization=organization, request=payload.request,
                           working_days=payload.working_days)
    return _detail(request.auth, w.pk, "api_refer")


@router.post("/warnings/{warning_id}/close", response={200: WarningDetailOut, **ERRORS},
             summary="部门答复后办结转介")
def warning_close(request, warning_id: int, payload: CloseIn):
    w = _warning(request.auth, warning_id, "api_close")
    services.warning_close_referred(actor=request.auth, warning=w, note=payload.note)
    return _detail(request.auth, w.pk, "api_close")


@router.post("/warnings/{warning_id}/conference", response={200: WarningDetailOut, **ERRORS},
             summary="一事一议（议定金额登记为一次性临时救助）")
def warning_conference(request, warning_id: int, payload: ConferenceIn):
    w = _warning(request.auth, warning_id, "api_conference")
    services.warning_case_conference(actor=request.auth, warning=w, held_on=payload.held_on,
                                     participants=payload.participants, decision=payload.decision,
                                     amount=payload.amount, person_id=payload.person_id,
                                     acknowledge=payload.acknowledge)
    return _detail(request.auth, w.pk, "api_conference")


@router.post("/warnings/{warning_id}/terminate", response={200: WarningDetailOut, **ERRORS},
             summary="提请核查终止（tier:<编号> 或 grant:<编号>，待审批）")
def warning_terminate(request, warning_id: int, payload: TerminateIn):
    w = _warning(request.auth, warning_id, "api_terminate")
    services.warning_terminate_propose(actor=request.auth, warning=w, target=payload.target,
                                       end_date=payload.end_date, reason=payload.reason)
    return _detail(request.auth, w.pk, "api_terminate")


@router.post("/warnings/{warning_id}/rebut", response={200: WarningDetailOut, **ERRORS},
             summary="上传未死亡证明，核销死亡预警")
def warning_rebut(request, warning_id: int, note: str = Form(...), file: UploadedFile = File(...)):
    w = _warning(request.auth, warning_id, "api_rebut")
    services.warning_rebut_death(actor=request.auth, warning=w, upload=file, note=note, filename=file.name)
    return _detail(request.auth, w.pk, "api_rebut")


@router.post("/warning-terminations/{termination_id}", response={200: WarningDetailOut, **ERRORS},
             summary="审批核查终止（同意则由低收入人口库停止该层级或救助）")
def termination_decide(request, termination_id: int, payload: DecideIn):
    actor = request.auth
    require(actor, Capability.DECIDE_TERMINATIONS)
    termination = get_scoped_or_404(WarningTermination.objects.select_related(
        "warning", "warning__indicator", "warning__region", "tier_decision__household__region",
        "tier_decision__person", "grant__household__region"), actor,
        scope={"region_field": "warning__region"}, pk=termination_id)
    services.warning_terminate_decide(actor=actor, termination=termination, approve=payload.approve,
                                      note=payload.note)
    return _detail(actor, termination.warning_id, "api_decide")


# ---- The department's inbox ----------------------------------------------------------------------------------

def _referral(r) -> dict:
    w = r.warning
    return {"id": r.pk, "warning_id": w.pk, "indicator_name": w.indicator.name,
            "name": w.person.name if w.person_id else (w.subject_name or "（未登记人员）"),
            "region_name": w.region.full_name, "request": r.request, "due_date": r.due_date,
            "answered": r.answered_at is not None, "answer": r.answer, "answered_at": r.answered_at}


@router.get("/referrals", response={200: ReferralPageOut, **ERRORS},
            summary="转介给本部门的预警（answered=false 待答复，true 已答复）")
def referral_index(request, answered: bool = False):
    actor = request.auth
    rows = selectors.department_referrals(actor, answered=answered)
    shown = list(rows[:MAX_LIMIT])
    selectors.audit_listed(actor, [r.warning for r in shown], purpose="api_referral_inbox")
    return {"results": [_referral(r) for r in shown], "total": rows.count()}


@router.post("/referrals/{referral_id}/answer", response={200: ReferralOut, **ERRORS},
             summary="部门答复转介（答复材料可选）")
def referral_answer(request, referral_id: int, answer: str = Form(...), file: UploadedFile | None = File(None)):
    actor = request.auth
    referral = selectors.referral_get(actor, referral_id)  # another department's: 404
    services.referral_answer(actor=actor, referral=referral, answer=answer, upload=file,
                             filename=file.name if file else None)
    return _referral(selectors.referral_get(actor, referral_id))
