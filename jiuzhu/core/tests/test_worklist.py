"""Home pages as work lists (core/worklist.py + each app's worklist.py): counts scoped, exact, capped, ordered."""

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from conftest import VILLAGE_A, VILLAGE_B
from jiuzhu.core import worklist
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region, TaskRun, TaskRunStatus

# Core's tests reach the registry's models through the app registry (core never imports registry).
AssistanceGrant = apps.get_model("registry", "AssistanceGrant")
Household = apps.get_model("registry", "Household")
Person = apps.get_model("registry", "Person")
TierDecision = apps.get_model("registry", "TierDecision")


TODAY = dt.date.today()


def decide(household, status="recommended", **extra):
    return TierDecision.objects.create(household=household, assessed_on=TODAY, recommended_tier="dibao",
                                       tier="dibao", status=status, **extra)


def household(village: str, name: str, seq: int) -> Household:
    """A household with its head, written directly (the work list reads; registration is tested elsewhere)."""
    region = Region.objects.get(code=village)
    number = make_id_number(village[:6], dt.date(1970, 5, 17), seq)
    hh = Household.objects.create(region=region, address=f"{name}家", hukou_type="rural")
    head = Person.objects.create(household=hh, region=region, name=name, sex="M", birth_date=dt.date(1970, 5, 17),
                                 id_number_cipher=encrypt_text(number), id_number_hash=keyed_hash(number))
    Household.objects.filter(pk=hh.pk).update(head=head)
    hh.head = head
    return hh


@pytest.fixture
def two_counties(world):
    return household(VILLAGE_A, "张一", 31), household(VILLAGE_A, "张二", 33), household(VILLAGE_B, "李一", 35)


def by_label(actor) -> dict:
    return {wi.label: wi for wi in worklist.work_items(actor)}


def test_pending_decisions_are_counted_in_the_approvers_county_only(two_counties, persona):
    a1, a2, b1 = two_counties
    decide(a1)
    decide(a2)
    decide(b1)
    decide(b1)
    decide(b1)
    decide(a1, status="confirmed")  # not pending
    item = by_label(persona("longhui_approver"))["待审批的分层认定"]
    assert (item.count, item.urgency, item.url) == (2, "normal", "/registry/queue/")
    assert by_label(persona("dongkou_approver"))["待审批的分层认定"].count == 3
    # Officers do not decide tiers: no approval line for them.
    assert "待审批的分层认定" not in by_label(persona("longhui_officer"))


def test_a_suggestion_waiting_over_30_days_makes_the_approvals_due(two_counties, persona):
    a1, _, b1 = two_counties
    decide(b1, created_at=timezone.now() - dt.timedelta(days=40))  # another county's: does not count
    decide(a1, created_at=timezone.now() - dt.timedelta(days=29))
    assert by_label(persona("longhui_approver"))["待审批的分层认定"].urgency == "normal"
    decide(a1, created_at=timezone.now() - dt.timedelta(days=31))
    item = by_label(persona("longhui_approver"))["待审批的分层认定"]
    assert (item.count, item.urgency, item.hint) == (2, "due", "有建议已等待超过 30 天，请尽快审批")


def test_decisions_expiring_within_30_days(two_counties, persona):
    a1, a2, b1 = two_counties
    decide(a1, status="confirmed", valid_to=TODAY + dt.timedelta(days=30))
    decide(a2, status="overridden", valid_to=TODAY)
    decide(a2, status="confirmed", valid_to=TODAY + dt.timedelta(days=31))  # later
    decide(a2, status="confirmed", valid_to=TODAY - dt.timedelta(days=1))  # already ended
    decide(a2, status="superseded", valid_to=TODAY + dt.timedelta(days=3))  # not in force
    decide(b1, status="confirmed", valid_to=TODAY + dt.timedelta(days=3))  # other county
    for username in ("longhui_officer", "longhui_approver"):
        item = by_label(persona(username))["30 天内到期、需复核的认定"]
        assert (item.count, item.urgency) == (2, "due")
    assert "30 天内到期、需复核的认定" not in by_label(persona("longhui_window"))


def test_suggestions_with_coverage_warnings(two_counties, persona):
    a1, a2, b1 = two_counties
    decide(a1, facts={"warnings": ["收入记录只覆盖评估期 12 个月中的 3 个月（2026-09 至 2026-11）"]})
    decide(a2, facts={"warnings": []})
    decide(a2, facts={"coverage": {}})
    decide(a1, status="confirmed", facts={"warnings": ["…"]})
    decide(b1, facts={"warnings": ["…"]})
    line = by_label(persona("longhui_approver"))["收入记录覆盖不足的待审认定"]
    assert line.count == 1


def test_the_coverage_line_is_shown_only_to_those_its_link_opens_for(two_counties, persona, client_for):
    """The line links to the approver's queue: an officer who runs assessments but does not decide them would be
    refused there, so the line is not on the officer's home page (the queue's 403 proves the guard is needed)."""
    a1, _, _ = two_counties
    decide(a1, facts={"warnings": ["收入记录只覆盖评估期 12 个月中的 3 个月（2026-09 至 2026-11）"]})
    url = by_label(persona("longhui_approver"))["收入记录覆盖不足的待审认定"].url
    assert client_for("longhui_approver").get(url).status_code == 200
    assert client_for("longhui_officer").get(url).status_code == 403
    assert "收入记录覆盖不足的待审认定" not in by_label(persona("longhui_officer"))


