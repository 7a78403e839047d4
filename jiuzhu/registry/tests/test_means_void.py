"""Voiding a means-test entry with a reason (issue 14: "a duplicate 3,000 income stays forever"). The row is
never deleted; it stays on the page struck through and on the chain; totals ignore it. Each guard has a test
that fails without it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from conftest import VILLAGE_A2, member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.registry import selectors, services
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import Asset, Expense, IncomeItem


@pytest.fixture
def household(register):
    return register("longhui_coordinator", members=[member("张建国", "head", seq=21),
                                                    member("李秀英", "spouse", born=dt.date(1972, 1, 9), seq=22)])


def _income(persona, household, amount=3000, username="longhui_coordinator"):
    return services.means_record(actor=persona(username), household=household, item="income", kind="wage",
                                 amount=Decimal(amount), period_start=dt.date(2026, 1, 1),
                                 period_end=dt.date(2026, 12, 31))


def _void(persona, household, record, *, username="longhui_coordinator", item="income", reason="重复登记"):
    return services.means_void(actor=persona(username), household=household, item=item, item_id=record.pk,
                               reason=reason)


def test_a_voided_income_keeps_its_row_with_who_when_why(persona, household):
    income = _income(persona, household)
    _void(persona, household, income, reason="  与 11 月那条 重复登记 ")
    income.refresh_from_db()
    assert income.voided_by == persona("longhui_coordinator")
    assert income.void_reason == "与 11 月那条 重复登记"
    assert income.voided_at is not None
    assert IncomeItem.objects.filter(pk=income.pk).count() == 1  # never deleted


def test_voiding_writes_one_event_on_the_chain(persona, household):
    income = _income(persona, household)
    _void(persona, household, income)
    events = Event.objects.filter(kind=RegistryEvent.MEANS_ITEM_VOIDED)
    assert [(e.household_id, e.subject_type, e.subject_id, e.summary, e.payload) for e in events] == [
        (household.pk, "registry.incomeitem", str(income.pk),
         "家计调查：作废收入 工资性收入 3000 元（2026-01-01 至 2026-12-31）；理由：重复登记",
         {"item": "income", "item_id": income.pk, "reason": "重复登记"})]
    assert events.get().actor == persona("longhui_coordinator")


def test_voiding_writes_an_audit_row(persona, household):
    income = _income(persona, household)
    before = AuditLog.objects.filter(action="update").count()
    _void(persona, household, income)
    rows = AuditLog.objects.filter(action="update").order_by("pk")[before:]
    assert [(r.object_type, r.object_id, r.person_id, r.detail["changes"]["void_reason"]) for r in rows] == [
        ("registry.incomeitem", str(income.pk), household.head_id, "重复登记")]


@pytest.mark.parametrize("username", ["longhui_approver", "longhui_analyst", "longhui_clerk", "longhui_auditor"])
def test_voiding_needs_the_edit_capability(persona, household, username):
    income = _income(persona, household)
    with pytest.raises(PermissionDenied) as exc:
        _void(persona, household, income, username=username)
    assert str(exc.value) == "您没有“登记、修改家庭及家计调查”的权限"
    income.refresh_from_db()
    assert (income.voided_at, income.void_reason) == (None, "")
    assert not Event.objects.filter(kind=RegistryEvent.MEANS_ITEM_VOIDED).exists()


@pytest.mark.parametrize("username", ["dongkou_officer", "dongkou_coordinator"])
def test_voiding_in_another_county_is_refused(persona, household, username):
    income = _income(persona, household)
    with pytest.raises(DomainError) as exc:
        _void(persona, household, income, username=username)
    assert (exc.value.code, exc.value.message) == ("out_of_scope", "该家庭不在您的管辖范围内")
    income.refresh_from_db()
    assert income.voided_at is None


def test_a_coordinator_voids_only_in_their_village(persona, register):
    elsewhere = register("longhui_officer", village=VILLAGE_A2)
    income = _income(persona, elsewhere, username="longhui_officer")
    with pytest.raises(DomainError) as exc:
        _void(persona, elsewhere, income)
    assert exc.value.code == "out_of_scope"
    _void(persona, elsewhere, income, username="longhui_officer")  # the county officer may


@pytest.mark.parametrize("reason", ["", " ", "错", "  错  "])
def test_a_reason_of_two_characters_is_required(persona, household, reason):
    income = _income(persona, household)
    with pytest.raises(DomainError) as exc:
        _void(persona, household, income, reason=reason)
    assert (exc.value.code, exc.value.field, exc.value.message) == (
        "validation_error", "reason", "请写明作废理由（至少 2 个字）")
    income.refresh_from_db()
    assert income.voided_at is None


def test_an_entry_is_voided_once(persona, household):
    income = _income(persona, household)
    _void(persona, household, income, reason="重复登记")
    first = IncomeItem.objects.get(pk=income.pk).voided_at
    with pytest.raises(DomainError) as exc:
        _void(persona, household, income, username="longhui_officer", reason="另一个理由")
    assert exc.value.code == "invalid_status"
    assert exc.value.message.startswith("这条收入记录已于 ")
    assert exc.value.message.endswith("由红星社区社会救助协理员作废")
    income.refresh_from_db()
    assert (income.voided_at, income.void_reason, income.voided_by.username) == (first, "重复登记",
                                                                                 "longhui_coordinator")
    assert Event.objects.filter(kind=RegistryEvent.MEANS_ITEM_VOIDED).count() == 1


def test_an_entry_of_another_household_cannot_be_voided_through_this_one(persona, household, register):
    other = register("longhui_coordinator", members=[member("王五", "head", seq=31)])
    income = _income(persona, other)
    with pytest.raises(DomainError) as exc:
        _void(persona, household, income)
    assert (exc.value.code, exc.value.message) == ("not_found", "本户没有这条收入记录")
    income.refresh_from_db()
    assert income.voided_at is None


def test_unknown_item_kind_is_refused(persona, household):
    income = _income(persona, household)
    with pytest.raises(DomainError) as exc:
        _void(persona, household, income, item="grant")
    assert exc.value.field == "item"


def test_assets_and_expenses_are_voided_too(persona, household):
    asset = services.means_record(actor=persona("longhui_coordinator"), household=household, item="asset",
                                  kind="vehicle", value=Decimal(50000), description="湘E·12345")
    expense = services.means_record(actor=persona("longhui_coordinator"), household=household, item="expense",
                                    kind="medical", amount=Decimal(8000), period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 6, 30))
    _void(persona, household, asset, item="asset", reason="车辆已过户")
    _void(persona, household, expense, item="expense", reason="票据重复")
    assert Asset.objects.get(pk=asset.pk).void_reason == "车辆已过户"
    assert Expense.objects.get(pk=expense.pk).void_reason == "票据重复"
    summaries = list(Event.objects.filter(kind=RegistryEvent.MEANS_ITEM_VOIDED).order_by("pk")
                     .values_list("summary", flat=True))
    assert summaries == ["家计调查：作废财产 机动车辆 价值 50000 元 湘E·12345；理由：车辆已过户",
                         "家计调查：作废刚性支出 医疗自付 8000 元（2026-01-01 至 2026-06-30）；理由：票据重复"]


def test_totals_ignore_voided_entries_but_the_list_keeps_them(persona, household):
    keep = _income(persona, household, amount=1200)
    wrong = _income(persona, household, amount=3000)
    _void(persona, household, wrong)
    shown = selectors.means_items(actor=persona("longhui_coordinator"), household=household)
    assert shown["means_totals"]["income"] == Decimal("1200.00")
    assert [(i.pk, i.voided_at is not None) for i in shown["incomes"]] == [(keep.pk, False), (wrong.pk, True)]


# ---- The page --------------------------------------------------------------------------------------

def test_the_page_voids_with_a_reason_and_shows_the_row_struck_through(persona, household, client_for):
    income = _income(persona, household)
    client = client_for("longhui_coordinator")
    url = f"/registry/households/{household.pk}/means/income/{income.pk}/void/"
    response = client.post(url, {"reason": "重复登记"})
    assert response.status_code == 302
    assert response["Location"] == f"/registry/households/{household.pk}/#means"
    page = client.get(f"/registry/households/{household.pk}/").content.decode()
    assert '<tr class="voided"' in page
    assert "已作废" in page and "理由：重复登记" in page
    assert "有效收入合计 0 元" in page


def test_the_page_keeps_the_reason_field_open_with_the_error(persona, household, client_for):
    income = _income(persona, household)
    response = client_for("longhui_coordinator").post(
        f"/registry/households/{household.pk}/means/income/{income.pk}/void/", {"reason": "错"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "请写明作废理由（至少 2 个字）" in page
    assert 'value="错"' in page
    income.refresh_from_db()
    assert income.voided_at is None


def test_the_page_answers_404_for_another_countys_household(persona, household, client_for):
    income = _income(persona, household)
    response = client_for("dongkou_coordinator").post(
        f"/registry/households/{household.pk}/means/income/{income.pk}/void/", {"reason": "重复登记"})
    assert response.status_code == 404
    income.refresh_from_db()
    assert income.voided_at is None


def test_of_two_officers_voiding_at_once_one_wins(persona, household, monkeypatch):
    """The officer whose page still showed the entry as in force is told it was voided meanwhile."""
    from django.db.models import QuerySet

    income = _income(persona, household)
    stale = IncomeItem.objects.get(pk=income.pk)  # read before the other officer's void commits
    _void(persona, household, income, reason="第一个理由")
    first = QuerySet.first
    monkeypatch.setattr(QuerySet, "first", lambda qs: stale if qs.model is IncomeItem else first(qs))
    with pytest.raises(DomainError) as exc:
        _void(persona, household, income, username="longhui_officer", reason="第二个理由")
    assert (exc.value.code, exc.value.message) == ("invalid_status", "这条收入记录已被作废")
    income.refresh_from_db()
    assert (income.void_reason, income.voided_by.username) == ("第一个理由", "longhui_coordinator")
    assert Event.objects.filter(kind=RegistryEvent.MEANS_ITEM_VOIDED).count() == 1
