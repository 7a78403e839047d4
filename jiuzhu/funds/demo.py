"""The demo's payments (资金发放), through the registry's and funds' services: in 隆回县 and 洞口县, households of
the window's township and one more whose 低保 suggestion is confirmed get a monthly grant and a bank account
(accounts come from the bank's roster import in production; here written directly, encrypted like it); last
month's rural 低保 roll is taken through the whole chain and approved, with its return file (two failures) read
back; this month's roll is prepared and waits for the townships' steps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.models import User
from jiuzhu.funds import services
from jiuzhu.funds.models import PaymentLine, PaymentRoll
from jiuzhu.funds.selectors import actor_county
from jiuzhu.registry.models import AssistanceGrant, PaymentAccount, TierDecision
from jiuzhu.registry.services import grant_create, tier_decision_confirm

COUNTIES = ("longhui", "dongkou")
PER_COUNTY = 12
BANKS = ("农村商业银行", "邮政储蓄银行")
ITEM = "2081902"  # 农村低保金


def _month(today: dt.date, back: int) -> dt.date:
    first = today.replace(day=1)
    for _ in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _grants(prefix: str, start: dt.date) -> int:
    officer = User.objects.get(username=f"{prefix}_officer")
    approver = User.objects.get(username=f"{prefix}_approver")
    county = actor_county(officer)
    decisions = (TierDecision.objects.filter(status="recommended", recommended_tier="dibao", person__isnull=True,
                                             household__region__path__startswith=county.path,
                                             household__hukou_type="rural", household__head__isnull=False)
                 .select_related("household").order_by("household__region__code", "id")[:PER_COUNTY])
    made = 0
    for n, decision in enumerate(decisions):
        household = decision.household
        if AssistanceGrant.objects.filter(household=household, category="basic_living").exists():
            continue
        tier_decision_confirm(actor=approver, decision=decision, valid_from=start)
        members = max(decision.members, 1)
        gap = max(Decimal(decision.dibao_standard or 0) - Decimal(decision.per_capita_income or 0), Decimal(50))
        amount = min(gap * members, Decimal(decision.dibao_standard or 600) * members).quantize(Decimal("1"))
        grant_create(actor=officer, household=household, category="basic_living", period_start=start,
                     monthly_amount=amount, acknowledge=True)
        number = f"6217{household.region.code[:6]}{household.pk:09d}"
        PaymentAccount.objects.create(household=household, person_id=household.head_id, bank_name=BANKS[n % 2],
                                      account_cipher=encrypt_text(number), account_hash=keyed_hash(number),
                                      account_tail=number[-4:])
        made += 1
    return made


def _through_the_chain(prefix: str, roll: PaymentRoll) -> None:
    officer = User.objects.get(username=f"{prefix}_officer")
    window = User.objects.get(username=f"{prefix}_window")
    for part in roll.townships.select_related("township"):
        who = window if part.township_id == window.region_id else officer
        services.township_submit(actor=who, roll=roll, township=part.township)
        services.township_review(actor=who, roll=roll, township=part.township)
    roll.refresh_from_db()
    services.county_handle(actor=officer, roll=roll)
    approver = User.objects.get(username=f"{prefix}_approver")
    for hit in roll.hits.filter(override_reason=""):
        services.hit_override(actor=approver, hit=hit, reason="演示：已入户核实")
    services.roll_approve(actor=approver, roll=roll)


def populate(*, today: dt.date | None = None) -> dict:
    if PaymentRoll.objects.exists():
        return {"rolls": 0, "grants": 0}
    today = today or timezone.localdate()
    last, this = _month(today, 1), _month(today, 0)
    grants = rolls = 0
    for prefix in COUNTIES:
        with transaction.atomic():
            grants += _grants(prefix, _month(today, 3))
            officer = User.objects.get(username=f"{prefix}_officer")
            county = actor_county(officer)
            roll = services.roll_prepare(actor=officer, county=county, month=last, item=ITEM)
            if roll.lines.exists():
                _through_the_chain(prefix, roll)
                lines = list(PaymentLine.objects.filter(roll=roll).order_by("id").values_list("id", flat=True))
                reasons = ["账户已冻结", "户名不符"]
                rows = [f"{i},{'失败' if n < 2 else '成功'},{reasons[n] if n < 2 else ''}" for n, i in enumerate(lines)]
                data = ("流水号,处理结果,失败原因\n" + "\n".join(rows) + "\n").encode("utf-8")
                services.return_import(actor=officer, roll=roll, data=data, filename=f"{last:%Y%m}回盘.csv")
            services.roll_prepare(actor=officer, county=county, month=this, item=ITEM)
            rolls += 2
    return {"rolls": rolls, "grants": grants}
