"""供养机构 accounts: the county's civil affairs office lists, adds and changes them; scoped, capability-checked,
audited, the number encrypted and shown by its last four digits only; the roll pays 集中供养 特困 there."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.funds import account_services as acs
from jiuzhu.funds.models import InstitutionAccount

pytestmark = pytest.mark.django_db
NUMBER = "43050162636300000123"


def _save(persona, username="longhui_officer", **kw):
    data = {"institution": "隆回县社会福利中心", "bank_name": "隆回农商银行", "account_number": NUMBER, **kw}
    return acs.institution_account_save(actor=persona(username), **data)


def test_add_and_change_encrypted_and_audited(persona):
    from jiuzhu.core.crypto import decrypt_text, keyed_hash
    from jiuzhu.core.models import AuditLog, Event

    account = _save(persona, account_number="4305 0162 6363 0000 0123")
    assert account.county.code == "430524" and account.account_tail == "0123"
    assert decrypt_text(account.account_cipher) == NUMBER and account.account_hash == keyed_hash(NUMBER)
    assert NUMBER not in account.account_cipher
    changed = _save(persona, account=account, bank_name="中国农业银行隆回支行", account_number="")
    assert changed.account_tail == "0123" and decrypt_text(changed.account_cipher) == NUMBER  # blank keeps it
    logs = AuditLog.objects.filter(object_type="funds.institutionaccount", object_id=str(account.pk))
    assert [log.action for log in logs.order_by("pk")] == ["create", "update"]
    assert logs.get(action="update").detail["changes"] == {"bank_name": ["隆回农商银行", "中国农业银行隆回支行"]}
    assert all(NUMBER not in str(log.detail) for log in logs)
    assert Event.objects.filter(kind="funds.institution_account_saved").count() == 2


def test_guards(persona):
    account = _save(persona)
    with pytest.raises(DomainError) as exc:  # one account per institution in a county
        _save(persona)
    assert exc.value.field == "institution"
    with pytest.raises(DomainError) as exc:
        _save(persona, institution="另一个敬老院", account_number="12AB")
    assert exc.value.field == "account_number"
    with pytest.raises(DomainError):  # a new account needs its number
        _save(persona, institution="另一个敬老院", account_number="")
    with pytest.raises(PermissionDenied):  # the approver does not prepare payments
        _save(persona, "longhui_approver", institution="另一个敬老院")
    with pytest.raises(PermissionDenied):  # a township's window does not keep the county's institutions
        _save(persona, "longhui_window", institution="另一个敬老院")
    with pytest.raises(Http404):  # another county's officer cannot change it
        _save(persona, "dongkou_officer", account=account, bank_name="x")
    assert InstitutionAccount.objects.count() == 1


def test_pages_scoped_and_masked(client_for, persona):
    account = _save(persona)
    _save(persona, "dongkou_officer", institution="洞口县敬老院")
    client = client_for("longhui_officer")
    html = client.get("/funds/institution-accounts/").content.decode()
    assert "隆回县社会福利中心" in html and "尾号0123" in html and NUMBER not in html and "洞口县敬老院" not in html
    assert "供养机构账户" in client.get("/funds/rolls/").content.decode()  # in the funds menu
    added = client.post("/funds/institution-accounts/", {"institution": "金石桥镇敬老院", "bank_name": "邮储银行",
                                                         "account_number": "6221880000001111"})
    assert added.status_code == 302 and InstitutionAccount.objects.filter(institution="金石桥镇敬老院").exists()
    bad = client.post("/funds/institution-accounts/", {"institution": "", "bank_name": "邮储银行",
                                                       "account_number": "6221880000001111"})
    assert bad.status_code == 400 and "供养机构" in bad.content.decode()
    edit = client.post(f"/funds/institution-accounts/{account.pk}/", {"institution": "隆回县社会福利中心",
                                                                      "bank_name": "建设银行", "account_number": ""})
    assert edit.status_code == 302
    assert client_for("dongkou_officer").get(f"/funds/institution-accounts/{account.pk}/").status_code == 404
    assert client_for("longhui_approver").get("/funds/institution-accounts/").status_code == 403
    window = client_for("longhui_window").get("/funds/institution-accounts/").content.decode()
    assert "隆回县社会福利中心" not in window and "institution-form" not in window


def test_centralized_tekun_paid_to_the_institution(persona, county, paid_household, to_county_review):
    """A 集中供养 特困 line takes the institution's account; the page lists an institution still without one."""
    from decimal import Decimal

    from jiuzhu.funds import selectors, services
    from jiuzhu.funds.models import PaymentLine
    from jiuzhu.funds.tests.conftest import MONTH
    from jiuzhu.registry.models import DestituteSupport

    household = paid_household(category="destitute_support", tier="tekun", person_grant=True)
    head = household.members.get(relation="head")
    DestituteSupport.objects.create(person=head, household=household, support_mode="centralized",
                                    institution="隆回县社会福利中心", basic_standard=Decimal("600"))
    assert selectors.institutions_without_account(persona("longhui_officer")) == ["隆回县社会福利中心"]
    _save(persona)
    assert selectors.institutions_without_account(persona("longhui_officer")) == []
    roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2082102")
    line = PaymentLine.objects.get(roll=roll)
    assert (line.institution, line.account_tail) == ("隆回县社会福利中心", "0123")
