"""A batch re-run reads again only the households whose inputs changed since their last decision (issue 14,
"the re-run (writing nothing) under 10 s"): the others are fresh, counted from that decision, their members and
means test not read. Every way an input changes makes its household stale, and the counts are those of a run
that reads everything."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import COUNTY_A, member
from jiuzhu.core.models import Region, RegionSetting
from jiuzhu.registry import assessment, services
from jiuzhu.registry.models import (
    AssessmentBasis,
    Asset,
    Expense,
    Household,
    HouseholdMembership,
    IncomeItem,
    Person,
    TierDecision,
)
from jiuzhu.registry.standards import standard_set
from jiuzhu.registry.tests.conftest import ON, WINDOW


@pytest.fixture
def rerun(monkeypatch):
    """The fast re-run for a few households, with no allowance for writers still open (their stamps are the
    test's own, made before or after the run's start)."""
    monkeypatch.setattr(assessment, "FRESH_FROM", 1)
    monkeypatch.setattr(assessment, "RERUN_LAG", dt.timedelta(0))


@pytest.fixture
def four(standards, register, rerun):
    """低保 (two members), 低保边缘 with a severely disabled member (a 单人户 row), 不符合, and a fourth 低保."""
    def household(seq, monthly_income, **disability):
        h = register(members=[member("张建国", "head", born=dt.date(1970, 3, 1), seq=seq),
                              member("李秀英", "spouse", born=dt.date(1972, 7, 9), seq=seq + 1, **disability)])
        IncomeItem.objects.create(household=h, kind="wage", amount=Decimal(monthly_income * 2 * 12),
                                  period_start=WINDOW[0], period_end=WINDOW[1])
        return h
    households = [household(11, 400), household(21, 700, disability_type="physical", disability_grade=1),
                  household(31, 3000), household(41, 300)]
    # Entered a while before the run (stamps within a millisecond of a decision count as after it).
    earlier = timezone.now() - dt.timedelta(seconds=1)
    for model in (Household, Person, HouseholdMembership, IncomeItem):
        model.objects.update(changed_at=earlier)
    first = assessment.assess(on=ON, region=county())
    assert first["written"] == 5 and first["single_person"] == 1 and first["reused"] == 0
    return households


def county():
    return Region.objects.get(code=COUNTY_A)


def fresh_ids(on=ON) -> set[int]:
    duck = assessment.evaluate(assessment._ids_sql(region=county(), household_ids=None), on)
    try:
        fresh = {r[0] for r in duck.execute("SELECT household_id FROM fresh").fetchall()}
        read = {r[0] for r in duck.execute("SELECT DISTINCT household_id FROM pp_raw").fetchall()}
        everyone = {r[0] for r in duck.execute("SELECT household_id FROM hh_raw").fetchall()}
        assert read == everyone - fresh  # the members of exactly the others are read
        return fresh
    finally:
        duck.close()


def test_a_rerun_counts_the_fresh_households_from_their_decisions_as_a_full_run_would(four, monkeypatch):
    assert fresh_ids() == {h.pk for h in four}
    again = assessment.assess(on=ON, region=county())
    assert again["reused"] == 4 and again["written"] == 0
    assert "其中数据未变、沿用本基准日已有评估结果 4 户" in assessment.summary(again)
    monkeypatch.setattr(assessment, "FRESH_FROM", 10 ** 9)  # read everything
    full = assessment.assess(on=ON, region=county())
    assert full == {**again, "reused": 0}
    assert full["by_tier"] == {"dibao": 2, "near_dibao": 1, "none": 1} and full["single_person"] == 1
    assert TierDecision.objects.count() == 5


def test_a_confirmed_decision_counts_as_its_suggestion(four, persona, monkeypatch):
    decision = TierDecision.objects.get(household=four[0], person=None)
    services.tier_decision_confirm(actor=persona("longhui_approver"), decision=decision,
                                   valid_from=dt.date(2026, 6, 1))
    assert fresh_ids() == {h.pk for h in four}
    counts = assessment.assess(on=ON, region=county())
    assert (counts["written"], counts["kept"], counts["reused"]) == (0, 1, 4)
    monkeypatch.setattr(assessment, "FRESH_FROM", 10 ** 9)
    assert assessment.assess(on=ON, region=county()) == {**counts, "reused": 0}


def _void_income(h, persona):
    item = IncomeItem.objects.get(household=h)
    services.means_void(actor=persona("longhui_officer"), household=h, item="income", item_id=item.pk,
                        reason="重复登记的收入")


CHANGES = {
    "person saved": lambda h, persona: Person.objects.get(household=h, relation="head").save(),
    "persons updated in one statement": lambda h, persona: Person.objects.filter(household=h).update(
        supporter_able=False),
    "income recorded": lambda h, persona: IncomeItem.objects.create(
        household=h, kind="wage", amount=Decimal(100), period_start=WINDOW[0], period_end=WINDOW[1]),
    "income voided": _void_income,
    # recorded_on is the officer's date, possibly long past: the stamp, not that date, says it is new.
    "asset recorded with an earlier date": lambda h, persona: Asset.objects.create(
        household=h, kind="deposit", value=Decimal(90000), recorded_on=dt.date(2025, 1, 1)),
    "expense recorded": lambda h, persona: Expense.objects.create(
        household=h, kind="medical", amount=Decimal(5000), period_start=WINDOW[0], period_end=WINDOW[1]),
    "household saved": lambda h, persona: Household.objects.get(pk=h.pk).save(),
    "membership closed in one statement": lambda h, persona: HouseholdMembership.objects.filter(
        household=h, left_at__isnull=True, person__relation="spouse").update(left_at=timezone.now()),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_of_an_input_reads_its_household_again(four, persona, change):
    CHANGES[change](four[0], persona)
    assert fresh_ids() == {h.pk for h in four[1:]}


def test_a_disposed_asset_reads_its_household_again(four):
    asset = Asset.objects.create(household=four[2], kind="vehicle", value=Decimal(20000),
                                 recorded_on=dt.date(2025, 1, 1))
    assessment.assess(on=ON, region=county())
    assert fresh_ids() == {h.pk for h in four}
    Asset.objects.filter(pk=asset.pk).update(disposed_on=dt.date(2026, 1, 1))
    assert fresh_ids() == {h.pk for h in four[:2] + four[3:]}
    counts = assessment.assess(on=ON, region=county())
    assert counts["reused"] == 3 and counts["written"] == 1


def test_the_changed_household_gets_the_suggestion_a_full_run_gives(four, monkeypatch):
    IncomeItem.objects.create(household=four[3], kind="wage", amount=Decimal(100000), period_start=WINDOW[0],
                              period_end=WINDOW[1])
    counts = assessment.assess(on=ON, region=county())
    assert (counts["reused"], counts["written"], counts["by_tier"]) == (3, 1, {"dibao": 1, "near_dibao": 1,
                                                                               "none": 2})
    monkeypatch.setattr(assessment, "FRESH_FROM", 10 ** 9)
    assert assessment.assess(on=ON, region=county()) == {**counts, "written": 0, "unchanged": 5, "reused": 0}


def test_a_change_stamped_just_before_the_decision_still_counts(four, monkeypatch):
    """A writer's stamp is its clock before it commits: a run may not have seen a row stamped up to RERUN_LAG
    before its decisions."""
    monkeypatch.setattr(assessment, "RERUN_LAG", dt.timedelta(minutes=5))
    made = TierDecision.objects.get(household=four[0], person=None).created_at
    RegionSetting.objects.update(created_at=made - dt.timedelta(days=1))  # the standards were set long before
    Household.objects.update(changed_at=made - dt.timedelta(days=1))
    for model in (HouseholdMembership, IncomeItem, Person):
        model.objects.update(changed_at=made - dt.timedelta(days=1))
    Person.objects.filter(household=four[0]).update(changed_at=made - dt.timedelta(minutes=4))
    Person.objects.filter(household=four[1]).update(changed_at=made - dt.timedelta(minutes=6))
    assert fresh_ids() == {h.pk for h in four[1:]}


def test_nothing_is_fresh_for_another_date_other_rules_or_new_standards(four, monkeypatch, persona):
    assert fresh_ids(ON + dt.timedelta(days=1)) == set()
    with monkeypatch.context() as m:
        m.setattr(assessment, "RULES_VERSION", "0" * 16)
        assert fresh_ids() == set()
    assert fresh_ids() == {h.pk for h in four}
    standard_set(actor=persona("shaoyang_admin"), region=Region.objects.get(code="430500"),
                 key="dibao_standard_rural", value=650, effective_from=dt.date(2026, 1, 1))
    assert fresh_ids() == set()
    counts = assessment.assess(on=ON, region=county())
    assert counts["reused"] == 0 and counts["written"] > 0


def test_everything_is_read_when_most_households_changed_or_the_run_is_small(four, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(assessment, "FRESH_FROM", 5)
        assert fresh_ids() == set()
    for h in four[:2]:
        Household.objects.get(pk=h.pk).save()
    assert fresh_ids() == {h.pk for h in four[2:]}  # half stale: still worth it
    Household.objects.get(pk=four[2].pk).save()
    assert fresh_ids() == set()  # most stale: read as before
    # Saved without a change: the same figures, nothing written, so they stay stale (as their keys would).
    assert assessment.assess(on=ON, region=county())["written"] == 0
    assert fresh_ids() == set()


def test_an_officers_list_of_households_reads_them_all(four):
    duck = assessment.evaluate(",".join(str(h.pk) for h in four), ON)
    try:
        assert duck.execute("SELECT count(*) FROM fresh").fetchone()[0] == 0
        assert duck.execute("SELECT count(*) FROM skip").fetchone()[0] == 4  # the keys still skip them
    finally:
        duck.close()


def test_a_decision_worked_out_by_earlier_rules_is_not_trusted(four):
    AssessmentBasis.objects.update(rules_version="")  # as the rows written before the version was kept
    assert fresh_ids() == set()


@pytest.mark.parametrize("status", ["superseded", "ended"])
def test_a_decision_no_longer_live_does_not_make_its_household_fresh(four, status):
    TierDecision.objects.filter(household=four[0], person=None).update(status=status)
    assert fresh_ids() == {h.pk for h in four[1:]}
    counts = assessment.assess(on=ON, region=county())
    assert (counts["reused"], counts["written"], counts["unchanged"]) == (3, 1, 4)  # suggested again


def test_a_single_person_decision_is_no_household_decision(four):
    """Only a household-level decision vouches for the household: its 单人户 rows alone do not."""
    TierDecision.objects.filter(household=four[1], person=None).update(status="superseded")
    assert TierDecision.objects.filter(household=four[1], person__isnull=False, status="recommended").exists()
    assert fresh_ids() == {h.pk for h in four if h != four[1]}


def test_more_changed_rows_than_are_worth_looking_through_read_everything(four):
    """The changed rows are read up to a cap (4 a stale household allowed): past it, every household is read, or
    a household whose rows come after the cap would be taken for fresh."""
    for _ in range(9):  # 4 households: up to 2 stale, up to 8 rows looked through
        IncomeItem.objects.create(household=four[0], kind="wage", amount=Decimal(10), period_start=WINDOW[0],
                                  period_end=WINDOW[1])
    IncomeItem.objects.create(household=four[1], kind="wage", amount=Decimal(10), period_start=WINDOW[0],
                              period_end=WINDOW[1])
    assert fresh_ids() == set()
