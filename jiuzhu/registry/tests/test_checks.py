"""Duplicate and excessive assistance: each check when saving, and as a report over the jurisdiction."""

import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Event
from jiuzhu.registry import selectors
from jiuzhu.registry.models import AssistanceGrant, Person
from jiuzhu.registry.services import grant_create, person_update


def grant(persona, household, acknowledge=False, **data):
    """A grant by the county officer; amounts and dates written as an officer types them."""
    typed = {"category": "basic_living", "monthly_amount": "600", "period_start": "2026-07-01", **data}
    for key in ("monthly_amount", "once_amount"):
        typed[key] = Decimal(typed[key]) if typed.get(key) else None
    for key in ("period_start", "period_end"):
        typed[key] = dt.date.fromisoformat(typed[key]) if typed.get(key) else None
    return grant_create(actor=persona("longhui_officer"), household=household, acknowledge=acknowledge, **typed)


def test_a_clean_grant_saves_and_is_on_the_chain(dibao_household, persona):
    saved = grant(persona, dibao_household)
    assert saved.pk and saved.granting_organization.name == "隆回县民政局"
    event = Event.objects.get(kind="registry.grant_created", household_id=dibao_household.pk)
    assert "基本生活救助：每月 600 元" in event.summary


def test_same_category_overlapping_period_is_flagged_before_saving(dibao_household, persona):
    grant(persona, dibao_household, period_end="2026-12-31")
    with pytest.raises(DomainError) as exc:
        grant(persona, dibao_household, period_start="2026-12-01")
    assert exc.value.code == "needs_acknowledgement" and "重复救助" in exc.value.message
    assert AssistanceGrant.objects.count() == 1  # nothing saved
    grant(persona, dibao_household, period_start="2027-01-01")  # the day after: no overlap
    assert AssistanceGrant.objects.count() == 2


def test_acknowledged_findings_are_saved_and_recorded(dibao_household, persona):
    grant(persona, dibao_household)
    second = grant(persona, dibao_household, acknowledge=True, period_start="2026-08-01")
    event = Event.objects.get(kind="registry.grant_created", subject_id=str(second.pk))
    assert "已知悉提示" in event.summary and event.payload["findings"]


def test_amount_above_standard_times_members_is_excessive(dibao_household, persona):
    grant(persona, dibao_household, monthly_amount="1200")  # 600 × 2: the ceiling itself is allowed
    with pytest.raises(DomainError) as exc:
        grant(persona, dibao_household, monthly_amount="1200.01", period_start="2027-08-01")
    assert "超过按低保标准计算的上限" in exc.value.message


def test_category_the_tier_does_not_open(dibao_household, persona):
    with pytest.raises(DomainError) as exc:
        grant(persona, dibao_household, category="destitute_support", monthly_amount="800")
    assert "认定层级不享受该类别救助" in exc.value.message


def test_grant_without_tier_in_force(register, persona, standards):
    household = register()
    with pytest.raises(DomainError) as exc:
        grant(persona, household)
    assert "无有效层级认定" in exc.value.message
    grant(persona, household, category="temporary", monthly_amount="", once_amount="2000")  # 临时救助 is fine


def test_grant_running_after_death_shows_in_the_report(dibao_household, persona):
    wife = Person.objects.get(name="李秀英")
    grant(persona, dibao_household, person_id=wife.pk, category="medical", monthly_amount="", once_amount="500")
    person_update(actor=persona("longhui_officer"), person=wife, changes={"death_date": "2026-09-01"})
    rows = selectors.assistance_report(actor=persona("longhui_officer"))
    assert [r["check"] for r in rows] == ["after_death"]
    assert rows[0]["grant"].person == wife
    assert selectors.assistance_report(actor=persona("dongkou_officer")) == []  # other county sees nothing


def test_report_page_lists_findings_for_the_jurisdiction_only(dibao_household, persona, client_for):
    grant(persona, dibao_household, period_end="2026-12-31")
    grant(persona, dibao_household, acknowledge=True, period_start="2026-10-01")
    html = client_for("longhui_approver").get("/registry/report/assistance/").content.decode()
    assert html.count("重复救助") == 2
    other = client_for("dongkou_approver").get("/registry/report/assistance/").content.decode()
    assert "未发现重复或过度救助" in other
    b = persona("dongkou_officer")
    assert not selectors.grants_in_scope(b).exists()


def test_stopping_a_grant_needs_a_reason_and_a_real_date(dibao_household, persona, client_for):
    saved = grant(persona, dibao_household)
    officer = client_for("longhui_officer")
    bad = officer.post(f"/registry/grants/{saved.pk}/stop/", {"end_date": "2026-02-30", "reason": "已就业"},
                       follow=True)
    assert "终止日期" in bad.content.decode() and "不存在" in bad.content.decode()
    officer.post(f"/registry/grants/{saved.pk}/stop/", {"end_date": "2026-09-30", "reason": "家庭成员已稳定就业"})
    saved.refresh_from_db()
    assert saved.status == "ended" and saved.period_end == dt.date(2026, 9, 30)
    assert Event.objects.filter(kind="registry.grant_ended", household_id=dibao_household.pk).exists()
    assert client_for("dongkou_officer").post(f"/registry/grants/{saved.pk}/stop/",
                                              {"reason": "x"}).status_code == 404
