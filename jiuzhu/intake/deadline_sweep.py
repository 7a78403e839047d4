"""The overdue sweep of intake (hourly, tasks.py PERIODIC): applications, referrals, complaints and assist-first
paperwork past their deadline are marked and announced once.

Set-based: for each kind one UPDATE … WHERE due_date < today AND open AND overdue_notified_on IS NULL stamps the
rows with today's date, and one INSERT … SELECT writes a DEADLINE_OVERDUE event for every stamped row that has
none yet (core/events.record_events_by_query), in one transaction. The owner and the level above see the marked
rows on their work lists (referral_worklist.py: the department's own overdue referrals; the window's overdue
referrals, and for a county officer its townships' as 督办). Idempotent: re-running marks and announces nothing
more; two sweeps at once cannot both announce a row (the second UPDATE waits for the first and finds the rows
stamped, and the events' NOT EXISTS sees the first sweep's events).

AssistFirst has no overdue mark of its own (models.py), so its sweep is the INSERT … SELECT alone, guarded by
NOT EXISTS on the event (the event_subject index): announced once all the same.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core.events import record_events_by_query
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import (
    OPEN_STATUSES,
    REFERRAL_OPEN_STATUSES,
    Application,
    AssistFirst,
    ComplaintStatus,
    HotlineCall,
    Referral,
)

KIND = IntakeEvent.DEADLINE_OVERDUE


def _not_announced(alias: str, model) -> str:
    # Built from constants (a model's label, an event kind), never from input.
    return (f"NOT EXISTS (SELECT 1 FROM core_event e WHERE e.subject_type = '{model._meta.label_lower}' "  # noqa: S608
            f"AND e.subject_id = CAST({alias}.id AS TEXT) AND e.kind = '{KIND}')")


_APPLICATION_EVENTS = (
    "SELECT CAST(a.id AS TEXT), a.person_id, a.household_id, a.region_id, %s, "
    "SUBSTR('申请超期未办结（查询码 ' || a.query_code || '，办结期限 ' || CAST(a.due_date AS TEXT) || "
    "'），已提醒受理窗口及上级督办', 1, 300), '{\"overdue\": \"application\"}' "
    "FROM intake_application a WHERE a.overdue_notified_on = %s AND " + _not_announced("a", Application)
)
_REFERRAL_EVENTS = (
    "SELECT CAST(r.id AS TEXT), a.person_id, a.household_id, a.region_id, %s, "
    "SUBSTR('转办超期未办结（' || o.name || '，办理期限 ' || CAST(r.due_date AS TEXT) || "
    "'），已提醒承办部门、转办窗口及上级督办', 1, 300), '{\"overdue\": \"referral\"}' "
    "FROM intake_referral r JOIN intake_applicationitem i ON i.id = r.application_item_id "
    "JOIN intake_application a ON a.id = i.application_id JOIN core_organization o ON o.id = r.organization_id "
    "WHERE r.overdue_notified_on = %s AND " + _not_announced("r", Referral)
)
_COMPLAINT_EVENTS = (
    "SELECT CAST(c.id AS TEXT), NULL, NULL, c.region_id, %s, "
    "SUBSTR('投诉超期未答复（办理期限 ' || CAST(c.complaint_due_date AS TEXT) || "
    "'），已提醒经办人及上级督办', 1, 300), "
    "'{\"overdue\": \"complaint\"}' "
    "FROM intake_hotlinecall c WHERE c.overdue_notified_on = %s AND " + _not_announced("c", HotlineCall)
)
_ASSIST_FIRST_EVENTS = (
    "SELECT CAST(f.id AS TEXT), a.person_id, a.household_id, a.region_id, %s, "
    "SUBSTR('先行救助超期未补齐手续（补齐期限 ' || CAST(f.paperwork_due_date AS TEXT) || "
    "'），已提醒经办人及上级督办', 1, 300), '{\"overdue\": \"assist_first\"}' "
    "FROM intake_assistfirst f JOIN intake_application a ON a.id = f.application_id "
    "WHERE f.completed_at IS NULL AND f.paperwork_due_date < %s AND " + _not_announced("f", AssistFirst)
)


def deadline_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Marks and announces what became overdue; returns how many of each kind were announced now."""
    today = today or timezone.localdate()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    day = connection.ops.adapt_datefield_value(today)
    counts = {}
    with transaction.atomic():
        marked = Application.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today,
                                            overdue_notified_on__isnull=True).update(overdue_notified_on=today)
        counts["applications"] = record_events_by_query(
            kind=KIND, subject_model=Application, queries=[(_APPLICATION_EVENTS, [now, day])]) if marked else 0
        marked = Referral.objects.filter(status__in=REFERRAL_OPEN_STATUSES, due_date__lt=today,
                                         overdue_notified_on__isnull=True).update(overdue_notified_on=today)
        counts["referrals"] = record_events_by_query(
            kind=KIND, subject_model=Referral, queries=[(_REFERRAL_EVENTS, [now, day])]) if marked else 0
        marked = HotlineCall.objects.filter(complaint_status=ComplaintStatus.OPEN, complaint_due_date__lt=today,
                                            overdue_notified_on__isnull=True).update(overdue_notified_on=today)
        counts["complaints"] = record_events_by_query(
            kind=KIND, subject_model=HotlineCall, queries=[(_COMPLAINT_EVENTS, [now, day])]) if marked else 0
        counts["assist_first"] = record_events_by_query(
            kind=KIND, subject_model=AssistFirst, queries=[(_ASSIST_FIRST_EVENTS, [now, day])])
    return counts
