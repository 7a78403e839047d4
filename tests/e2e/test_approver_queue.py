"""审批 clears three items from the queue (issue 14), on a desk and a phone: filters by a township, opens one
decision beside its evidence and confirms it; ticks two others and confirms them through the confirmation step;
overrides one with a reason; takes the first confirmation back (撤销, it returns to the queue). Three items stay
cleared, one by override, and the queue's count drops by three."""

import datetime as dt

import pytest

from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import User
from jiuzhu.registry.models import IncomeItem, TierDecision
from jiuzhu.registry.services import household_register
from tests.e2e.conftest import open_menu, shooter, sign_in

TAOHONG_VILLAGE = "430524100200"  # 桃洪镇 红星社区
OTHER_VILLAGE = "430524101200"  # 小沙江镇
NAMES = ["王德明", "刘桂兰", "陈国强", "赵秀珍", "周建华"]


@pytest.fixture
def queue(world):
    """Five pending suggestions in 桃洪镇 and one in 小沙江镇, as the assessment writes them."""
    officer = User.objects.select_related("region", "organization").get(username="longhui_officer")
    decisions = []
    for n, (name, village) in enumerate([*zip(NAMES, [TAOHONG_VILLAGE] * 5, strict=True),
                                         ("孙立新", OTHER_VILLAGE)]):
        number = make_id_number("430524", dt.date(1960 + n, 3, 1), 41 + 2 * n)
        household = household_register(actor=officer, household={
            "region_code": village, "address": f"{n + 1}组{n + 10}号", "hukou_type": "rural"},
            members=[{"id_number": number, "name": name, "relation": "head"}])
        monthly = 250 + 50 * n
        IncomeItem.objects.create(household=household, kind="wage", amount=monthly * 12,
                                  period_start=dt.date(2025, 12, 1), period_end=dt.date(2026, 11, 30))
        decisions.append(TierDecision.objects.create(
            household=household, assessed_on=dt.date(2026, 11, 30), recommended_tier="dibao", tier="dibao",
            members=1, per_capita_income=monthly, dibao_standard=600,
            facts={"window_start": "2025-12-01", "income": monthly * 12},
            reasons=["家庭人口 1 人，收入计算期 2025-12-01 至 2026-11-30",
                     f"人均月收入 {monthly} 元，低于低保标准 600 元",
                     "人均存款 0 元，未超过上限 14400 元（24 个月低保标准）"]))
    return decisions


shot = shooter("approver-queue")


def count(page) -> int:
    return int(page.locator("#queue-count strong").inner_text())


def test_approver_clears_three_items_one_by_override(page, queue):
    sign_in(page, "longhui_approver")
    open_menu(page, "审批队列")
    before = count(page)
    assert before == 6
    shot(page, "1-list")

    page.get_by_label("乡镇（街道）").select_option(label="桃洪镇")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert count(page) == 5
    assert page.locator("tbody tr").filter(has_text="孙立新").count() == 0
    shot(page, "2-township")

    # One decision opened beside its evidence, confirmed.
    with page.expect_navigation():
        page.locator("tbody tr").filter(has_text=NAMES[0]).get_by_role("link", name="查看依据").click()
    assert page.get_by_role("heading", name="家庭成员").is_visible()
    assert page.get_by_text("人均月收入 250 元，低于低保标准 600 元").is_visible()
    shot(page, "3-decision")
    page.get_by_label("有效期起", exact=True).fill("2026-12-01")
    with page.expect_navigation():
        page.get_by_role("button", name="确认", exact=True).click()
    # The confirmation step: the tier and the date named, nothing decided yet.
    assert page.get_by_role("heading", name="请再次确认").is_visible()
    assert page.get_by_text("有效期自 2026-12-01 起").is_visible()
    shot(page, "3b-confirm-one")
    with page.expect_navigation():
        page.get_by_role("button", name="确定确认").click()
    assert page.get_by_text(f"已确认：户号 {queue[0].household_id}").is_visible()
    assert count(page) == 4  # still filtered by 桃洪镇

    # Two ticked and confirmed through the confirmation step.
    for name in NAMES[1:3]:
        page.locator("tbody tr").filter(has_text=name).get_by_label("选择").check()
    with page.expect_navigation():
        page.get_by_role("button", name="确认所选").click()
    assert page.get_by_text("以下 2 户将按建议层级确认").is_visible()
    shot(page, "4-confirm-step")
    with page.expect_navigation():
        page.get_by_role("button", name="确认", exact=True).click()
    assert page.get_by_text("已确认 2 户的层级认定").is_visible()
    assert count(page) == 2

    # One overridden with a reason; a missing reason first comes back red with the choice kept.
    with page.expect_navigation():
        page.locator("tbody tr").filter(has_text=NAMES[3]).get_by_role("link", name="查看依据").click()
    page.get_by_label("改定层级").select_option(label="低保边缘家庭")
    page.get_by_label("改定理由").fill("太短")
    with page.expect_navigation():
        page.get_by_role("button", name="改定").click()
    assert page.locator(".error").inner_text() == "改定层级须写明理由（至少 5 个字）"
    assert page.get_by_label("改定层级").input_value() == "near_dibao"
    shot(page, "5-override-refused")
    page.get_by_label("改定理由").fill("入户核实家庭有稳定务工收入")
    with page.expect_navigation():
        page.get_by_role("button", name="改定").click()
    assert page.get_by_text(f"已改定：户号 {queue[3].household_id}").is_visible()

    # The first confirmation taken back (it returns to the queue): three items stay cleared, one by override.
    page.locator(".queue-recent summary").click()
    with page.expect_navigation():
        page.locator(".queue-recent").get_by_role("link", name=f"户号 {queue[0].household_id}").click()
    page.get_by_label("撤销理由").fill("有效期起填错，重新审批")
    with page.expect_navigation():
        page.get_by_role("button", name="撤销审批").click()
    assert page.get_by_text(f"已撤销审批：户号 {queue[0].household_id} 重新进入审批队列").is_visible()

    open_menu(page, "审批队列")
    assert count(page) == before - 3
    shot(page, "6-after")
    statuses = dict(TierDecision.objects.filter(pk__in=[d.pk for d in queue]).values_list("pk", "status"))
    assert [statuses[d.pk] for d in queue] == ["recommended", "confirmed", "confirmed", "overridden", "recommended",
                                               "recommended"]
    assert TierDecision.objects.get(pk=queue[3].pk).tier == "near_dibao"
