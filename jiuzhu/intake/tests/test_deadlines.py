"""Deadlines on the official calendar (国庆 2026, a make-up working day, an administrator's override for 2027 that
changes a referral's deadline), the override's service and page, and the overdue sweep (set-based, announced
once, idempotent) with the work-list lines it feeds (the owner and the level above)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import CoreEvent
from jiuzhu.core.models import AuditLog, Event, WorkdayOverride
from jiuzhu.core.workdays import (
    add_working_days,
    is_provisional,
    is_working_day,
    workday_override_delete,
    workday_override_set,
    working_days_left,
)
from jiuzhu.intake import referral_services as rs
from jiuzhu.intake import referral_worklist
from jiuzhu.intake.deadline_sweep import deadline_sweep
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import Application, AssistFirst, HotlineCall, Referral, ReferralStatus

pytestmark = pytest.mark.django_db
D = dt.date


# ---- The calendar -------------------------------------------------------------------------------------------

def test_national_day_2026_and_the_make_up_working_day():
    # chinese-calendar 1.11: 中秋 9月25–27日 and 国庆 10月1–7日 off; Saturday 10月10日 is worked (调休上班).
    assert is_working_day(D(2026, 9, 25)) is False and is_working_day(D(2026, 10, 7)) is False
    assert is_working_day(D(2026, 10, 10)) is True  # a Saturday
    assert add_working_days(D(2026, 9, 24), 1) == D(2026, 9, 28)
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)  # the Saturday counts
    assert add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)  # the Sunday after does not
    assert working_days_left(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert working_days_left(D(2026, 10, 12), D(2026, 9, 30)) == -4


def test_an_override_for_2027_enters_the_years_arrangement(persona):
    admin = persona("shaoyang_admin")
    assert is_provisional(D(2027, 2, 10)) is True
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)  # 元旦, then the weekend
    workday_override_set(actor=admin, day=D(2027, 1, 4), is_working_day=False, note="国办发明电〔2026〕9号")
    workday_override_set(actor=admin, day=D(2027, 1, 2), is_working_day=True, note="国办发明电〔2026〕9号")
    assert is_provisional(D(2027, 2, 10)) is False  # the year's arrangement is being entered
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 2)  # the Saturday worked
    assert add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 5)  # the Monday off
    workday_override_delete(actor=admin, day=D(2027, 1, 2))
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 5)


def test_an_override_changes_a_referrals_deadline(take_application, persona):
    """A day off entered by the administrator between today and the deadline moves the deadline a working
    day later (whatever today is)."""
    app = take_application(items=("housing",))
    item = app.items.select_related("application__region").get()
    today = timezone.localdate()
    before = rs.referral_due_date(item, today)
    first_working = add_working_days(today, 1)
    workday_override_set(actor=persona("shaoyang_admin"), day=first_working, is_working_day=False,
                         note="临时调整（测试）")
    referral = rs.referral_send(actor=persona("longhui_window"), item=item)
    assert referral.due_date == add_working_days(before, 1) > before


def test_an_override_wins_over_the_library():
    from jiuzhu.core.models import User

    admin = User.objects.create(username="root_admin", is_superuser=True)
    workday_override_set(actor=admin, day=D(2026, 10, 10), is_working_day=False, note="地方更正（测试）")
    assert is_working_day(D(2026, 10, 10)) is False
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 12)


def test_override_guards_capability_input_audit_and_event(persona):
    with pytest.raises(PermissionDenied):
        workday_override_set(actor=persona("longhui_window"), day=D(2027, 1, 4), is_working_day=False, note="依据文号")
    assert not WorkdayOverride.objects.exists()
    with pytest.raises(DomainError) as caught:
        workday_override_set(actor=persona("longhui_admin"), day=D(2027, 1, 4), is_working_day=False, note=" ")
    assert caught.value.field == "note" and not WorkdayOverride.objects.exists()
    with pytest.raises(DomainError) as caught:
        workday_override_set(actor=persona("longhui_admin"), day=None, is_working_day=False, note="依据文号")
    assert caught.value.field == "day"
    row = workday_override_set(actor=persona("longhui_admin"), day=D(2027, 1, 4), is_working_day=False,
                               note="国办发明电〔2026〕9号")
    assert AuditLog.objects.filter(object_type="core.workdayoverride", object_id=str(row.pk), action="create").exists()
    assert Event.objects.filter(kind=CoreEvent.WORKDAY_OVERRIDE_SET, subject_id=str(row.pk)).exists()
    workday_override_set(actor=persona("longhui_admin"), day=D(2027, 1, 4), is_working_day=True, note="更正")
    assert WorkdayOverride.objects.get().is_working_day is True  # one row per day, replaced
    assert AuditLog.objects.filter(object_type="core.workdayoverride", action="update").count() == 1


def test_the_override_page(client_for):
    admin = client_for("longhui_admin")
    page = admin.get("/workdays/?year=2027")
    assert page.status_code == 200 and "尚未掌握" in page.content.decode()
    answer = admin.post("/workdays/?year=2027", {"day": "2027-01-04", "kind": "rest", "note": ""})
    assert answer.status_code == 400 and "请填写依据" in answer.content.decode()
    assert 'value="2027-01-04"' in answer.content.decode()  # what was typed is kept
    answer = admin.post("/workdays/", {"day": "2027-01-04", "kind": "rest", "note": "国办发明电〔2026〕9号"})
    assert answer.status_code == 302 and answer["Location"] == "/workdays/?year=2027"
    text = admin.get("/workdays/?year=2027").content.decode()
    assert "2027-01-04" in text and "国办发明电〔2026〕9号" in text and "未包含该年" in text
    assert admin.post("/workdays/remove/", {"day": "2027-01-04"}).status_code == 302
    assert not WorkdayOverride.objects.exists()
    assert client_for("longhui_window").get("/workdays/").status_code == 403


# ---- The overdue sweep ------------------------------------------------------------------------------------------

PAST = D(2020, 1, 6)


def _overdue_world(referred, persona):
    application = referred["application"]
    Referral.objects.update(due_date=PAST)
    Application.objects.filter(pk=application.pk).update(due_date=PAST)
    now = timezone.now()
    call = HotlineCall.objects.create(
        line="12349", region=application.region, received_by=persona("longhui_window"), received_at=now,
        summary="投诉低保评审不公", outcome="complaint", complaint_status="open", complaint_due_date=PAST)
    answered = HotlineCall.objects.create(
        line="12349", region=application.region, received_by=persona("longhui_window"), received_at=now,
        summary="已答复的投诉", outcome="complaint", complaint_status="answered", complaint_due_date=PAST)
    assist = AssistFirst.objects.create(application=application, amount=Decimal("500"), reason="家中失火",
                                        granted_by=persona("longhui_window"), granted_at=now, paperwork_due_date=PAST)
    AssistFirst.objects.create(application=application, amount=Decimal("300"), reason="已补齐", completed_at=now,
                               granted_by=persona("longhui_window"), granted_at=now, paperwork_due_date=PAST)
    return {"call": call, "answered": answered, "assist": assist}


def test_the_sweep_marks_and_announces_once_and_is_idempotent(referred, persona):
    made = _overdue_world(referred, persona)
    counts = deadline_sweep()
    assert counts == {"applications": 1, "referrals": 1, "complaints": 1, "assist_first": 1}
    today = timezone.localdate()
    assert Referral.objects.get().overdue_notified_on == today
    assert Application.objects.get().overdue_notified_on == today
    assert HotlineCall.objects.get(pk=made["call"].pk).overdue_notified_on == today
    assert HotlineCall.objects.get(pk=made["answered"].pk).overdue_notified_on is None
    events = Event.objects.filter(kind=IntakeEvent.DEADLINE_OVERDUE)
    assert events.count() == 4
    referral_event = events.get(subject_type="intake.referral")
    application = referred["application"]
    assert referral_event.region_id == application.region_id and referral_event.person_id == application.person_id
    assert "隆回县医疗保障局" in referral_event.summary and "2020-01-06" in referral_event.summary
    assert events.get(subject_type="intake.assistfirst").subject_id == str(made["assist"].pk)
    # Again (the next hour, or a second worker at once): nothing more.
    assert deadline_sweep() == {"applications": 0, "referrals": 0, "complaints": 0, "assist_first": 0}
    assert Event.objects.filter(kind=IntakeEvent.DEADLINE_OVERDUE).count() == 4


def test_the_sweep_leaves_what_is_in_time_or_finished(referred, persona):
    assert deadline_sweep() == {"applications": 0, "referrals": 0, "complaints": 0, "assist_first": 0}
    rs.referral_complete(actor=persona("longhui_clerk"), referral=referred["referral"], result="granted",
                         outcome="已核定救助")
    Referral.objects.update(due_date=PAST)
    assert deadline_sweep()["referrals"] == 0
    assert Referral.objects.get().overdue_notified_on is None


def test_a_referral_overdue_on_a_later_day_is_announced_then(referred, persona):
    deadline_sweep(today=PAST)
    Referral.objects.update(due_date=PAST)
    assert deadline_sweep(today=PAST + dt.timedelta(days=1))["referrals"] == 1


def test_the_hourly_task_runs_the_sweep(referred):
    from jiuzhu.intake import tasks

    Referral.objects.update(due_date=PAST)
    assert ("jiuzhu.intake.tasks.intake_deadline_sweep", 3600) in tasks.PERIODIC
    result = tasks.intake_deadline_sweep.enqueue()
    assert result.return_value["referrals"] == 1


# ---- Work lists: the owner and the level above ----------------------------------------------------------------

def test_work_lists_after_the_sweep(referred, persona):
    Referral.objects.update(due_date=PAST)
    clerk, window, county, other = (persona(u) for u in ("longhui_clerk", "longhui_window", "longhui_officer",
                                                        "dongkou_officer"))
    assert referral_worklist.referrals_overdue(clerk).count == 0  # not yet announced
    deadline_sweep()
    line = referral_worklist.referrals_overdue(clerk)
    assert (line.label, line.count, line.urgency) == ("超期未办结的转办事项", 1, "due")
    assert referral_worklist.referrals_overdue(window).count == 1
    supervise = referral_worklist.referrals_overdue(county)
    assert supervise.label == "下级超期未办结的转办事项（督办）" and supervise.count == 1
    assert referral_worklist.referrals_overdue(other).count == 0
    assert referral_worklist.referrals_overdue(persona("dongkou_clerk")).count == 0
    assert referral_worklist.referrals_overdue(persona("longhui_analyst")) is None


def test_work_lists_of_the_clerk_and_the_window(referred, persona):
    clerk, window = persona("longhui_clerk"), persona("longhui_window")
    assert referral_worklist.referrals_to_accept(clerk).count == 1
    assert referral_worklist.referrals_to_accept(window) is None
    assert referral_worklist.referrals_returned(clerk) is None
    rs.referral_accept(actor=clerk, referral=referred["referral"])
    assert referral_worklist.referrals_to_accept(clerk).count == 0
    assert referral_worklist.referrals_in_progress(clerk).count == 1
    returned = rs.referral_return(actor=clerk, referral=referred["referral"], reason="缺少诊断证明")
    assert referral_worklist.referrals_returned(window).count == 1
    assert referral_worklist.referrals_returned(persona("dongkou_window")).count == 0
    rs.referral_resend(actor=window, referral=returned, note="已补齐诊断证明")
    assert referral_worklist.referrals_returned(window).count == 0
    assert Referral.objects.filter(status=ReferralStatus.SENT).count() == 1


def test_the_home_page_shows_the_lines(referred, client_for):
    text = client_for("longhui_clerk").get("/").content.decode()
    assert "待接收的转办事项" in text


def test_region_scope_of_the_override_is_national(persona):
    """Any administrator enters the national calendar; the page is under core (not a region setting)."""
    row = workday_override_set(actor=persona("dongkou_admin"), day=D(2027, 5, 3), is_working_day=False,
                               note="国办发明电〔2026〕9号")
    assert row.set_by.username == "dongkou_admin"


def test_the_level_above_sees_the_sweeps_other_marks(referred, persona):
    from jiuzhu.intake import referral_selectors as selectors

    _overdue_world(referred, persona)
    county, township, other = persona("longhui_officer"), persona("longhui_window"), persona("dongkou_officer")
    assert selectors.overdue_applications(county).count() == 0  # not yet announced
    deadline_sweep()
    assert selectors.overdue_applications(county).count() == 1
    assert selectors.overdue_applications(township).count() == 1
    assert selectors.overdue_applications(other).count() == 0
    assert selectors.overdue_assist_first(county).count() == 1 and selectors.overdue_assist_first(other).count() == 0
    # The lines link to the window's list, so they show once that part is installed.
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("intake:application_list")
    except NoReverseMatch:
        assert referral_worklist.applications_overdue_below(county) is None
    else:
        assert referral_worklist.applications_overdue_below(county).count == 1
        assert referral_worklist.applications_overdue_below(township) is None