def test_grants_paid_after_death(two_counties, persona):
    a1, _, b1 = two_counties
    org = persona("longhui_officer").organization
    for household in (a1, b1):
        head = household.head
        AssistanceGrant.objects.create(household=household, person=head, category="basic_living",
                                       monthly_amount=500, period_start=TODAY - dt.timedelta(days=90),
                                       granting_organization=org)
        Person.objects.filter(pk=head.pk).update(death_date=TODAY - dt.timedelta(days=10))
    item = by_label(persona("longhui_officer"))["已死亡人员仍在发放的救助"]
    assert (item.count, item.urgency, item.url) == (1, "due", "/registry/report/assistance/")


def test_counts_are_capped(two_counties, persona, monkeypatch):
    a1, _, _ = two_counties
    for _ in range(3):
        decide(a1)
    monkeypatch.setattr(worklist, "COUNT_CAP", 2)
    count, capped = worklist.capped_count(TierDecision.objects.all(), cap=2)
    assert (count, capped) == (2, True)
    assert worklist.capped_count(TierDecision.objects.all(), cap=3) == (3, False)
    item = worklist.item("x", TierDecision.objects.all(), "/")
    assert (item.count, item.capped, item.shown_count) == (2, True, "2+")
    assert worklist.COUNT_CAP == 2 and worklist.capped_count(TierDecision.objects.none()) == (0, False)


def test_failed_task_runs_of_the_user_only_and_due_first(two_counties, persona):
    officer = persona("longhui_officer")
    approver = persona("longhui_approver")
    a1, _, _ = two_counties
    decide(a1, status="confirmed", valid_to=TODAY + dt.timedelta(days=3))
    TaskRun.objects.create(kind="registry.tier_assessment", title="评估", owner=officer, region=officer.region,
                           status=TaskRunStatus.FAILED)
    TaskRun.objects.create(kind="registry.tier_assessment", title="评估", owner=approver, region=officer.region,
                           status=TaskRunStatus.FAILED)
    TaskRun.objects.create(kind="registry.tier_assessment", title="评估", owner=officer, region=officer.region,
                           status=TaskRunStatus.FAILED, created_at=timezone.now() - dt.timedelta(days=8))
    items = worklist.work_items(officer)
    assert {(i.label, i.count, i.urgency) for i in items[:2]} == {("30 天内到期、需复核的认定", 1, "due"),
                                                                 ("失败的后台任务（近 7 天）", 1, "due")}
    assert [i.count for i in items[2:]] == [0] * len(items[2:])  # the empty lines come last


def test_home_page_lists_the_work_with_counts_and_links(two_counties, persona, client_for):
    a1, _, b1 = two_counties
    decide(a1)
    decide(b1)
    html = client_for("longhui_approver").get("/").content.decode()
    assert '<span class="count">1</span><span class="what"><strong>待审批的分层认定</strong>' in html
    assert 'href="/registry/queue/"' in html
    assert "目前没有待办事项" not in html


def test_empty_home_page_says_what_to_do_next(world, client_for):
    html = client_for("longhui_officer").get("/").content.decode()
    assert "目前没有待办事项。" in html
    assert '<a class="button" href="/registry/import/">导入花名册</a>' in html
    assert '<a class="button" href="/registry/households/new/">登记家庭</a>' in html


def test_an_officer_with_households_is_not_told_to_import(two_counties, client_for):
    html = client_for("longhui_officer").get("/").content.decode()
    assert "导入花名册</a>" not in html
    assert '<a class="button" href="/registry/households/new/">登记家庭</a>' in html


def test_locked_accounts_for_administrators(world, persona, monkeypatch):
    from jiuzhu.core import auth

    officer = persona("longhui_officer")
    monkeypatch.setattr(auth, "sign_in_locks", lambda actor: [{"user": officer}, {"user": officer}])
    item = by_label(persona("longhui_admin"))["被锁定的账号"]
    assert (item.count, item.urgency, item.url) == (1, "due", "/sign-in-locks/")
    assert "被锁定的账号" not in by_label(persona("longhui_auditor"))


def test_disclosure_alerts_for_auditors(world, persona):
    from jiuzhu.core.models import AuditLog

    officer = persona("longhui_officer")
    AuditLog.objects.create(action="disclosure_limit", actor=officer, username=officer.username,
                            organization=officer.organization)
    dongkou = persona("dongkou_officer")
    AuditLog.objects.create(action="disclosure_limit", actor=dongkou, username=dongkou.username,
                            organization=dongkou.organization)
    item = by_label(persona("longhui_auditor"))["越权查询超限记录（近 30 天）"]
    assert (item.count, item.url) == (1, "/audit/?action=disclosure_limit")


def test_next_steps_of_auditors_and_administrators(world, client_for):
    auditor = client_for("longhui_auditor").get("/").content.decode()
    assert '<a class="button" href="/audit/">查询审计日志</a>' in auditor
    assert '<a class="button" href="/users/">用户管理</a>' in client_for("longhui_admin").get("/").content.decode()
