"""What an assessment rests on (issue 14): the months each figure covers and the warnings when the income record
does not cover the window, voided means-test rows never counted, no new suggestion for a household whose decision
is in force unless its data changed after it (then the suggestion says what changed), and the run's Chinese
summary and history."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import COUNTY_A, member
from jiuzhu.core.models import Region, TaskRun
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
from jiuzhu.registry.tests.conftest import ON, WINDOW

LATER = dt.date(2026, 9, 30)  # the fixture's decision is in force from 2026-07-01 to 2027-06-30
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def county():
    return Region.objects.get(code=COUNTY_A)


def assessed(household, on=ON):
    assessment.assess(on=on, household_ids=[household.pk])
    return TierDecision.objects.get(household=household, person=None, status="recommended")


def wage(household, amount, start, end, **extra):
    return IncomeItem.objects.create(household=household, kind="wage", amount=amount, period_start=start,
                                     period_end=end, **extra)


def test_a_household_removed_during_a_run_gets_no_decision(standards, register):
    """decision.household has no database constraint (bulk-write FK rule): the run's write itself must not point
    at a household that is gone. One is removed after the rows were read, before they are written."""
    kept = register()
    wage(kept, 3600, *WINDOW)
    gone = Household.objects.create(region=kept.region, address="待注销户", hukou_type="rural")
    wage(gone, 1200, *WINDOW)

    def remove_before_writing(done, total):
        if done == 8:  # compared, not written yet
            gone.delete()

    counts = assessment.assess(on=ON, household_ids=[kept.pk, gone.pk], progress=remove_before_writing)
    assert counts["assessed"] == 2  # both were read
    assert not Household.objects.filter(pk=gone.pk).exists()
    assert list(TierDecision.objects.values_list("household_id", flat=True)) == [kept.pk]


def test_a_member_removed_during_a_run_gets_no_single_person_decision(standards, register):
    """decision.person has no database constraint either: a 单人户 row for a person removed after the rows were
    read, before they are written, is not written (the household's own suggestion still is)."""
    household = register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21),
                                  member("张小军", "child", born=dt.date(2004, 3, 1), seq=33,
                                         disability_type="智力残疾", disability_grade="3")])
    wage(household, 700 * 2 * 12, *WINDOW)  # 低保边缘: the disabled son may be included alone
    son = household.members.get(name="张小军")

    def remove_before_writing(done, total):
        if done == 8:
            HouseholdMembership.objects.filter(person=son).delete()
            Person.objects.filter(pk=son.pk).delete()

    counts = assessment.assess(on=ON, household_ids=[household.pk], progress=remove_before_writing)
    assert counts["single_person"] == 1  # worked out from the rows read
    assert list(TierDecision.objects.values_list("person_id", "recommended_tier")) == [(None, "near_dibao")]

# ---- Coverage and warnings --------------------------------------------------------------------------------

def test_a_runs_standards_and_window_are_held_once_and_read_back_with_each_decision(standards, register):
    first, second = register(), register(members=[member("李四", "head", seq=31)])
    wage(first, 3600, *WINDOW)
    wage(second, 2400, dt.date(2026, 4, 1), dt.date(2026, 6, 30))  # 3 of the window's 12 months
    assessment.assess(on=ON, household_ids=[first.pk, second.pk])
    a, b = (TierDecision.objects.select_related("basis").get(household=h, person=None) for h in (first, second))
    assert a.basis_id == b.basis_id and AssessmentBasis.objects.count() == 1
    for own in (a.facts, b.facts):  # the decision's row holds its own figures only
        assert not {"standard", "near_line", "deposit_limit", "window", "window_start", "standard_settings"} & {*own}
    assert "coverage" not in a.facts  # fully covered: the basis's text
    # …and the usual figures (no deposits, vehicles, houses, rigid expense; the whole window recorded) are the
    # basis's too, as is the first reason (members and window): the row keeps what is the household's own.
    assert set(a.facts) == {"income", "pci_tekun"} and a.facts["income"] == 3600
    assert not a.reasons[0].startswith("家庭人口")
    assert a.all_reasons[0] == "家庭人口 1 人，收入计算期 2025-07-01 至 2026-06-30" and a.all_reasons[1:] == a.reasons
    assert (a.all_facts["deposits"], a.all_facts["income_months"], b.all_facts["income_months"]) == (0, 12, 3)
    assert b.facts["coverage"] == {"income": "2026-04 至 2026-06（评估期 2025-07 至 2026-06 中的 3 个月）"}
    assert a.basis.facts["standard"] == 600 and set(a.basis.facts["standard_settings"]) >= {"dibao_standard_rural"}
    full = a.all_facts
    assert (full["standard"], full["window"], full["window_start"], full["income"], full["warnings"]) == (
        600, "2025-07 至 2026-06", "2025-07-01", 3600, [])
    assert full["coverage"] == {"income": "2025-07 至 2026-06（评估期全部 12 个月）",
                                "expense": "无记录（评估期 2025-07 至 2026-06）", "asset": "截至 2026-06-30"}
    assert b.all_facts["coverage"]["income"].endswith("中的 3 个月）") and b.all_facts["standard"] == 600
    wage(first, 1200, *WINDOW)  # a new suggestion on the same date and standards points to the same row
    assessment.assess(on=ON, household_ids=[first.pk])
    newer = TierDecision.objects.get(household=first, person=None, status="recommended")
    assert newer.pk != a.pk and newer.basis_id == a.basis_id and AssessmentBasis.objects.count() == 1


