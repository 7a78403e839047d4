"""Monitoring's death warnings hold payment (暂停发放) through events and handlers (issue 21: "monitoring warnings
stop payment from the next roll"): held → left out of the next roll, or a 领款人已死亡 hit on a roll prepared before
the warning; rebutted (未死亡证明) → paid again with the held months as 补发; the same event twice holds once.
The events are monitoring's (kinds in core/cross_events.py): funds never imports monitoring, so they are written
here as monitoring writes them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.core.cross_events import CrossAppEvent
from jiuzhu.core.events import deliver
from jiuzhu.core.models import Event
from jiuzhu.funds import services
from jiuzhu.funds.events import FundsEvent
from jiuzhu.funds.models import CheckHit, PaymentLine, PaymentStop
from jiuzhu.funds.tests.conftest import MONTH

pytestmark = pytest.mark.django_db
RURAL_DIBAO = "2081902"
RAISED_AT = timezone.make_aware(dt.datetime(2026, 11, 3, 9, 0))


def _warning_event(kind, household, warning_id=77, at=RAISED_AT):
    return Event.objects.create(kind=kind, subject_type="monitoring.warning", subject_id=str(warning_id),
                                person_id=household.head_id, household_id=household.pk, region=household.region,
                                occurred_at=at, summary="预警：死亡（殡葬火化）")


def _prepare(persona, county, month=MONTH):
    return services.roll_prepare(actor=persona("longhui_officer"), county=county, month=month, item=RURAL_DIBAO)


def test_a_death_warning_holds_the_payee_from_the_next_roll(persona, county, paid_household):
    held, other = paid_household(), paid_household()
    deliver(_warning_event(CrossAppEvent.DEATH_WARNING_RAISED, held))  # through funds' HANDLERS
    stop = PaymentStop.objects.get(person_id=held.head_id)
    assert (stop.is_hold, stop.from_month, stop.source, stop.lifted_at) == (True, MONTH, "monitoring.warning:77", None)
    assert Event.objects.filter(kind=FundsEvent.PAYMENT_HELD, household_id=held.pk).count() == 1
    roll = _prepare(persona, county)
    assert set(roll.lines.values_list("household_id", flat=True)) == {other.pk}  # held: left out


def test_a_roll_prepared_before_the_warning_gets_a_blocking_hit(persona, county, paid_household):
    held, _other = paid_household(), paid_household()
    roll = _prepare(persona, county)
    assert roll.lines.count() == 2
    deliver(_warning_event(CrossAppEvent.DEATH_WARNING_RAISED, held))
    found = services.roll_check(actor=persona("longhui_officer"), roll=roll)
    assert found.get("payee_dead") == 1
    hit = CheckHit.objects.get(roll=roll, kind="payee_dead")
    assert hit.line.payee_id == held.head_id and hit.detail == "死亡预警待核实（暂停发放）"
    # rebutted: the hold is lifted and the next check finds nothing
    deliver(_warning_event(CrossAppEvent.DEATH_WARNING_REBUTTED, held))
    assert services.roll_check(actor=persona("longhui_officer"), roll=roll).get("payee_dead") is None


def test_a_hold_in_a_later_month_does_not_touch_this_months_check(persona, county, paid_household):
    held = paid_household()
    roll = _prepare(persona, county)
    deliver(_warning_event(CrossAppEvent.DEATH_WARNING_RAISED, held, at=RAISED_AT + dt.timedelta(days=30)))
    assert services.roll_check(actor=persona("longhui_officer"), roll=roll).get("payee_dead") is None


def test_rebutted_the_payee_is_paid_again_with_back_pay(persona, county, paid_household, to_county_review):
    held, _other = paid_household(), paid_household()
    deliver(_warning_event(CrossAppEvent.DEATH_WARNING_RAISED, held))
    november = _prepare(persona, county)
    to_county_review(november)
    services.roll_approve(actor=persona("longhui_approver"), roll=november)
    assert not november.lines.filter(payee_id=held.head_id).exists()
    rebuttal = _warning_event(CrossAppEvent.DEATH_WARNING_REBUTTED, held)
    deliver(rebuttal)
    stop = PaymentStop.objects.get(person_id=held.head_id)
    assert stop.lifted_at is not None and stop.lift_event_id == rebuttal.pk
    december = _prepare(persona, county, month=dt.date(2026, 12, 1))
    line = PaymentLine.objects.get(roll=december, payee_id=held.head_id)
    assert (line.amount, line.back_pay, line.total) == (Decimal("300.00"), Decimal("300.00"), Decimal("600.00"))
    # a lift delivered again (or a second rebuttal event) writes nothing more
    assert services.lift_hold_for_rebuttal(rebuttal) == 0
    assert Event.objects.filter(kind=FundsEvent.PAYMENT_HOLD_LIFTED).count() == 1


def test_the_same_event_twice_writes_one_hold(paid_household):
    held = paid_household()
    event = _warning_event(CrossAppEvent.DEATH_WARNING_RAISED, held)
    assert services.hold_for_death_warning(event) == 1
    assert services.hold_for_death_warning(event) == 0  # the handler itself, not only the delivery row
    assert PaymentStop.objects.filter(person_id=held.head_id).count() == 1
    assert Event.objects.filter(kind=FundsEvent.PAYMENT_HELD).count() == 1


def test_a_rebuttal_delivered_first_leaves_no_hold(paid_household):
    held = paid_household()
    raised = _warning_event(CrossAppEvent.DEATH_WARNING_RAISED, held)
    deliver(_warning_event(CrossAppEvent.DEATH_WARNING_REBUTTED, held))  # the raise's delivery failed, retried later
    deliver(raised)
    assert not PaymentStop.objects.filter(person_id=held.head_id).exists()


def test_a_warning_outside_the_registry_holds_nothing(world):
    event = Event.objects.create(kind=CrossAppEvent.DEATH_WARNING_RAISED, subject_type="monitoring.warning",
                                 subject_id="5", occurred_at=RAISED_AT)
    assert services.hold_for_death_warning(event) == 0 and not PaymentStop.objects.exists()
