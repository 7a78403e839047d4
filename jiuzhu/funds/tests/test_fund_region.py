"""One fund per region, serving the regions below it (seed 002: 市级托底救助基金; cases are resolved in the
counties): a county's officers read the city's fund and propose disbursements for their own county's cases; the
city approves; another county of the city sees the fund but not the other county's households; a county of
another city sees nothing (404)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import VILLAGE_B, member
from jiuzhu.core.models import AuditLog
from jiuzhu.funds import fund_selectors as sel
from jiuzhu.funds import fund_services as svc
from jiuzhu.funds.fund_models import EntryStatus
from jiuzhu.funds.fund_worklist import disbursements_to_approve


def _heads_read(person_id, purpose="fund_ledger"):
    return AuditLog.objects.filter(action="read", person_id=person_id, detail__purpose=purpose).count()


def test_a_county_reads_its_citys_fund_and_another_citys_county_does_not(city_fund, persona):
    longhui, furong = persona("longhui_officer"), persona("furong_officer")
    assert list(sel.funds_in_scope(longhui)) == [city_fund]
    assert sel.fund_get(actor=longhui, fund_id=city_fund.pk) == city_fund
    assert sel.balance(city_fund) == Decimal("100000.00")
    assert list(sel.funds_in_scope(furong)) == []
    with pytest.raises(Http404):
        sel.fund_get(actor=furong, fund_id=city_fund.pk)
    # The city's users read it as their own; a township's window (no fund capability) does not.
    assert sel.is_fund_region_user(persona("shaoyang_fund_approver"), city_fund)
    assert not sel.is_fund_region_user(longhui, city_fund)
    assert list(sel.funds_in_scope(persona("longhui_window"))) == []


def test_a_county_proposes_its_own_case_and_the_city_approves(city_fund, persona, household, prepare, register,
                                                                client_for):
    entry = prepare(city_fund, household, "3000")
    assert entry.status == EntryStatus.PENDING and entry.fund == city_fund
    # Contributions stay the city's own: a county officer cannot book one into the city's fund.
    with pytest.raises(Http404):
        svc.contribution_record(actor=persona("longhui_officer"), fund=city_fund, source="donation", amount="10")
    # Another county's case is not the county officer's; another city's officer cannot propose at all.
    far = register(username="dongkou_officer", village=VILLAGE_B, members=[member("王五", "head", region="430525")])
    with pytest.raises(Http404):
        prepare(city_fund, far, "100")
    with pytest.raises(Http404):
        prepare(city_fund, household, "100", username="furong_officer")
    # The county's approver sees its own case but may not decide it: the city approves.
    assert sel.entry_get(actor=persona("longhui_approver"), entry_id=entry.pk) == entry
    page = client_for("longhui_approver").get(f"/funds/safety-net/{city_fund.pk}/").content.decode()
    assert household.head.name in page and "批准支出" not in page
    assert "批准支出" in client_for("shaoyang_fund_approver").get(f"/funds/safety-net/{city_fund.pk}/").content.decode()
    assert disbursements_to_approve(persona("longhui_approver")) is None  # not on the county's work list
    assert disbursements_to_approve(persona("shaoyang_fund_approver")).count == 1
    with pytest.raises(PermissionDenied):
        svc.disbursement_approve(actor=persona("longhui_approver"), entry=entry)
    with pytest.raises(PermissionDenied):
        svc.disbursement_reject(actor=persona("longhui_approver"), entry=entry, reason="不符合")
    done = svc.disbursement_approve(actor=persona("shaoyang_fund_approver"), entry=entry)
    assert done.status == EntryStatus.BOOKED and sel.balance(city_fund) == Decimal("97000.00")


def test_another_county_sees_the_amount_but_not_the_household(city_fund, persona, household, prepare, client_for):
    entry = prepare(city_fund, household, "3000")
    svc.disbursement_approve(actor=persona("shaoyang_fund_approver"), entry=entry)
    head = household.head
    dongkou = persona("dongkou_officer")
    with pytest.raises(Http404):
        sel.entry_get(actor=dongkou, entry_id=entry.pk)
    year = entry.entry_date.year
    shown = {e.pk: e.shown for e in sel.ledger(city_fund, year, dongkou)}
    assert shown[entry.pk] is False and all(v for k, v in shown.items() if k != entry.pk)
    assert all(e.shown for e in sel.ledger(city_fund, year, persona("longhui_officer")))
    # Pages: 洞口县 reads the balance and the line without the household; 隆回县 reads its own case, audited.
    page = client_for("dongkou_officer").get(f"/funds/safety-net/{city_fund.pk}/?year={year}")
    assert page.status_code == 200 and "97000.00" in page.content.decode()
    assert head.name not in page.content.decode() and "其他县（区）个案" in page.content.decode()
    assert _heads_read(head.pk) == 0
    own = client_for("longhui_officer").get(f"/funds/safety-net/{city_fund.pk}/?year={year}")
    assert head.name in own.content.decode() and "登记收入" not in own.content.decode()
    assert _heads_read(head.pk) == 1
    assert client_for("furong_officer").get(f"/funds/safety-net/{city_fund.pk}/").status_code == 404


def test_one_fund_covers_a_region(city_fund, persona, world):
    """The city's fund serves its counties: a county of the city opens no second fund; another city's may."""
    from jiuzhu.core.errors import DomainError
    from jiuzhu.core.models import Region

    with pytest.raises(DomainError) as err:
        svc.fund_open(actor=persona("longhui_officer"), region=Region.objects.get(code="430524"))
    assert err.value.message == "邵阳市已设立邵阳市托底救助基金，覆盖本辖区，不再另设基金"
    assert svc.fund_open(actor=persona("furong_officer"), region=Region.objects.get(code="430102")).pk