def test_an_income_record_covering_the_window_gives_no_warning(standards, register):
    household = register()
    wage(household, 3600, *WINDOW)
    decision = assessed(household)
    assert decision.all_facts["coverage"] == {"income": "2025-07 至 2026-06（评估期全部 12 个月）",
                                          "expense": "无记录（评估期 2025-07 至 2026-06）",
                                          "asset": "截至 2026-06-30"}
    assert (decision.all_facts["window"], decision.all_facts["window_months"], decision.all_facts["income_months"],
            decision.all_facts["expense_months"]) == ("2025-07 至 2026-06", 12, 12, 0)
    assert decision.all_facts["warnings"] == []


def test_a_partial_income_record_is_named_month_by_month_with_a_warning(standards, register):
    household = register()
    wage(household, 900, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    wage(household, 600, dt.date(2025, 7, 1), dt.date(2025, 8, 31))
    wage(household, 5000, dt.date(2024, 7, 1), dt.date(2024, 12, 31))  # before the window: not counted
    Expense.objects.create(household=household, kind="medical", amount=1200, period_start=dt.date(2026, 1, 1),
                           period_end=dt.date(2026, 1, 31))
    decision = assessed(household)
    assert decision.all_facts["coverage"] == {
        "income": "2025-07 至 2025-08、2026-04 至 2026-06（评估期 2025-07 至 2026-06 中的 5 个月）",
        "expense": "2026-01（评估期 2025-07 至 2026-06 中的 1 个月）",
        "asset": "截至 2026-06-30"}
    assert decision.all_facts["warnings"] == [
        "收入记录只覆盖评估期 12 个月中的 5 个月（2025-07 至 2025-08、2026-04 至 2026-06）",
        "有 1 条收入记录的期间不在评估期内，未计入"]
    assert decision.all_facts["income"] == 1500.0
    assert decision.all_reasons[0] == "家庭人口 1 人，收入计算期 2025-07-01 至 2026-06-30"  # reasons stay


def test_the_window_follows_the_assessment_date(standards, register):
    """Today is 2026-12-01: the window is 2025-12-02 … 2026-12-01, months named 2025-12 … 2026-11."""
    household = register()
    wage(household, 900, dt.date(2026, 9, 2), dt.date(2026, 12, 1))
    decision = assessed(household, on=dt.date(2026, 12, 1))
    assert decision.all_facts["coverage"]["income"] == "2026-09 至 2026-11（评估期 2025-12 至 2026-11 中的 3 个月）"
    assert decision.all_facts["warnings"] == ["收入记录只覆盖评估期 12 个月中的 3 个月（2026-09 至 2026-11）"]


def test_no_income_record_at_all_is_a_warning(standards, register):
    decision = assessed(register())
    assert decision.all_facts["coverage"]["income"] == "无记录（评估期 2025-07 至 2026-06）"
    assert decision.all_facts["warnings"] == ["评估期 12 个月（2025-07 至 2026-06）内没有收入记录"]


def test_the_household_page_shows_coverage_warnings_and_changes(standards, register, client_for):
    household = register()
    wage(household, 900, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    decision = assessed(household)
    changed = {**decision.facts, "changes": ["2026-06-20 新登记收入 900.00 元（工资性收入）"]}
    TierDecision.objects.filter(pk=decision.pk).update(facts=changed)
    page = client_for("longhui_officer").get(f"/registry/households/{household.pk}/").content.decode()
    assert ("数据覆盖：收入 2026-04 至 2026-06（评估期 2025-07 至 2026-06 中的 3 个月）；刚性支出 无记录（评估期 "
            "2025-07 至 2026-06）；财产 截至 2026-06-30") in page
    assert "<li>收入记录只覆盖评估期 12 个月中的 3 个月（2026-04 至 2026-06）</li>" in page
    assert "认定后数据有变化：</strong><ul><li>2026-06-20 新登记收入 900.00 元（工资性收入）</li>" in page


# ---- Voided rows --------------------------------------------------------------------------------------------

def test_voided_means_test_rows_never_count(standards, register, persona):
    household = register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21),
                                  member("李秀英", "spouse", born=dt.date(1982, 7, 9), seq=22)])
    wage(household, 300 * 2 * 12, *WINDOW)
    voided = {"voided_at": timezone.now(), "voided_by": persona("longhui_officer"), "void_reason": "重复登记"}
    wage(household, 3000 * 2 * 12, *WINDOW, **voided)
    Asset.objects.create(household=household, kind="deposit", value=500_000, recorded_on=WINDOW[0], **voided)
    Asset.objects.create(household=household, kind="vehicle", value=90_000, recorded_on=WINDOW[0], **voided)
    Expense.objects.create(household=household, kind="medical", amount=20_000, period_start=WINDOW[0],
                           period_end=WINDOW[1], **voided)
    decision = assessed(household)
    assert (decision.recommended_tier, decision.per_capita_income) == ("dibao", 300)
    assert {k: decision.all_facts[k] for k in ("income", "deposits", "vehicles", "rigid")} == {
        "income": 7200.0, "deposits": 0.0, "vehicles": 0, "rigid": 0.0}


