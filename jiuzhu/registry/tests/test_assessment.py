"""Tier rules at each boundary, effective dates, overrides, 单人户 and idempotent re-runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from conftest import member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Event, Region
from jiuzhu.registry import assessment
from jiuzhu.registry.models import Asset, DecisionStatus, Expense, IncomeItem, TierDecision
from jiuzhu.registry.services import tier_decision_confirm, tier_decision_override
from jiuzhu.registry.standards import standard_set
from jiuzhu.registry.tests.conftest import ON, WINDOW


def two_adults(register):
    return register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21),
                             member("李秀英", "spouse", born=dt.date(1982, 7, 9), seq=22)])


def income(household, per_capita_month, members=2):
    IncomeItem.objects.create(household=household, kind="wage", amount=Decimal(per_capita_month) * members * 12,
                              period_start=WINDOW[0], period_end=WINDOW[1])


def tier_of(household, on=ON):
    assessment.assess(on=on, household_ids=[household.pk])
    return TierDecision.objects.get(household=household, person__isnull=True, status="recommended")


@pytest.mark.parametrize(("pci", "expected"), [
    ("599.99", "dibao"),      # below the standard
    ("600", "near_dibao"),    # equal to the standard is not below it
    ("899.99", "near_dibao"),  # below 1.5 × 600
    ("900", "none"),          # equal to 1.5 × is not below it; no rigid expense
])
def test_income_boundaries(standards, register, pci, expected):
    household = two_adults(register)
    income(household, pci)
    decision = tier_of(household)
    assert decision.recommended_tier == expected
    assert decision.per_capita_income == Decimal(pci)
    assert decision.dibao_standard == Decimal("600")


def test_reasons_are_spelled_out_in_chinese(standards, register):
    household = two_adults(register)
    income(household, "520")
    reasons = tier_of(household).all_reasons
    assert "人均月收入 520 元，低于低保标准 600 元" in reasons
    assert "家庭人口 2 人，收入计算期 2025-07-01 至 2026-06-30" in reasons
    assert any(r.startswith("人均存款 0 元，未超过上限 14400 元") for r in reasons)


@pytest.mark.parametrize(("deposits", "expected"), [(28800, "dibao"), (28802, "none")])
def test_deposit_limit_plus_minus_one(standards, register, deposits, expected):
    household = two_adults(register)
    income(household, "300")
    Asset.objects.create(household=household, kind="deposit", value=deposits, recorded_on=dt.date(2026, 1, 1))
    decision = tier_of(household)
    assert decision.recommended_tier == expected  # limit: 24 × 600 = 14,400 per person
    if expected == "none":
        assert any("超过上限 14400 元" in r for r in decision.all_reasons)


def test_vehicle_makes_household_ineligible_unless_local_limit_allows(standards, register, persona):
    household = two_adults(register)
    income(household, "300")
    Asset.objects.create(household=household, kind="vehicle", value=30000, recorded_on=dt.date(2026, 1, 1))
    assert tier_of(household).recommended_tier == "none"
    standard_set(actor=persona("longhui_admin"), region=Region.objects.get(code="430524"), key="vehicle_value_limit",
                 value=50000, effective_from=dt.date(2026, 1, 1))
    assert tier_of(household).recommended_tier == "dibao"


def test_changing_a_standard_never_rewrites_history(standards, register, persona):
    household = two_adults(register)
    income(household, "620")
    before = tier_of(household)
    assert before.recommended_tier == "near_dibao"
    standard_set(actor=persona("shaoyang_admin"), region=standards, key="dibao_standard_rural", value=650,
                 effective_from=dt.date(2026, 7, 1))
    assert tier_of(household, on=dt.date(2026, 6, 30)).recommended_tier == "near_dibao"  # same as before
    after = tier_of(household, on=dt.date(2026, 7, 1))
    assert after.recommended_tier == "dibao" and after.dibao_standard == Decimal("650")
    before.refresh_from_db()
    assert before.dibao_standard == Decimal("600")
    assert before.all_reasons[1] == "人均月收入 620 元，不低于低保标准 600 元"


def test_county_setting_overrides_city_setting_below_it(standards, register, persona):
    household = two_adults(register)
    income(household, "1000")
    assert tier_of(household).recommended_tier == "none"
    standard_set(actor=persona("longhui_admin"), region=Region.objects.get(code="430524"),
                 key="near_dibao_multiplier", value=2, effective_from=dt.date(2026, 1, 1))
    assert tier_of(household).recommended_tier == "near_dibao"  # 1000 < 2 × 600


def test_rigid_expense_share_above_the_local_ratio(standards, register):
    household = two_adults(register)
    income(household, "1000")  # 24,000 a year: above 1.5×, below 2,500 a month
    Expense.objects.create(household=household, kind="medical", amount=12000, period_start=WINDOW[0],
                           period_end=WINDOW[1])
    assert tier_of(household).recommended_tier == "none"  # exactly 50% is not above the ratio
    Expense.objects.create(household=household, kind="education", amount=1, period_start=WINDOW[0],
                           period_end=WINDOW[1])
    decision = tier_of(household)
    assert decision.recommended_tier == "rigid_expense"
    assert any("占家庭总收入 50" in r for r in decision.all_reasons)


def test_income_outside_the_window_is_prorated(standards, register):
    household = two_adults(register)
    # 14,400 over two years, half of it inside the window: 7,200 / 12 / 2 = 300 a person a month.
    IncomeItem.objects.create(household=household, kind="wage", amount=14400 * 2 - 1 + 1,
                              period_start=dt.date(2024, 7, 1), period_end=dt.date(2026, 6, 30))
    decision = tier_of(household)
    assert abs(decision.per_capita_income - Decimal("600")) < Decimal("1")


def test_tekun_needs_all_three_conditions(standards, register):
    lonely = register(members=[member("王德福", "head", born=dt.date(1950, 1, 5), seq=31, supporter_able="否")])
    IncomeItem.objects.create(household=lonely, kind="basic_pension", amount=2400, period_start=WINDOW[0],
                              period_end=WINDOW[1])
    decision = tier_of(lonely)
    assert decision.recommended_tier == "tekun"  # the basic pension is not counted for 特困
    supported = register(members=[member("赵桂兰", "head", born=dt.date(1950, 2, 5), seq=42)])
    assert tier_of(supported).recommended_tier == "dibao"  # has a capable supporter


def test_single_person_inclusion_for_severely_disabled_member(standards, register):
    household = register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21),
                                  member("张小军", "child", born=dt.date(2004, 3, 1), seq=33,
                                         disability_type="智力残疾", disability_grade="3")])
    income(household, "700")
    assessment.assess(on=ON, household_ids=[household.pk])
    decisions = TierDecision.objects.filter(household=household, status="recommended")
    household_decision = decisions.get(person__isnull=True)
    single = decisions.get(person__isnull=False)
    assert household_decision.recommended_tier == "near_dibao"
    assert single.recommended_tier == "dibao" and single.person.name == "张小军"
    assert "单人户：重度残疾人" in single.reasons[0]


def test_rerunning_the_same_inputs_writes_nothing(standards, register):
    household = two_adults(register)
    income(household, "500")
    first = assessment.assess(on=ON, household_ids=[household.pk])
    again = assessment.assess(on=ON, household_ids=[household.pk])
    assert first["written"] == 1 and again == {**again, "written": 0, "unchanged": 1}
    assert TierDecision.objects.filter(household=household).count() == 1
    income(household, "100")  # the figures changed: a new recommendation replaces the old one
    assessment.assess(on=ON, household_ids=[household.pk])
    assert TierDecision.objects.filter(household=household, status="recommended").count() == 1
    assert TierDecision.objects.filter(household=household, status="superseded").count() == 1


def test_missing_local_standard_stops_with_a_chinese_message(register):
    household = two_adults(register)
    with pytest.raises(DomainError) as exc:
        assessment.assess(on=ON, household_ids=[household.pk])
    assert "低保标准" in exc.value.message


def test_approver_confirms_or_overrides_with_a_reason(standards, register, persona):
    household = two_adults(register)
    income(household, "500")
    decision = tier_of(household)
    with pytest.raises(PermissionDenied):
        tier_decision_confirm(actor=persona("longhui_officer"), decision=decision)  # not an approver
    with pytest.raises(DomainError) as exc:
        tier_decision_override(actor=persona("longhui_approver"), decision=decision, tier="near_dibao", reason="")
    assert "理由" in exc.value.message
    with pytest.raises(DomainError):
        tier_decision_confirm(actor=persona("dongkou_approver"), decision=decision)  # other county
    confirmed = tier_decision_confirm(actor=persona("longhui_approver"), decision=decision,
                                      valid_from=dt.date(2026, 7, 1))
    assert confirmed.status == "confirmed" and confirmed.valid_to == dt.date(2027, 6, 30)
    assert confirmed.all_facts["standard"] == 600
    # Next year: a new recommendation, overridden, supersedes the confirmed decision.
    income(household, "100")
    later = tier_of(household, on=dt.date(2027, 6, 30))
    overridden = tier_decision_override(actor=persona("longhui_approver"), decision=later, tier="near_dibao",
                                        reason="入户核实家庭有稳定务工收入未申报", valid_from=dt.date(2027, 7, 1))
    confirmed.refresh_from_db()
    assert confirmed.status == DecisionStatus.SUPERSEDED and confirmed.valid_to == dt.date(2027, 6, 30)
    assert overridden.tier == "near_dibao" and overridden.recommended_tier == "dibao"
    kinds = list(Event.objects.filter(household_id=household.pk).values_list("kind", flat=True))
    assert kinds.count("registry.tier_confirmed") == 1 and "registry.tier_overridden" in kinds
