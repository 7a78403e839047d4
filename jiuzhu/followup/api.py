"""Follow-up's API, /api/v1/followup/ (session with CSRF, or a department's token: core/api_support.AUTH). The
same reads and writes as the pages (selectors.py, services.py), for the coordinator's phone and other systems:

- GET visits (the week's work list; filters show, status, region; paged), GET visits/{id},
  POST visits/{id}/record, POST visits/{id}/handover {items, region_code?} (衔接: once; a second call answers
  the same application; region_code names the township or village when the visit's region is the county),
  POST visits/{id}/lead (or, instead, a monitoring lead: once, a second call answers the same lead);
- GET returnees (filters show, name), GET returnees/{id}, POST returnees/{id}/receipt, POST returnees/{id}/arrival,
  POST returnees/{id}/home;
- GET at-risk (filter show), POST at-risk, GET at-risk/{id}, POST at-risk/{id}/check, POST at-risk/{id}/resubmit;
- GET alerts (filter seen), POST alerts/{id}/seen; GET counts (the statutory report's figures, no persons: FOLLOWUP
  or VIEW_STATISTICS, the analyst's);
- GET relapse-notices, POST relapse-notices/{entry_id}/receive: the rural-revitalisation office's inbox of the
  防止返贫监测对象 sent home (HANDLE_WARNINGS; its own notices only, as its page).

Every other read checks FOLLOWUP (403) and the scope (404) and audits the persons shown as the pages do; a
returnee's ID number is masked unless the role may see it in full, and no birth date is given. Errors: the shared
shape."""

from __future__ import annotations

from django.urls import reverse
from ninja import Query, Router, Schema, Status

from jiuzhu.core.api_support import page_bounds
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.errors import DomainError, invalid
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.schemas import ErrorOut
from jiuzhu.followup import api_selectors, selectors, services
from jiuzhu.followup.forms import item_choices
from jiuzhu.followup.models import (
    AtRiskPerson,
    FeedbackMode,
    FollowupVisit,
    Hardship,
    HomeSource,
    RepeatAlert,
    ReturneeEntry,
    VisitMethod,
    VisitStatus,
)
from jiuzhu.followup.schemas import (
    AlertOut,
    AlertPageOut,
    ArrivalIn,
    AtRiskDetailOut,
    AtRiskIn,
    AtRiskPageOut,
    CheckIn,
    CountsOut,
    EntryDetailOut,
    EntryPageOut,
    HandoverIn,
    HomeIn,
    RelapseNoticeOut,
    RelapseNoticePageOut,
    ResubmitIn,
    VisitDetailOut,
    VisitPageOut,
    VisitRecordIn,
)
from jiuzhu.rescue.models import DischargeKind

