"""A re-run skips a household by its inputs' key (input_key) before any text is worked out; the key changes
with any input, the date or the standards. The warned flag follows facts["warnings"]."""

import datetime as dt
from decimal import Decimal

from conftest import COUNTY_A, VILLAGE_B, member
from jiuzhu.core.models import Region
from jiuzhu.registry import assessment
from jiuzhu.registry.models import IncomeItem, Person, TierDecision
from jiuzhu.registry.standards import standard_set
from jiuzhu.registry.tests.conftest import ON, WINDOW


def household_of_two(register):
    household = register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21),
                                  member("李秀英", "spouse", born=dt.date(1982, 7, 9), seq=22)])
    IncomeItem.objects.create(household=household, kind="wage", amount=Decimal(500 * 2 * 12),
                              period_start=WINDOW[0], period_end=WINDOW[1])
    return household


def skipped_and_worked_out(household, on=ON) -> tuple[int, int]:
    duck = assessment.evaluate(str(household.pk), on)
    try:
        return (duck.execute("SELECT count(*) FROM skip").fetchone()[0],
                duck.execute("SELECT count(*) FROM result").fetchone()[0])
    finally:
        duck.close()


def test_a_rerun_skips_the_household_without_working_out_its_texts(standards, register):
    household = household_of_two(register)
    first = assessment.assess(on=ON, household_ids=[household.pk])
    decision = TierDecision.objects.get(household=household)
    assert first["written"] == 1 and decision.input_key is not None
    assert skipped_and_worked_out(household) == (1, 0)
    again = assessment.assess(on=ON, household_ids=[household.pk])
    assert again == {**first, "written": 0, "unchanged": 1}  # the same counts, tier included, nothing written
    assert TierDecision.objects.filter(household=household).count() == 1


def test_the_key_changes_with_an_income_a_member_the_date_and_the_standards(standards, register, persona):
    household = household_of_two(register)
    assessment.assess(on=ON, household_ids=[household.pk])
    assert skipped_and_worked_out(household, ON + dt.timedelta(days=1)) == (0, 1)
    head = Person.objects.get(household=household, name="张建国")
    head.disability_type, head.disability_grade = "physical", 1
    head.save()
    assert skipped_and_worked_out(household) == (0, 1)
    # The same figures from changed inputs: nothing written, so the household is worked out again next time.
    assert assessment.assess(on=ON, household_ids=[household.pk])["written"] == 0
    assert skipped_and_worked_out(household) == (0, 1)
    IncomeItem.objects.create(household=household, kind="wage", amount=Decimal(500 * 2 * 12),
                              period_start=WINDOW[0], period_end=WINDOW[1])  # the same row twice still counts
    assert skipped_and_worked_out(household) == (0, 1)
    assert assessment.assess(on=ON, household_ids=[household.pk])["written"] == 1
    assert skipped_and_worked_out(household) == (1, 0)
    standard_set(actor=persona("shaoyang_admin"), region=Region.objects.get(code="430500"),
                 key="dibao_standard_rural", value=650, effective_from=dt.date(2026, 1, 1))
    assert skipped_and_worked_out(household) == (0, 1)


def test_a_decision_made_before_keys_existed_is_compared_by_its_figures(standards, register):
    household = household_of_two(register)
    assessment.assess(on=ON, household_ids=[household.pk])
    TierDecision.objects.update(input_key=None)
    assert skipped_and_worked_out(household) == (0, 1)
    assert assessment.assess(on=ON, household_ids=[household.pk])["written"] == 0  # same run_key: not written


def test_warned_follows_the_warnings(standards, register):
    household = register()
    assessment.assess(on=ON, household_ids=[household.pk])  # no income at all: a warning
    decision = TierDecision.objects.get(household=household)
    assert decision.facts["warnings"] and decision.warned
    decision.facts = {**decision.facts, "warnings": []}
    decision.save(update_fields=["facts"])
    decision.refresh_from_db()
    assert not decision.warned


def test_a_run_reads_the_households_of_its_region_only_whole_or_not(standards, register):
    """A county's run reads every table through its scope; a run whose region holds every household reads the
    members, incomes and decisions whole (only the households through the scope): the same figures either way."""
    here = household_of_two(register)
    there = register(username="dongkou_officer", village=VILLAGE_B, members=[member("赵六", "head", seq=41)])
    county, city = Region.objects.get(code=COUNTY_A), Region.objects.get(code="430500")
    with assessment._scope(assessment._ids_sql(region=county, household_ids=None)) as (_, _, whole, _, _):
        assert not whole
    with assessment._scope(assessment._ids_sql(region=city, household_ids=None)) as (_, _, whole, _, _):
        assert whole
    assert assessment.assess(on=ON, region=county)["assessed"] == 1
    assert list(TierDecision.objects.values_list("household_id", "members")) == [(here.pk, 2)]
    result = assessment.assess(on=ON, region=city)
    assert (result["assessed"], result["written"], result["unchanged"]) == (2, 1, 1)
    assert dict(TierDecision.objects.values_list("household_id", "members")) == {here.pk: 2, there.pk: 1}
