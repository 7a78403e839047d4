"""Writes of the 供养机构 accounts (集中供养 特困 are paid to the institution's account, funds/rolls.py): kept by the
county's civil affairs office. The number is encrypted like payees' accounts (core.crypto) with a keyed hash and
its last four digits to show; audit rows and events never carry it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.errors import clean_text, invalid
from jiuzhu.core.events import record_event
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.funds.events import FundsEvent
from jiuzhu.funds.models import InstitutionAccount
from jiuzhu.funds.selectors import actor_county


def clean_account_number(value, *, required: bool) -> str:
    digits = str(value or "").replace(" ", "").replace("-", "").strip()
    if not digits:
        if required:
            raise invalid("银行账号：请填写", "account_number")
        return ""
    if not digits.isdigit() or not 6 <= len(digits) <= 32:
        raise invalid("银行账号：应为 6 至 32 位数字", "account_number")
    return digits


def institution_account_save(*, actor, institution: str, bank_name: str, account_number: str,
                             account: InstitutionAccount | None = None) -> InstitutionAccount:
    """Adds the account of an institution of the actor's county, or changes `account` (a blank number keeps the
    one on file). County civil affairs only: a township's window is refused."""
    require(actor, Capability.PREPARE_PAYMENTS)
    if account is not None:
        if not region_in_scope(actor, account.county):
            raise Http404("记录不存在或不在您的管辖范围内")
        county = account.county
    else:
        county = actor_county(actor)
        if county is None or not region_in_scope(actor, county):
            raise PermissionDenied("供养机构账户由县级民政部门维护")
    institution = clean_text(institution, "供养机构", "institution", 100, required=True)
    bank_name = clean_text(bank_name, "开户银行", "bank_name", 60, required=True)
    number = clean_account_number(account_number, required=account is None)
    clash = InstitutionAccount.objects.filter(county=county, institution=institution)
    if account is not None:
        clash = clash.exclude(pk=account.pk)
    if clash.exists():
        raise invalid("供养机构：该机构已登记账户，请在列表中修改", "institution")
    created = account is None
    with transaction.atomic():
        if created:
            account = InstitutionAccount(county=county)
        before = {"institution": account.institution, "bank_name": account.bank_name,
                  "account_tail": account.account_tail}
        account.institution, account.bank_name = institution, bank_name
        if number:
            account.account_cipher, account.account_hash, account.account_tail = (
                encrypt_text(number), keyed_hash(number), number[-4:])
        account.save()
        after = {"institution": account.institution, "bank_name": account.bank_name,
                 "account_tail": account.account_tail}
        audit_change("create" if created else "update", actor, account,
                     changes={k: [before[k], v] for k, v in after.items() if before[k] != v})
        record_event(kind=FundsEvent.INSTITUTION_ACCOUNT_SAVED, subject=account, actor=actor, region=county,
                     summary=f"{'登记' if created else '修改'}供养机构账户：{institution} {bank_name} "
                             f"尾号{account.account_tail}")
    return account
