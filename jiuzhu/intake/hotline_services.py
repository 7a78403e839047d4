"""The hotline (12349 / 12345 社会救助专席): logging a call and answering a complaint.

A call is logged by an officer holding Capability.INTAKE for a region in their jurisdiction, on the line set
for the officer's region (`intake_hotline_number`). What the call becomes is its outcome:

- consultation (政策咨询): the answer given is required and kept;
- application (转为救助申请): the caller is the applicant (ID number required); the application is taken through
  services.application_create(channel=HOTLINE) like any other and linked to the call (source_ref "call:<id>");
- complaint (投诉): open, with its own deadline (`intake_complaint_days` working days); answered later through
  complaint_answer, shown overdue when late;
- sighting (街面流浪乞讨人员线索): the place is required; an IntakeEvent.STREET_SIGHTING_REPORTED event carries
  {place, description, region, call, caller_name, caller_phone} for the rescue app, which handles that kind (the
  caller becomes the sighting's reporter, so the station can call back). Nothing else is done here.

Every call writes HOTLINE_CALL_LOGGED and an audit row, in the same transaction as the call."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError, clean_text, invalid
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_settings import setting_value
from jiuzhu.core.scoping import is_department_actor, region_in_scope
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake import settings_catalog as sc
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import CallOutcome, Channel, ComplaintStatus, HotlineCall
from jiuzhu.intake.services import application_create, today

DEFAULT_LINE = "12349"
DEFAULT_COMPLAINT_DAYS = 15


def _require_operator(actor) -> None:
    """A hotline operator: INTAKE, and civil affairs (a department answers only its referrals)."""
    require(actor, Capability.INTAKE)
    if is_department_actor(actor):
        raise DomainError("部门经办人员不接听救助热线", code="forbidden")


def hotline_line(region: Region | None) -> str:
    """The hotline number in force for the region (12349 or the local 12345 专席)."""
    if region is None:
        return DEFAULT_LINE
    return str(setting_value(sc.HOTLINE_NUMBER_KEY, region, today(), default=DEFAULT_LINE) or DEFAULT_LINE)


def complaint_days(region: Region) -> int:
    return int(setting_value(sc.COMPLAINT_DAYS_KEY, region, today(), default=DEFAULT_COMPLAINT_DAYS))


def _event(kind: str, call: HotlineCall, actor, summary: str, payload: dict | None = None, *,
           person_id=None, household_id=None):
    return record_event(kind=kind, subject=call, actor=actor, summary=summary, region=call.region,
                        person_id=person_id, household_id=household_id,
                        payload={"call": call.pk, **(payload or {})})


def hotline_call_log(*, actor, region: Region | None, caller_name: str, caller_phone: str, summary: str,
                     outcome: str, answer: str = "", applicant_id_number: str = "", items: list[str] | None = None,
                     sighting_place: str = "") -> HotlineCall:
    """Logs one call and does what its outcome says, all in one transaction (an application refused by
    application_create leaves no call either: the operator corrects the form and saves again)."""
    _require_operator(actor)
    if region is None:
        raise invalid("请选择来电所涉地区", "region")
    if not region_in_scope(actor, region):
        raise invalid("所涉地区不在您的管辖范围内", "region")
    if outcome not in CallOutcome.values:
        raise invalid("请选择处理方式", "outcome")
    name = clean_text(caller_name, "来电人姓名", "caller_name", 50, required=outcome == CallOutcome.APPLICATION)
    phone = clean_text(caller_phone, "来电号码", "caller_phone", 20)
    story = clean_text(summary, "来电内容", "summary", 2000, required=True)
    answer = clean_text(answer, "答复内容", "answer", 2000, required=outcome == CallOutcome.CONSULTATION)
    place = clean_text(sighting_place, "发现地点", "sighting_place", 200, required=outcome == CallOutcome.SIGHTING)
    if outcome == CallOutcome.APPLICATION and not (applicant_id_number or "").strip():
        raise invalid("转为救助申请时须填写来电人（申请人）的身份证号码", "applicant_id_number")

    now = timezone.now()
    call = HotlineCall(line=hotline_line(actor.region or region), caller_name=name, caller_phone=phone, region=region,
                       received_by=actor, received_at=now, summary=story, outcome=outcome,
                       answer=answer if outcome == CallOutcome.CONSULTATION else "",
                       sighting_place=place if outcome == CallOutcome.SIGHTING else "")
    if outcome == CallOutcome.COMPLAINT:
        call.complaint_status = ComplaintStatus.OPEN
        call.complaint_due_date = add_working_days(timezone.localdate(now), complaint_days(region))
    with transaction.atomic():
        call.save()
        application = None
        if outcome == CallOutcome.APPLICATION:
            application = application_create(
                actor=actor, channel=Channel.HOTLINE, region=region, applicant_name=name,
                applicant_id_number=applicant_id_number, items=list(items or []), circumstances=story,
                applicant_phone=phone, source_ref=f"call:{call.pk}")
            call.application = application
            call.save(update_fields=["application"])
        audit_change(AuditAction.CREATE, actor, call,
                     person_id=application.person_id if application else None,
                     changes={"outcome": outcome, "region": region.code,
                              **({"application": application.pk} if application else {})})
        label = CallOutcome(outcome).label
        _event(IntakeEvent.HOTLINE_CALL_LOGGED, call, actor, f"热线 {call.line} 来电：{label}",
               {"outcome": outcome, **({"application": application.pk} if application else {}),
                **({"complaint_due_date": call.complaint_due_date.isoformat()} if call.complaint_due_date else {})},
               person_id=application.person_id if application else None,
               household_id=application.household_id if application else None)
        if outcome == CallOutcome.SIGHTING:
            _event(IntakeEvent.STREET_SIGHTING_REPORTED, call, actor, f"热线来电报告街面流浪乞讨人员：{place}",
                   {"place": place, "description": story, "region": region.code, "caller_name": name,
                    "caller_phone": phone})
    return call


def complaint_answer(*, actor, call: HotlineCall, answer: str) -> HotlineCall:
    """The complaint's written answer: OPEN → ANSWERED, once (a second answer is refused)."""
    _require_operator(actor)
    if not region_in_scope(actor, call.region):
        raise DomainError("该来电不在您的管辖范围内", code="out_of_scope")
    answer = clean_text(answer, "答复内容", "answer", 2000, required=True)
    with transaction.atomic():
        current = HotlineCall.objects.select_for_update().only("complaint_status").get(pk=call.pk)
        if current.complaint_status != ComplaintStatus.OPEN:
            raise DomainError("该来电不是办理中的投诉，不能答复", code="invalid_status")
        now = timezone.now()
        late = call.complaint_due_date is not None and timezone.localdate(now) > call.complaint_due_date
        call.complaint_status, call.answer, call.answered_by, call.answered_at = (
            ComplaintStatus.ANSWERED, answer, actor, now)
        call.save(update_fields=["complaint_status", "answer", "answered_by", "answered_at"])
        audit_change(AuditAction.UPDATE, actor, call, changes={"complaint_status": ComplaintStatus.ANSWERED,
                                                                "late": late})
        _event(IntakeEvent.COMPLAINT_ANSWERED, call, actor,
               "投诉已答复" + ("（超过办理期限）" if late else ""), {"late": late})
    return call
