"""The fund's guards that mutation testing (scripts/mutation.sh, issue 21) found untested: validation refusals of a
contribution, opening a fund, a household paid from another county's fund, status checks of approve and reject,
the audit rows of the decision, the decision file removed when the record is refused."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from conftest import COUNTY_A
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Region
from jiuzhu.funds import fund_services as svc
from jiuzhu.funds.fund_models import EntryStatus, Fund, FundEntry

pytestmark = pytest.mark.django_db


def tomorrow():
    """Worked out when asked: a module constant goes stale when a run crosses local midnight."""
    return timezone.localdate() + dt.timedelta(days=1)


def _field(call) -> str | None:
    with pytest.raises(DomainError) as err:
        call()
    return err.value.field


def test_a_contribution_is_refused_field_by_field(fund, contribute):
    assert _field(lambda: contribute(fund, "5", source="lottery_x")) == "source"
    for amount in ("", "0", "-1", "abc", "1000000000000"):
        assert _field(lambda a=amount: contribute(fund, a)) == "amount", amount
    assert contribute(fund, "999999999999.99").amount  # just under the limit
    assert _field(lambda: contribute(fund, "5", source="red_cross")) == "available_funds"
    assert _field(lambda: contribute(fund, "5", day=tomorrow())) == "entry_date"
    assert contribute(fund, "5", day=timezone.localdate()).entry_date == timezone.localdate()
    other = contribute(fund, "5", source="donation", available_funds="100")  # only shares keep the figure
    assert FundEntry.objects.get(pk=other.pk).available_funds is None
    assert FundEntry.objects.count() == 3
    assert AuditLog.objects.filter(object_type="funds.fundentry", object_id=str(other.pk), action="create").exists()


def test_a_fund_is_opened_once_by_its_county(world, persona):
    longhui = Region.objects.get(code=COUNTY_A)
    with pytest.raises(PermissionDenied):
        svc.fund_open(actor=persona("longhui_approver"), region=longhui)
    with pytest.raises(Http404):
        svc.fund_open(actor=persona("dongkou_officer"), region=longhui)
    fund = svc.fund_open(actor=persona("longhui_officer"), region=longhui)
    assert AuditLog.objects.filter(object_type="funds.fund", object_id=str(fund.pk), action="create").exists()
    with pytest.raises(DomainError):
        svc.fund_open(actor=persona("longhui_officer"), region=longhui)
    assert Fund.objects.filter(region=longhui).count() == 1


def test_a_disbursement_needs_a_household_of_the_funds_county(fund, far_fund, household, contribute, prepare,
                                                              monkeypatch):
    contribute(fund, "100")
    assert _field(lambda: prepare(fund, None, "1")) == "household"
    with pytest.raises(Http404):  # 隆回's officer, a 隆回 household, 洞口's fund
        prepare(far_fund, household, "1")
    assert _field(lambda: prepare(fund, household, "1", decided_on=tomorrow())) == "decided_on"
    kept = FundEntry.objects.get(pk=prepare(fund, household, "1", decided_on=timezone.localdate()).pk)
    assert (kept.status, kept.decided_on, kept.decision_ref) == (
        EntryStatus.PENDING, timezone.localdate(), "隆民议〔2026〕3号")
    keys = []
    real_save = svc.stored_file_save
    monkeypatch.setattr(svc, "stored_file_save", lambda **kw: keys.append(real_save(**kw)) or keys[-1])
    assert _field(lambda: prepare(fund, household, "1000")) == "amount"  # overdraws: no record, no file
    from jiuzhu.core.files import stored_file_read

    with pytest.raises(FileNotFoundError):
        stored_file_read(keys[0])


def test_only_a_pending_disbursement_is_decided_and_the_decision_audited(fund, household, contribute, prepare,
                                                                       persona):
    from jiuzhu.core.models import Event

    income = contribute(fund, "1000")
    approver = persona("longhui_approver")
    with pytest.raises(DomainError):  # a contribution is no disbursement
        svc.disbursement_approve(actor=approver, entry=income)
    with pytest.raises(DomainError):
        svc.disbursement_reject(actor=approver, entry=income, reason="x")
    refused = prepare(fund, household, "100")
    svc.disbursement_reject(actor=approver, entry=refused, reason="材料不全")
    paid = prepare(fund, household, "1000")
    svc.disbursement_approve(actor=approver, entry=paid)  # the whole balance, to the last fen
    with pytest.raises(DomainError):  # approved once, never rejected after
        svc.disbursement_reject(actor=approver, entry=paid, reason="x")
    with pytest.raises(DomainError):
        svc.disbursement_approve(actor=approver, entry=paid)
    for entry, status in ((paid, EntryStatus.BOOKED), (refused, EntryStatus.REJECTED)):
        row = AuditLog.objects.get(object_type="funds.fundentry", object_id=str(entry.pk), action="update")
        assert row.person_id == household.head_id and row.detail["changes"]["status"] == status
        assert row.actor_id == approver.pk
        assert AuditLog.objects.get(object_type="funds.fundentry", object_id=str(entry.pk),
                                    action="create").actor_id == persona("longhui_officer").pk
        assert FundEntry.objects.get(pk=entry.pk).status == status
    for kind in ("funds.fund_disbursement_approved", "funds.fund_disbursement_rejected"):
        assert Event.objects.filter(kind=kind, household_id=household.pk, actor=approver).exists()