# ---- Decisions in force -------------------------------------------------------------------------------------

def test_a_batch_run_leaves_a_confirmed_household_alone(dibao_household):
    result = assessment.assess(on=LATER, region=county())
    assert result == {"assessed": 1, "written": 0, "unchanged": 0, "kept": 1, "by_tier": {}, "single_person": 0,
                      "coverage_short": 1, "reused": 0}
    assert list(TierDecision.objects.values_list("status", flat=True)) == ["confirmed"]


def test_a_batch_run_leaves_an_overridden_household_alone(standards, register, persona):
    household = register()
    decision = assessed(household)
    services.tier_decision_override(actor=persona("longhui_approver"), decision=decision, tier="tekun",
                                    reason="入户核实无劳动能力", valid_from=dt.date(2026, 7, 1))
    result = assessment.assess(on=LATER, region=county())
    assert (result["written"], result["kept"]) == (0, 1)
    assert list(TierDecision.objects.values_list("status", "tier")) == [("overridden", "tekun")]


def test_an_expired_decision_is_assessed_again(dibao_household):
    result = assessment.assess(on=dt.date(2027, 7, 31), region=county())  # valid to 2027-06-30
    assert (result["written"], result["kept"]) == (1, 0)
    assert TierDecision.objects.get(status="recommended").facts.get("changes") is None


def test_a_new_income_after_the_decision_brings_a_suggestion_saying_what_changed(dibao_household):
    decision = TierDecision.objects.get(household=dibao_household)
    at = decision.decided_at + dt.timedelta(hours=1)
    wage(dibao_household, 3000, dt.date(2026, 7, 1), dt.date(2026, 9, 30), recorded_at=at)
    IncomeItem.objects.filter(amount=7200).update(voided_at=at + dt.timedelta(minutes=5), void_reason="重复登记")
    result = assessment.assess(on=LATER, region=county())
    assert (result["written"], result["kept"], result["by_tier"]) == (1, 0, {"dibao": 1})
    new = TierDecision.objects.get(status="recommended")
    day = timezone.localtime(at).date().isoformat()
    assert new.all_facts["changes"] == [f"{day} 新登记收入 3,000.00 元（工资性收入）",
                                    f"{day} 作废收入 7,200.00 元（工资性收入）"]
    assert new.all_facts["income"] == 3000.0
    again = assessment.assess(on=LATER, region=county())  # the same inputs: not written twice
    assert (again["written"], again["unchanged"], again["kept"]) == (0, 1, 0)
    assert TierDecision.objects.filter(status="recommended").count() == 1


