"""The safety-net fund: ledger balance by window function, overdraw refused, no money without a decision, scope and
capability guards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog
from jiuzhu.funds import fund_selectors as sel
from jiuzhu.funds import fund_services as svc
from jiuzhu.funds.fund_models import EntryStatus, FundEntry

pytestmark = pytest.mark.django_db
YEAR = dt.date.today().year


def test_the_ledger_runs_its_balance_in_the_database(fund, household, contribute, prepare, persona):
    contribute(fund, "1000000.00", day=dt.date(YEAR - 1, 12, 30))  # brought forward
    contribute(fund, "300000", source="red_cross", day=dt.date(YEAR, 1, 5), available_funds="900000")
    contribute(fund, "50000", source="charity", day=dt.date(YEAR, 1, 6), available_funds="600000")
    out = prepare(fund, household, "20000")
    svc.disbursement_approve(actor=persona("longhui_approver"), entry=out)
    rows = list(sel.ledger(fund, YEAR))
    assert [r.balance for r in rows] == [Decimal("1300000.00"), Decimal("1350000.00"), Decimal("1330000.00")]
    assert sel.balance(fund) == Decimal("1330000.00")
    summary = sel.year_summary(fund, YEAR)
    assert (summary["opening"], summary["income"], summary["spent"], summary["closing"]) == (
        Decimal("1000000.00"), Decimal("350000.00"), Decimal("20000.00"), Decimal("1330000.00"))
    shares = {s["code"]: s["meets_rule"] for s in summary["sources"]}
    assert shares["red_cross"] is True and shares["charity"] is False  # 50,000 of 600,000 is under one third


def test_a_disbursement_that_would_overdraw_is_refused(fund, household, contribute, prepare, persona):
    contribute(fund, "10000")
    first = prepare(fund, household, "8000")
    with pytest.raises(DomainError) as err:  # 8,000 already promised: 2,000 left
        prepare(fund, household, "2000.01")
    assert err.value.field == "amount" and "不能透支" in err.value.message
    second = prepare(fund, household, "2000")
    FundEntry.objects.filter(pk=first.pk).update(amount=Decimal("9000"))  # what a race would leave
    svc.disbursement_approve(actor=persona("longhui_approver"), entry=first)
    with pytest.raises(DomainError):  # the approval checks the balance again under the fund's lock
        svc.disbursement_approve(actor=persona("longhui_approver"), entry=second)
    assert FundEntry.objects.get(pk=second.pk).status == EntryStatus.PENDING
    assert sel.balance(fund) == Decimal("1000.00")


@pytest.mark.parametrize("missing", ["decision_kind", "decision_ref", "decided_on", "decision_file"])
def test_no_disbursement_without_a_decision(fund, household, contribute, prepare, missing):
    contribute(fund, "10000")
    with pytest.raises(DomainError) as err:
        prepare(fund, household, "100", **{missing: None if missing in ("decided_on", "decision_file") else ""})
    assert err.value.field == missing
    assert not FundEntry.objects.filter(kind="disbursement").exists()


def test_the_decision_must_be_a_scanned_document(fund, household, contribute, prepare):
    contribute(fund, "10000")
    with pytest.raises(DomainError):
        prepare(fund, household, "100", decision_file=b"MZ not a document")


def test_capabilities_guard_every_write(fund, household, contribute, prepare, persona):
    contribute(fund, "10000")
    with pytest.raises(PermissionDenied):  # the approver does not book money in
        svc.contribution_record(actor=persona("longhui_approver"), fund=fund, source="donation", amount="5")
    with pytest.raises(PermissionDenied):
        prepare(fund, household, "100", username="longhui_window")
    entry = prepare(fund, household, "100")
    with pytest.raises(PermissionDenied):  # the officer prepares, only the approver approves
        svc.disbursement_approve(actor=persona("longhui_officer"), entry=entry)
    with pytest.raises(PermissionDenied):
        svc.disbursement_reject(actor=persona("longhui_officer"), entry=entry, reason="材料不全")
    with pytest.raises(DomainError):
        svc.disbursement_reject(actor=persona("longhui_approver"), entry=entry, reason="")
    svc.disbursement_reject(actor=persona("longhui_approver"), entry=entry, reason="材料不全")
    with pytest.raises(DomainError):  # decided once
        svc.disbursement_approve(actor=persona("longhui_approver"), entry=entry)


def test_another_county_neither_sees_nor_touches_the_fund(fund, far_fund, household, contribute, prepare, persona):
    contribute(fund, "10000")
    entry = prepare(fund, household, "100")
    dongkou = persona("dongkou_officer")
    with pytest.raises(Http404):
        svc.contribution_record(actor=dongkou, fund=fund, source="donation", amount="5")
    with pytest.raises(Http404):  # a household of 隆回 paid from 洞口's fund
        svc.disbursement_prepare(actor=dongkou, fund=far_fund, household=household, amount="1",
                                 decision_kind="assist_first", decision_ref="x", decided_on=dt.date.today(),
                                 decision_file=b"%PDF-1.4 x")
    with pytest.raises(Http404):
        svc.disbursement_approve(actor=persona("dongkou_approver"), entry=entry)
    with pytest.raises(Http404):
        sel.fund_get(actor=dongkou, fund_id=fund.pk)
    assert list(sel.funds_in_scope(dongkou)) == [far_fund]
    assert not sel.entries_in_scope(persona("longhui_analyst")).exists()  # totals only, no lines
    assert sel.fund_get(actor=persona("longhui_analyst"), fund_id=fund.pk) == fund


def test_writes_are_audited_and_on_the_households_chain(fund, household, contribute, prepare):
    from jiuzhu.core.models import Event

    contribute(fund, "10000")
    entry = prepare(fund, household, "100")
    assert AuditLog.objects.filter(object_type="funds.fundentry", object_id=str(entry.pk),
                                   person_id=household.head_id).exists()
    assert Event.objects.filter(kind="funds.fund_disbursement_prepared", household_id=household.pk).exists()