router = Router(tags=["回访与易流浪走失人员"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else ""


def _paged(qs, params, *, audit, row) -> dict:
    """One page of a list: its bounds checked, the persons on it audited (`audit(rows)`), its rows shaped."""
    limit, offset = page_bounds(params.limit, params.offset)
    rows = list(qs[offset:offset + limit])
    audit(rows)
    return {"results": [row(r) for r in rows], "total": qs.count(), "limit": limit, "offset": offset}


def _schedule(visits) -> list[dict]:
    return [{"id": v.pk, "sequence": v.sequence, "due_on": v.due_on, "region_name": v.region.name,
             "status": v.status, "status_label": _label(VisitStatus, v.status), "hardship": v.hardship,
             "hardship_label": _label(Hardship, v.hardship) if v.hardship else ""}
            for v in visits.select_related("region").order_by("sequence")]


# ---- Visits ------------------------------------------------------------------------------------------------------

def _visit_row(v: FollowupVisit, on) -> dict:
    return {
        "id": v.pk, "subject_kind": "returnee" if v.entry_id else "at_risk",
        "subject_kind_label": "返乡受助人员" if v.entry_id else "易流浪走失人员", "entry_id": v.entry_id,
        "at_risk_id": v.at_risk_id, "name": v.subject_name, "sequence": v.sequence, "region_code": v.region.code,
        "region_name": v.region.full_name, "due_on": v.due_on, "status": v.status,
        "status_label": _label(VisitStatus, v.status), "overdue": v.status == VisitStatus.PLANNED and v.due_on < on,
        "visited_on": v.visited_on, "method": v.method, "method_label": _label(VisitMethod, v.method),
        "hardship": v.hardship, "hardship_label": _label(Hardship, v.hardship) if v.hardship else "",
        "handed_over": v.application_id is not None or v.warning_id is not None,
        "handed_over_to": "application" if v.application_id else ("lead" if v.warning_id else ""),
    }


def _visit_detail(actor, visit_id: int) -> dict:
    """One visit in the actor's scope, read again after a write (the request's read is already audited)."""
    v = selectors.get_or_404(selectors.visits_in_scope(actor).select_related("entry__station", "at_risk__region"),
                             visit_id)
    may_record = selectors.visits_to_record(actor).filter(pk=v.pk).exists()
    subject, app, lead = v.subject, v.application, v.warning
    open_ = v.status == VisitStatus.DONE and bool(v.hardship) and v.application_id is None and v.warning_id is None
    out = {
        **_visit_row(v, selectors.today()), "findings": v.findings, "conditions": list(subject.conditions),
        "condition_labels": subject.condition_labels,
        "photo_url": reverse("followup:visit_photo", args=[v.pk]) if v.photo_key else None,
        "application": None if app is None else {"id": app.pk, "query_code": app.query_code, "status": app.status,
                                                 "status_label": app.get_status_display()},
        "lead": None if lead is None else {"id": lead.pk, "status": lead.status,
                                           "status_label": lead.get_status_display(), "due_date": lead.due_date},
        "may_record": may_record and v.status == VisitStatus.PLANNED,
        "may_hand_over": may_record and can(actor, Capability.INTAKE) and open_,
        "may_lead": may_record and can(actor, Capability.HANDLE_WARNINGS) and open_,
        "schedule": _schedule(subject.visits),
    }
    if v.entry_id:
        out.update(station=v.entry.station.name, discharged_on=v.entry.discharged_on,
                   destination=v.entry.destination)
    else:
        out.update(address=v.at_risk.address, guardian=v.at_risk.guardian)
    return out


class VisitParams(Schema):
    show: str = "week"
    status: str = ""
    region: str = ""
    limit: int | None = None
    offset: int | None = None


@router.get("/visits", response={200: VisitPageOut, **ERRORS},
            summary="回访工作清单（默认本周及以前应回访；show：week、overdue、planned、hardship、done；按区划代码筛选）")
def visit_index(request, params: Query[VisitParams]):
    actor = request.auth
    qs = api_selectors.visit_list(actor=actor, show=params.show, status=params.status, region_code=params.region)
    on = selectors.today()
    return _paged(qs, params, row=lambda v: _visit_row(v, on),
                  audit=lambda shown: selectors.audit_visits_shown(actor, shown,
                                                 purpose="api_visit_list"))


@router.get("/visits/{visit_id}", response={200: VisitDetailOut, **ERRORS}, summary="回访详情（留痕）")
def visit_detail(request, visit_id: int):
    visit = selectors.visit_get(actor=request.auth, visit_id=visit_id, purpose="api")
    return _visit_detail(request.auth, visit.pk)


@router.post("/visits/{visit_id}/record", response={200: VisitDetailOut, **ERRORS},
             summary="记录回访（实地走访或电话问询、回访情况、发现困难；照片请在页面上传）")
def visit_record(request, visit_id: int, payload: VisitRecordIn):
    actor = request.auth
    visit = selectors.visit_get(actor=actor, visit_id=visit_id, purpose="api_record")
    services.visit_record(actor=actor, visit=visit, visited_on=payload.visited_on, method=payload.method.strip(),
                          findings=payload.findings, hardship=payload.hardship.strip())
    return _visit_detail(actor, visit.pk)


def _handover_items(items: list[str]) -> list[str]:
    codes = list(dict.fromkeys(code.strip() for code in items if code and code.strip()))
    if not codes:
        raise invalid("请至少选择一项申请的救助事项", "items")
    allowed = dict(item_choices())
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        raise invalid(f"不能转入的救助事项：{'、'.join(c[:30] for c in unknown)}；可选："
                      + "、".join(f"{code}（{name}）" for code, name in allowed.items()), "items")
    return codes


def _handed_over(actor, visit_id: int) -> bool:
    return selectors.visits_to_record(actor).filter(pk=visit_id, application__isnull=False).exists()


@router.post("/visits/{visit_id}/handover", response={200: VisitDetailOut, **ERRORS},
             summary="一键转入救助申请（衔接：只生成一次，再次提交返回同一申请）")
def visit_handover(request, visit_id: int, payload: HandoverIn):
    actor = request.auth
    visit = selectors.visit_get(actor=actor, visit_id=visit_id, purpose="api_handover")
    items = _handover_items(payload.items)
    code = payload.region_code.strip()
    place = Region.objects.filter(code=code).first() if code else None
    if code and place is None:
        raise invalid(f"区划代码“{code[:20]}”不存在", "region_code")
    if visit.application_id is not None:
        # A retry by one who may hand it over (the visit's region, with INTAKE) answers the same application.
        require(actor, Capability.INTAKE)
        selectors.get_or_404(selectors.visits_to_record(actor), visit.pk)
    else:
        try:
            services.visit_handover(actor=actor, visit=visit, items=items, region=place)
        except DomainError as exc:
            if not _handed_over(actor, visit.pk):  # else a parallel request made it first: the same answer
                raise _body_field(exc, {"region": "region_code"}) from None
    return _visit_detail(actor, visit.pk)


@router.post("/visits/{visit_id}/lead", response={200: VisitDetailOut, **ERRORS},
             summary="一键转为监测线索（情况尚需核实、暂不申请的；只生成一次，再次提交返回同一线索）")
def visit_lead(request, visit_id: int):
    actor = request.auth
    visit = selectors.visit_get(actor=actor, visit_id=visit_id, purpose="api_lead")
    if visit.warning_id is not None:
        # A retry by one who may raise it (the visit's region, with HANDLE_WARNINGS) answers the same lead.
        require(actor, Capability.HANDLE_WARNINGS)
        selectors.get_or_404(selectors.visits_to_record(actor), visit.pk)
    else:
        try:
            services.visit_to_lead(actor=actor, visit=visit)
        except DomainError:
            if not selectors.visits_to_record(actor).filter(pk=visit.pk, warning__isnull=False).exists():
                raise
    return _visit_detail(actor, visit.pk)


# ---- The returnee ledger ---------------------------------------------------------------------------------------

def _entry_row(e: ReturneeEntry) -> dict:
    home = e.home_region
    return {
        "id": e.pk, "name": e.display_name, "sex": e.sex, "discharge_kind": e.discharge_kind,
        "discharge_kind_label": _label(DischargeKind, e.discharge_kind), "discharged_on": e.discharged_on,
        "station": e.station.name, "home_region_code": home.code if home else None,
        "home_region_name": home.full_name if home else None, "home_source": e.home_source,
        "home_source_label": _label(HomeSource, e.home_source), "feedback_mode": e.feedback_mode,
        "feedback_mode_label": _label(FeedbackMode, e.feedback_mode), "feedback_sent_at": e.feedback_sent_at,
        "receipt_confirmed_at": e.receipt_confirmed_at, "arrived_on": e.arrived_on,
        "relapse_watch": e.relapse_watch, "conditions": list(e.conditions), "condition_labels": e.condition_labels,
    }


def _id_number(actor, entry: ReturneeEntry) -> str:
    """As the returnee's page: in full to those who may see it, masked otherwise."""
    if not entry.id_number_cipher:
        return ""
    number = decrypt_text(entry.id_number_cipher)
    return number if can(actor, Capability.VIEW_FULL_ID) else mask_id_number(number)


def _entry_detail(actor, entry_id: int) -> dict:
    e = selectors.get_or_404(selectors.entries_in_scope(actor), entry_id)
    letter = e.feedback_mode == FeedbackMode.LETTER
    return {
        **_entry_row(e), "id_number": _id_number(actor, e), "destination": e.destination,
        "home_office": e.home_office.name if e.home_office_id else None, "arrival_note": e.arrival_note,
        "station_side": services._is_station_side(actor, e), "home_side": services._is_home_side(actor, e),
        "may_confirm": services._may_confirm(actor, e),
        "letter_url": reverse("followup:entry_letter", args=[e.pk]) if letter else None,
        "relapse_office": e.relapse_office.name if e.relapse_office_id else None,
        "relapse_notice_mode": e.relapse_notice_mode, "relapse_notified_at": e.relapse_notified_at,
        "relapse_received_at": e.relapse_received_at,
        "visits": _schedule(e.visits),
    }


class EntryParams(Schema):
    show: str = "all"
    name: str = ""
    limit: int | None = None
    offset: int | None = None


@router.get("/returnees", response={200: EntryPageOut, **ERRORS},
            summary="返乡受助人员台账（show：all、home_unknown、letter、unconfirmed、not_arrived、relapse；按姓名查询）")
def entry_index(request, params: Query[EntryParams]):
    actor = request.auth
    qs = api_selectors.entry_list(actor=actor, show=params.show, name=params.name)
    return _paged(qs, params, row=_entry_row,
                  audit=lambda shown: selectors.audit_entries_shown(actor, [e.pk for e in shown],
                                                 purpose="api_entry_list"))


@router.get("/returnees/{entry_id}", response={200: EntryDetailOut, **ERRORS}, summary="返乡受助人员详情（留痕）")
def entry_detail(request, entry_id: int):
    entry = selectors.entry_get(actor=request.auth, entry_id=entry_id, purpose="api")
    return _entry_detail(request.auth, entry.pk)


@router.post("/returnees/{entry_id}/receipt", response={200: EntryDetailOut, **ERRORS},
             summary="确认收到反馈（系统内反馈由流出地确认；书面函件的回复由送返救助管理站登记）")
def entry_receipt(request, entry_id: int):
    actor = request.auth
    entry = selectors.entry_get(actor=actor, entry_id=entry_id, purpose="api_receipt")
    services.returnee_confirm_receipt(actor=actor, entry=entry)
    return _entry_detail(actor, entry.pk)


@router.post("/returnees/{entry_id}/arrival", response={200: EntryDetailOut, **ERRORS}, summary="确认到家")
def entry_arrival(request, entry_id: int, payload: ArrivalIn):
    actor = request.auth
    entry = selectors.entry_get(actor=actor, entry_id=entry_id, purpose="api_arrival")
    services.returnee_confirm_arrival(actor=actor, entry=entry, arrived_on=payload.arrived_on, note=payload.note)
    return _entry_detail(actor, entry.pk)


@router.post("/returnees/{entry_id}/home", response={200: EntryDetailOut, **ERRORS},
             summary="设定或细化流出地（县、乡镇、村的区划代码；回访计划随之生成或移交）")
def entry_home(request, entry_id: int, payload: HomeIn):
    actor = request.auth
    entry = selectors.entry_get(actor=actor, entry_id=entry_id, purpose="api_home")
    code = payload.region_code.strip()
    region = Region.objects.filter(code=code).first() if code else None
    if code and region is None:
        raise invalid(f"区划代码“{code[:20]}”不存在", "region_code")
    try:
        services.returnee_set_home(actor=actor, entry=entry, region=region)
    except DomainError as exc:
        raise _body_field(exc, {"region": "region_code"}) from None
    return _entry_detail(actor, entry.pk)


# ---- The rural-revitalisation office's inbox (防止返贫监测对象 sent home) -------------------------------------

def _relapse_row(actor, e: ReturneeEntry) -> dict:
    return {"entry_id": e.pk, "name": e.display_name, "sex": e.sex, "id_number": _id_number(actor, e),
            "home_region_name": e.home_region.full_name if e.home_region_id else None, "station": e.station.name,
            "discharged_on": e.discharged_on, "relapse_notified_at": e.relapse_notified_at,
            "relapse_received_at": e.relapse_received_at}


class RelapseParams(Schema):
    show: str = "waiting"
    limit: int | None = None
    offset: int | None = None


@router.get("/relapse-notices", response={200: RelapseNoticePageOut, **ERRORS},
            summary="乡村振兴部门：防止返贫监测对象返乡通报（show：waiting 待接收、all 全部）")
def relapse_index(request, params: Query[RelapseParams]):
    actor = request.auth
    qs = api_selectors.relapse_list(actor=actor, show=params.show)
    return _paged(qs, params, row=lambda e: _relapse_row(actor, e),
                  audit=lambda shown: selectors.audit_entries_shown(actor, [e.pk for e in shown],
                                                 purpose="api_relapse_inbox"))


@router.post("/relapse-notices/{entry_id}/receive", response={200: RelapseNoticeOut, **ERRORS},
             summary="乡村振兴部门确认接收通报")
def relapse_receive(request, entry_id: int):
    actor = request.auth
    entry = selectors.get_or_404(selectors.relapse_inbox_qs(actor), entry_id)
    services.relapse_notice_receive(actor=actor, entry=entry)
    fresh = selectors.get_or_404(selectors.relapse_inbox_qs(actor), entry.pk)
    selectors.audit_entries_shown(actor, [fresh.pk], purpose="api_relapse_receive")
    return _relapse_row(actor, fresh)


# ---- The at-risk registry ------------------------------------------------------------------------------------

def _at_risk_row(p: AtRiskPerson) -> dict:
    return {
        "id": p.pk, "name": p.name, "sex": p.sex, "region_code": p.region.code, "region_name": p.region.full_name,
        "conditions": list(p.conditions), "condition_labels": p.condition_labels, "source": p.source,
        "source_label": p.get_source_display(), "status": p.status, "status_label": p.get_status_display(),
        "return_reason": p.return_reason,
    }


def _at_risk_detail(actor, person_id: int) -> dict:
    p = selectors.get_or_404(selectors.at_risk_in_scope(actor), person_id)
    return {**_at_risk_row(p), "address": p.address, "guardian": p.guardian, "note": p.note,
            "created_at": p.created_at, "checked_at": p.checked_at, "visits": _schedule(p.visits)}


class AtRiskParams(Schema):
    show: str = "listed"
    limit: int | None = None
    offset: int | None = None


@router.get("/at-risk", response={200: AtRiskPageOut, **ERRORS},
            summary="易流浪走失人员信息库（show：listed、to_check、suggested、returned、all）")
def at_risk_index(request, params: Query[AtRiskParams]):
    actor = request.auth
    qs = api_selectors.at_risk_list(actor=actor, show=params.show)
    return _paged(qs, params, row=_at_risk_row,
                  audit=lambda shown: selectors.audit_at_risk_shown(actor, [p.pk for p in shown],
                                                 purpose="api_at_risk_list"))


def _body_field(exc: DomainError, names: dict[str, str]) -> DomainError:
    """The service's error with the field named as the request body names it."""
    errors = [{**e, "path": names.get(e.get("path"), e.get("path"))} for e in exc.errors]
    return DomainError(exc.message, code=exc.code, field=names.get(exc.field, exc.field), errors=errors)


@router.post("/at-risk", response={201: AtRiskDetailOut, **ERRORS},
             summary="登记易流浪走失人员（村、乡镇工作人员；待县级审核）")
def at_risk_new(request, payload: AtRiskIn):
    actor = request.auth
    require(actor, Capability.FOLLOWUP)
    code = payload.region_code.strip()
    region = Region.objects.filter(code=code).first() if code else None
    if code and region is None:
        raise invalid(f"区划代码“{code[:20]}”不存在", "region_code")
    try:
        person = services.at_risk_enter(actor=actor, region=region, name=payload.name, sex=payload.sex.strip(),
                                        id_number=payload.id_number, conditions=payload.conditions,
                                        guardian=payload.guardian, address=payload.address, note=payload.note)
    except DomainError as exc:
        raise _body_field(exc, {"region": "region_code"}) from None
    selectors.audit_at_risk_shown(actor, [person.pk], purpose="api_enter")
    return Status(201, _at_risk_detail(actor, person.pk))


@router.get("/at-risk/{person_id}", response={200: AtRiskDetailOut, **ERRORS}, summary="易流浪走失人员详情（留痕）")
def at_risk_detail(request, person_id: int):
    person = selectors.at_risk_get(actor=request.auth, person_id=person_id, purpose="api")
    return _at_risk_detail(request.auth, person.pk)


@router.post("/at-risk/{person_id}/check", response={200: AtRiskDetailOut, **ERRORS},
             summary="县级审核（approve 审核入库，或 return 退回补正并写明理由）")
def at_risk_check(request, person_id: int, payload: CheckIn):
    actor = request.auth
    person = selectors.at_risk_get(actor=actor, person_id=person_id, purpose="api_check")
    decision = payload.decision.strip()
    if decision not in ("approve", "return"):
        raise invalid("审核意见应为 approve（审核入库）或 return（退回补正）", "decision")
    services.at_risk_check(actor=actor, person=person, approve=decision == "approve", reason=payload.reason)
    return _at_risk_detail(actor, person.pk)


@router.post("/at-risk/{person_id}/resubmit", response={200: AtRiskDetailOut, **ERRORS},
             summary="退回补正后重新提交县级审核")
def at_risk_resubmit(request, person_id: int, payload: ResubmitIn):
    actor = request.auth
    person = selectors.at_risk_get(actor=actor, person_id=person_id, purpose="api_resubmit")
    services.at_risk_resubmit(actor=actor, person=person, conditions=payload.conditions, guardian=payload.guardian,
                              address=payload.address, note=payload.note)
    return _at_risk_detail(actor, person.pk)


# ---- Repeat alerts -----------------------------------------------------------------------------------------------

def _alert_row(a: RepeatAlert) -> dict:
    name = a.entry.display_name if a.entry_id else (a.at_risk.name if a.at_risk_id else "")
    return {"id": a.pk, "name": name, "entry_id": a.entry_id, "at_risk_id": a.at_risk_id,
            "station": a.case.station.name, "admitted_on": a.case.admitted_on, "home_region_code": a.home_region.code,
            "home_region_name": a.home_region.full_name, "raised_at": a.raised_at, "seen_at": a.seen_at}


class AlertParams(Schema):
    seen: bool | None = None
    limit: int | None = None
    offset: int | None = None


@router.get("/alerts", response={200: AlertPageOut, **ERRORS},
            summary="再次流浪提醒（未阅在前；seen=false 只看未阅）")
def alert_index(request, params: Query[AlertParams]):
    actor = request.auth
    qs = api_selectors.alert_list(actor=actor, seen=params.seen)
    return _paged(qs, params, row=_alert_row,
                  audit=lambda shown: api_selectors.audit_alerts_shown(actor, shown,
                                                 purpose="api_alert_list"))


@router.post("/alerts/{alert_id}/seen", response={200: AlertOut, **ERRORS}, summary="再次流浪提醒标记已阅")
def alert_seen(request, alert_id: int):
    actor = request.auth
    alert = api_selectors.alert_get(actor=actor, alert_id=alert_id)
    services.alert_mark_seen(actor=actor, alert=alert)
    fresh = api_selectors.alert_get(actor=actor, alert_id=alert.pk)
    api_selectors.audit_alerts_shown(actor, [fresh], purpose="api_alert_seen")
    return _alert_row(fresh)


# ---- Counts ------------------------------------------------------------------------------------------------------

@router.get("/counts", response={200: CountsOut, **ERRORS}, summary="本辖区统计（专项行动报表口径，不含个人信息）")
def counts(request):
    return selectors.counts(actor=request.auth)
