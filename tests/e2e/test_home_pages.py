"""Each county role's home page is its work list (issue 14), on a desk and a phone: signs in, no English, no
sideways scroll (the guards of conftest.py), a compact header on the phone with the menu folded behind 菜单,
tap targets of 44 px. Screenshots: var/screenshots/home-<role>-<viewport>.png."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import VILLAGE_A, VILLAGE_B
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region, TaskRun, TaskRunStatus, User
from jiuzhu.registry.models import AssistanceGrant, Household, Person, TierDecision
from tests.e2e.conftest import SCREENSHOTS, open_site_menu, sign_in

ROLES = ["window", "officer", "approver", "clerk", "coordinator", "station", "stationmgr", "analyst", "auditor",
         "admin"]
TODAY = dt.date.today()


def _household(village: str, name: str, seq: int) -> Household:
    region = Region.objects.get(code=village)
    number = make_id_number(village[:6], dt.date(1968, 4, 2), seq)
    hh = Household.objects.create(region=region, address=f"{region.name}{seq}号", hukou_type="rural")
    head = Person.objects.create(household=hh, region=region, name=name, sex="F", birth_date=dt.date(1968, 4, 2),
                                 id_number_cipher=encrypt_text(number), id_number_hash=keyed_hash(number))
    Household.objects.filter(pk=hh.pk).update(head=head)
    hh.head = head
    return hh


def _decision(household, status="recommended", **extra):
    return TierDecision.objects.create(household=household, assessed_on=TODAY, recommended_tier="dibao",
                                       tier="dibao", status=status, **extra)


@pytest.fixture
def work(world):
    """County A: 3 suggestions waiting (one for 40 days, one with a coverage warning), 1 decision expiring in
    10 days, a grant still paid to a person who died, the officer's failed assessment run. County B: 2
    suggestions (never counted in county A)."""
    a = [_household(VILLAGE_A, name, 30 + i) for i, name in enumerate(["王桂兰", "刘德明", "陈秀英", "赵春生"])]
    b = [_household(VILLAGE_B, name, 50 + i) for i, name in enumerate(["周玉珍", "吴国强"])]
    _decision(a[0], created_at=timezone.now() - dt.timedelta(days=40))
    _decision(a[1], facts={"warnings": ["收入记录只覆盖评估期 12 个月中的 3 个月"]})
    _decision(a[2])
    _decision(a[3], status="confirmed", valid_to=TODAY + dt.timedelta(days=10))
    for household in b:
        _decision(household)
    officer = User.objects.get(username="longhui_officer")
    AssistanceGrant.objects.create(household=a[3], person=a[3].head, category="basic_living", monthly_amount=450,
                                   period_start=TODAY - dt.timedelta(days=200),
                                   granting_organization=officer.organization)
    Person.objects.filter(pk=a[3].head_id).update(death_date=TODAY - dt.timedelta(days=20))
    TaskRun.objects.create(kind="registry.tier_assessment", title="分层评估（隆回县）", owner=officer,
                           region=officer.region, status=TaskRunStatus.FAILED, error="评估失败：缺少低保标准")


EXPECTED = {  # role -> the work list's lines with something to do, in the order shown
    "officer": [("30 天内到期、需复核的认定", "1"), ("已死亡人员仍在发放的救助", "1"),
                ("失败的后台任务（近 7 天）", "1")],  # the coverage line links to the queue: approvers only
    "approver": [("待审批的分层认定", "3"), ("30 天内到期、需复核的认定", "1"), ("已死亡人员仍在发放的救助", "1"),
                 ("收入记录覆盖不足的待审认定", "1")],
}


@pytest.mark.parametrize("role", ROLES)
def test_home_page_of_each_role(page, work, role):
    sign_in(page, f"longhui_{role}")
    assert page.url == page.base_url + "/"
    assert page.get_by_role("heading", name="待办事项").is_visible()
    items = page.locator(".work-item")
    shown = [(items.nth(i).locator("strong").inner_text(), items.nth(i).locator(".count").inner_text())
             for i in range(items.count())]
    if role in EXPECTED:
        assert sorted(shown) == sorted(EXPECTED[role])
        due = [items.nth(i).get_attribute("class") for i in range(items.count())]
        assert due == sorted(due, key=lambda c: "due" not in c)  # overdue lines first
    if not shown:
        assert page.locator(".empty-state").inner_text().startswith("目前没有待办事项。")

    if page.guard.viewport == "phone":
        header = page.locator(".topbar").bounding_box()
        assert header["height"] <= 56, header
        nav = page.get_by_role("navigation", name="主导航")
        assert not nav.is_visible()  # folded behind 菜单
        toggle = page.get_by_role("button", name="菜单")
        assert toggle.bounding_box()["height"] >= 44
        open_site_menu(page)
        assert nav.is_visible()
        links = nav.get_by_role("link")
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box["height"] >= 44, (links.nth(i).inner_text(), box)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"home-{role}-phone-menu.png")
        toggle.click()
        assert not nav.is_visible()
        for i in range(items.count()):
            assert items.nth(i).locator("a").bounding_box()["height"] >= 44
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"home-{role}-{page.guard.viewport}.png", full_page=True)
