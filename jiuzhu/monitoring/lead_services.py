"""Leads (线索): a warning raised by a person rather than by a comparison run — a village visit (follow-up's
回访) that found a household in hardship. It joins the same list, deadlines and four dispositions as the
warnings the indicators raise, under one built-in indicator of the 主动发现 class that no run evaluates.

Exactly once per source: the warning key is the hash of `source_ref` (e.g. "followup:visit:12"), and a source
that already raised a lead (open or closed) gets that lead back."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import clean_text, invalid
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.core.workdays import add_working_days
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import Indicator, IndicatorClass, Severity, Warning
from jiuzhu.registry.models import Person

LEAD_INDICATOR = "field_lead"
LEAD_DAYS = 10  # working days to verify a lead, as a department has to answer a referral


def lead_indicator() -> Indicator:
    indicator, _ = Indicator.objects.get_or_create(code=LEAD_INDICATOR, defaults={
        "name": "走访发现困难（线索）", "indicator_class": IndicatorClass.ACTIVE_DISCOVERY, "builtin": True,
        "description": "基层走访、回访中发现的生活、医疗或收入困难，由工作人员提交，不经比对规则"})
    return indicator


def lead_raise(*, actor, region: Region, subject_name: str, id_number: str = "", findings: str, source: str,
               source_ref: str, severity: str = Severity.MEDIUM) -> Warning:
    """A lead for the person (linked to the registry by the ID number's keyed hash when registered), in the
    actor's area, to be verified within LEAD_DAYS working days."""
    require(actor, Capability.HANDLE_WARNINGS)
    if region is None or not region_in_scope(actor, region):
        raise invalid("线索所在地不在您的管辖范围内", "region")
    subject_name = clean_text(subject_name, "姓名", "subject_name", 50, required=True)
    findings = clean_text(findings, "发现的情况", "findings", 1000, required=True)
    key = hashlib.sha256(f"lead:{source_ref}".encode()).hexdigest()
    id_hash = keyed_hash(id_number) if id_number else ""
    with transaction.atomic():
        existing = Warning.objects.filter(warning_key=key).order_by("pk").first()
        if existing is not None:
            return existing
        person = Person.objects.filter(id_number_hash=id_hash).first() if id_hash else None
        today = timezone.localdate()
        try:
            with transaction.atomic():
                warning = Warning.objects.create(
                    indicator=lead_indicator(), person=person, household_id=getattr(person, "household_id", None),
                    region=region, subject_id_hash=id_hash, subject_name=subject_name, warning_key=key,
                    evidence_start=today, evidence_end=today, severity=severity,
                    due_date=add_working_days(today, LEAD_DAYS),
                    evidence={"线索来源": source, "发现的情况": findings, "提交人": str(actor)})
        except IntegrityError:  # raised by a parallel request first
            return Warning.objects.get(warning_key=key)
        audit_change(AuditAction.CREATE, actor, warning, person_id=getattr(person, "pk", None),
                     changes={"source_ref": source_ref})
        record_event(kind=MonitoringEvent.WARNING_RAISED, subject=warning, actor=actor,
                     person_id=getattr(person, "pk", None), household_id=warning.household_id, region=region,
                     summary=f"线索：{source}", payload={"warning": warning.pk, "source_ref": source_ref})
    return warning
