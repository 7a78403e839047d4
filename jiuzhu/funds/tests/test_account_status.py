"""Account status (正常 / 未采集 / 须更新, registry.PaymentAccount.status): the roll's checks hold back 未采集 and
须更新 accounts, set-based, from the registry as it is at check time."""

import pytest

from jiuzhu.funds import services
from jiuzhu.funds.models import CheckHit
from jiuzhu.funds.tests.conftest import MONTH

pytestmark = pytest.mark.django_db


def _hits(roll):
    return set(CheckHit.objects.filter(roll=roll, override_reason="").values_list("line__household_id", "kind"))


def _set_status(household, status):
    from jiuzhu.registry.models import PaymentAccount

    PaymentAccount.objects.filter(household=household).update(status=status)


def test_roster_accounts_default_to_normal(paid_household):
    from jiuzhu.registry.models import PaymentAccount

    household = paid_household()
    assert PaymentAccount.objects.get(household=household).status == "normal"


def test_needs_update_and_not_collected_are_hits(persona, county, paid_household, to_county_review):
    from jiuzhu.registry.models import PaymentAccount

    ok = paid_household()
    renew = paid_household()
    missing = paid_household()
    _set_status(renew, "needs_update")
    # 未采集 as the bank's template records it: the person's account row without a number
    PaymentAccount.objects.filter(household=missing).update(status="not_collected", account_cipher="",
                                                            account_hash="", account_tail="")
    roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")
    to_county_review(roll)
    assert _hits(roll) == {(renew.pk, "account_update"), (missing.pk, "no_account")}
    assert ok.pk not in {h for h, _ in _hits(roll)}


def test_status_read_at_check_time(persona, county, paid_household, to_county_review):
    """The account was fine when the roll was prepared; the bank marked it 须更新 (or 未采集 with the old number
    kept) before 县民政经办: the checks see the registry as it is now, and a fixed account clears the hit."""
    renew = paid_household()
    stale = paid_household()
    roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")
    _set_status(renew, "needs_update")
    _set_status(stale, "not_collected")
    to_county_review(roll)
    assert _hits(roll) == {(renew.pk, "account_update"), (stale.pk, "no_account")}
    _set_status(renew, "normal")
    _set_status(stale, "normal")
    assert services.roll_check(actor=persona("longhui_officer"), roll=roll) == {}


def test_an_inactive_account_marked_needs_update_is_not_a_hit(persona, county, paid_household, to_county_review):
    """Only the account in use counts: an old, replaced row with the same number marked 须更新 does not."""
    from jiuzhu.registry.models import PaymentAccount

    household = paid_household()
    account = PaymentAccount.objects.get(household=household)
    PaymentAccount.objects.create(household=household, person=account.person, bank_name=account.bank_name,
                                  account_cipher=account.account_cipher, account_hash=account.account_hash,
                                  account_tail=account.account_tail, status="needs_update", is_active=False)
    roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")
    to_county_review(roll)
    assert _hits(roll) == set()