def test_a_member_joining_after_the_decision_is_a_change(dibao_household, persona):
    decision = TierDecision.objects.get(household=dibao_household)
    services.household_member_add(actor=persona("longhui_officer"), household=dibao_household,
                                  member=member("张小明", "child", born=dt.date(2010, 5, 5), seq=23))
    assessment.assess(on=LATER, region=county())
    changes = TierDecision.objects.get(status="recommended").facts["changes"]
    day = timezone.localdate().isoformat()
    assert f"{day} 张小明 加入本户" in changes
    assert decision.decided_at < timezone.now()


def test_inputs_seen_before_may_be_suggested_again_once_superseded(standards, register):
    """Data changed and changed back: the first suggestion was superseded, so the same inputs are live again."""
    household = register()
    first = assessed(household)
    extra = wage(household, 1200, *WINDOW)
    second = assessed(household)
    extra.voided_at = timezone.now()
    extra.save()
    third = assessed(household)
    assert third.run_key == first.run_key != second.run_key
    assert list(TierDecision.objects.order_by("pk").values_list("status", flat=True)) == [
        "superseded", "superseded", "recommended"]


def test_the_officers_button_assesses_a_household_with_a_decision_in_force(dibao_household, persona):
    """Asked for on purpose, one household gets its suggestion even while its decision is in force."""
    services.tier_assess_household(actor=persona("longhui_officer"), household=dibao_household, on=LATER)
    assert list(TierDecision.objects.order_by("pk").values_list("status", flat=True)) == ["confirmed",
                                                                                           "recommended"]


# ---- The run's summary and history -------------------------------------------------------------------------

def test_the_summary_is_chinese_with_no_codes():
    counts = {"assessed": 3680, "written": 401, "unchanged": 3000, "kept": 200,
              "by_tier": {"dibao": 312, "tekun": 40, "near_dibao": 88, "none": 3040, "relapse_watch": 0},
              "single_person": 6, "coverage_short": 15}
    assert assessment.summary(counts) == (
        "评估 3,680 户：建议低保 312 户 / 特困 40 户 / 低保边缘 88 户 / 不符合 3,040 户；\n"
        "单人户单独纳入低保 6 人；\n未重新建议（认定在有效期内、数据未变）200 户；\n收入记录覆盖不足 15 户；\n"
        "新生成建议 401 条，与待审批建议相同未重复生成 3,000 条。")


@pytest.mark.django_db(transaction=True)
def test_the_assessment_page_lists_this_users_runs_with_their_chinese_result(dibao_household, client_for, settings,
                                                                             persona,
                                                                             django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    officer = client_for("longhui_officer")
    with django_capture_on_commit_callbacks(execute=True):
        officer.post("/registry/assessment/", {"region": COUNTY_A, "on": "2026-09-30"})
    run = TaskRun.objects.get()
    assert run.summary == ("评估 1 户：建议低保 0 户 / 特困 0 户 / 低保边缘 0 户 / 不符合 0 户；\n"
                           "未重新建议（认定在有效期内、数据未变）1 户；\n收入记录覆盖不足 1 户；\n"
                           "新生成建议 0 条，与待审批建议相同未重复生成 0 条。")
    page = officer.get("/registry/assessment/").content.decode()
    assert ('<td data-label="区划">湖南省邵阳市隆回县</td>' in page and "已完成" in page
            and f'href="/tasks/{run.pk}/"' in page)
    assert "未重新建议（认定在有效期内、数据未变）1 户；<br>" in page
    assert "dibao" not in page and "none" not in page
    assert "还没有发起过分层评估" in client_for("longhui_approver").get("/registry/assessment/").content.decode()
