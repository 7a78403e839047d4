"""The roll: computed from the grants in force on the month's 1st, idempotent, township totals, frozen once
approved; the review chain and its guards; each pre-approval check."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import VILLAGE_A2
from jiuzhu.core.errors import DomainError
from jiuzhu.funds import services
from jiuzhu.funds.models import CheckHit, PaymentLine, RollStatus, TownshipStatus
from jiuzhu.funds.tests.conftest import MONTH

pytestmark = pytest.mark.django_db
RURAL_DIBAO = "2081902"


def _prepare(persona, county, username="longhui_officer", item=RURAL_DIBAO, month=MONTH):
    return services.roll_prepare(actor=persona(username), county=county, month=month, item=item)


def test_roll_equals_grants_in_force_on_the_first(persona, county, paid_household):
    a = paid_household(members=3, amount="450.00")
    b = paid_household(village=VILLAGE_A2, amount="200.00")
    paid_household(start=dt.date(2026, 11, 2))  # starts after the 1st: next month
    paid_household(end=dt.date(2026, 10, 31))  # ended before the 1st
    paid_household(hukou="urban")  # another item (城市低保金)
    roll = _prepare(persona, county)
    lines = {line.household_id: line for line in PaymentLine.objects.filter(roll=roll)}
    assert set(lines) == {a.pk, b.pk}
    assert lines[a.pk].total == Decimal("450.00") and lines[a.pk].persons == 3
    assert lines[a.pk].payee_id == a.head_id and lines[a.pk].bank_name == "隆回农商银行"
    assert (roll.households, roll.persons, roll.amount) == (2, 4, Decimal("650.00"))
    parts = {p.township.code: (p.households, p.persons, p.amount) for p in roll.townships.all()}
    assert parts == {"430524100000": (1, 3, Decimal("450.00")), "430524101000": (1, 1, Decimal("200.00"))}
    # preparing again never duplicates
    roll = _prepare(persona, county)
    assert PaymentLine.objects.filter(roll=roll).count() == 2 and roll.amount == Decimal("650.00")


def test_township_window_prepares_only_its_township(persona, county, paid_household):
    paid_household()
    paid_household(village=VILLAGE_A2)
    roll = _prepare(persona, county, "longhui_window")
    assert list(PaymentLine.objects.filter(roll=roll).values_list("township__code", flat=True)) == ["430524100000"]


def test_prepare_guards(persona, county, paid_household):
    from jiuzhu.core.models import Region

    with pytest.raises(PermissionDenied):  # the approver does not prepare
        _prepare(persona, county, "longhui_approver")
    with pytest.raises(Http404):  # another county's officer
        _prepare(persona, county, "dongkou_officer")
    with pytest.raises(DomainError):
        services.roll_prepare(actor=persona("longhui_officer"), county=Region.objects.get(code="430524100000"),
                              month=MONTH, item=RURAL_DIBAO)


def test_review_chain_freezes_the_roll(persona, county, paid_household, to_county_review):
    household = paid_household(amount="300.00")
    roll = _prepare(persona, county)
    window = persona("longhui_window")
    township = roll.townships.get().township
    services.township_submit(actor=window, roll=roll, township=township)
    services.township_return(actor=window, roll=roll, township=township, reason="金额待核")
    assert roll.townships.get().status == TownshipStatus.RETURNED
    roll = _prepare(persona, county, "longhui_window")  # a returned part may be prepared again
    services.township_submit(actor=window, roll=roll, township=township)
    with pytest.raises(DomainError):  # a handed-on part is not prepared again by its township
        services.township_submit(actor=window, roll=roll, township=township)
    services.township_review(actor=window, roll=roll, township=township)
    roll.refresh_from_db()
    assert roll.status == RollStatus.COUNTY_HANDLING
    with pytest.raises(PermissionDenied):  # a township does not take the county's steps
        services.county_handle(actor=window, roll=roll)
    officer = persona("longhui_officer")
    services.county_handle(actor=officer, roll=roll)
    with pytest.raises(DomainError):  # the officer who handled it does not approve it too
        services.roll_approve(actor=officer, roll=roll)
    with pytest.raises(PermissionDenied):  # the window cannot review
        services.roll_approve(actor=window, roll=roll)
    with pytest.raises(Http404):  # another county
        services.roll_approve(actor=persona("dongkou_approver"), roll=roll)
    services.roll_return(actor=persona("longhui_approver"), roll=roll, reason="请补充说明")
    assert roll.status == RollStatus.COUNTY_HANDLING
    services.county_handle(actor=officer, roll=roll)
    services.roll_approve(actor=persona("longhui_approver"), roll=roll)
    assert roll.status == RollStatus.APPROVED
    # frozen: a later registry edit changes nothing, and preparing again is refused
    grant = household.grants.get()
    grant.monthly_amount = Decimal("999.00")
    grant.save()
    with pytest.raises(DomainError):
        _prepare(persona, county)
    line = PaymentLine.objects.get(roll=roll)
    assert line.total == Decimal("300.00")
    from jiuzhu.core.models import Event

    kinds = list(Event.objects.filter(subject_type="funds.paymentroll", subject_id=str(roll.pk))
                 .values_list("kind", flat=True))
    assert "funds.roll_approved" in kinds and "funds.county_handled" in kinds
    from jiuzhu.core.models import AuditLog

    assert AuditLog.objects.filter(object_type="funds.paymentroll", object_id=str(roll.pk),
                                   detail__changes__status="approved").count() == 1


def test_back_pay_for_an_approved_month_that_missed_the_grant(persona, county, paid_household, to_county_review):
    paid_household(amount="100.00")
    october = _prepare(persona, county, month=dt.date(2026, 10, 1))
    to_county_review(october)
    services.roll_approve(actor=persona("longhui_approver"), roll=october)
    late = paid_household(amount="250.00", start=dt.date(2026, 9, 15))  # backdated: October's roll missed it
    november = _prepare(persona, county)
    line = PaymentLine.objects.get(roll=november, household=late)
    assert (line.amount, line.back_pay, line.total) == (Decimal("250.00"), Decimal("250.00"), Decimal("500.00"))
    assert PaymentLine.objects.exclude(household=late).get(roll=november).back_pay == 0


def _hits(roll):
    return {(h.line.household_id, h.kind) for h in CheckHit.objects.filter(roll=roll).select_related("line")}


def test_each_check_blocks_until_overridden(persona, county, paid_household, to_county_review):
    from jiuzhu.registry.models import Person

    dead = paid_household()
    ended = paid_household()
    shared_1 = paid_household(account="6222000000000000001")
    shared_2 = paid_household(account="6222000000000000001")
    high = paid_household(amount="800.00", standard="700.00")  # one person: the cap is 700
    clean = paid_household()
    roll = _prepare(persona, county)
    # registry edits after preparing are seen by the checks
    Person.objects.filter(pk=dead.head_id).update(death_date=dt.date(2026, 10, 20))
    ended.grants.update(period_end=dt.date(2026, 10, 31), status="ended")
    to_county_review(roll)
    hits = _hits(roll)
    assert hits == {(dead.pk, "payee_dead"), (ended.pk, "not_in_force"), (shared_1.pk, "shared_account"),
                    (shared_2.pk, "shared_account"), (high.pk, "above_maximum")}
    assert clean.pk not in {h for h, _ in hits}
    approver = persona("longhui_approver")
    with pytest.raises(DomainError, match="5 处"):
        services.roll_approve(actor=approver, roll=roll)
    for hit in CheckHit.objects.filter(roll=roll):
        with pytest.raises(DomainError):  # a written reason is required
            services.hit_override(actor=approver, hit=hit, reason=" ")
        services.hit_override(actor=approver, hit=hit, reason="已核实，当月应发")
    services.roll_approve(actor=approver, roll=roll)
    assert roll.status == RollStatus.APPROVED


def test_same_person_in_two_rolls_of_the_item_and_month(persona, county, paid_household, to_county_review):
    from jiuzhu.core.models import Region
    from jiuzhu.funds.models import PaymentRoll

    household = paid_household()
    roll = _prepare(persona, county)
    # an older roll of 洞口县 paid the same person for the same item and month (moved between counties)
    other = PaymentRoll.objects.create(county=Region.objects.get(code="430525"), month=MONTH, item=RURAL_DIBAO)
    line = PaymentLine.objects.get(roll=roll)
    PaymentLine.objects.create(roll=other, township=line.township, household=household, payee_id=line.payee_id,
                               amount=line.amount, total=line.total)
    to_county_review(roll)
    assert _hits(roll) == {(household.pk, "two_rolls")}


def test_no_account_is_a_hit(persona, county, paid_household, to_county_review):
    from jiuzhu.registry.models import PaymentAccount

    household = paid_household()
    PaymentAccount.objects.filter(household=household).update(is_active=False)
    roll = _prepare(persona, county)
    to_county_review(roll)
    assert _hits(roll) == {(household.pk, "no_account")}


def test_grant_without_its_decision_uses_the_households_decision_in_force(persona, county, paid_household,
                                                                          to_county_review):
    linked_later = paid_household(members=2, linked=False)
    no_tier = paid_household(members=3, linked=False, in_force=False)
    roll = _prepare(persona, county)
    lines = {line.household_id: line for line in PaymentLine.objects.filter(roll=roll)}
    assert lines[linked_later.pk].tier_decision_id == linked_later.tier_decisions.get().pk
    assert (lines[linked_later.pk].persons, lines[no_tier.pk].persons) == (2, 3)  # 计算人口, else members
    to_county_review(roll)
    assert _hits(roll) == {(no_tier.pk, "not_in_force")}


def test_township_steps_stay_in_the_township_and_county_steps_need_review(persona, county, paid_household,
                                                                          to_county_review):
    from django.contrib.auth.models import Group, Permission

    paid_household(village=VILLAGE_A2)  # 小沙江镇: not the window's township
    roll = _prepare(persona, county)
    with pytest.raises(Http404):
        services.township_submit(actor=persona("longhui_window"), roll=roll, township=roll.townships.get().township)
    with pytest.raises(DomainError):  # not yet at the county's review
        services.roll_approve(actor=persona("longhui_approver"), roll=roll)
    to_county_review(roll)
    group = Group.objects.get(name="approver")
    group.permissions.remove(Permission.objects.get(content_type__app_label="core", codename="review_payments"))
    approver = persona("longhui_approver")
    with pytest.raises(PermissionDenied):
        services.roll_approve(actor=approver, roll=roll)
