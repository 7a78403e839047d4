"""Funds fixtures. Personas are the demo accounts of 隆回县 (longhui_*) and 洞口县 (dongkou_*).
Payments: longhui_window (桃洪镇's window, township of VILLAGE_A) prepares its township's part, longhui_officer and
longhui_approver (隆回县 civil affairs) hand on and approve. Fund and purchase of services: the officer prepares,
the approver approves, the window (桃洪镇) confirms service records, the analyst sees totals."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import COUNTY_A, COUNTY_B, VILLAGE_A, member

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
USCC = "91110000600037341L"  # a valid unified social credit code (check character per GB 32100)


@pytest.fixture
def fund(world, persona):
    from jiuzhu.core.models import Region
    from jiuzhu.funds.fund_services import fund_open

    return fund_open(actor=persona("longhui_officer"), region=Region.objects.get(code=COUNTY_A))


@pytest.fixture
def far_fund(world, persona):
    from jiuzhu.core.models import Region
    from jiuzhu.funds.fund_services import fund_open

    return fund_open(actor=persona("dongkou_officer"), region=Region.objects.get(code=COUNTY_B))


@pytest.fixture
def household(register):
    return register()


@pytest.fixture
def contribute(persona):
    from jiuzhu.funds.fund_services import contribution_record

    def make(fund, amount, source="city_budget", day=None, **extra):
        return contribution_record(actor=persona("longhui_officer"), fund=fund, source=source, amount=amount,
                                   entry_date=day, **extra)
    return make


MONTH = dt.date(2026, 11, 1)


@pytest.fixture
def county(world):
    from jiuzhu.core.models import Region

    return Region.objects.get(code=COUNTY_A)


@pytest.fixture
def paid_household(register, persona):
    """A rural 低保 household of `members` persons in force on MONTH's 1st with a monthly grant and a bank
    account; returns the household. Each call makes a new household (seq makes the ID numbers differ)."""
    from jiuzhu.core.crypto import encrypt_text, keyed_hash
    from jiuzhu.registry.models import AssistanceGrant, PaymentAccount, TierDecision

    counter = iter(range(100, 999))

    def make(*, village=VILLAGE_A, amount="300.00", members=1, account: str | None = None, standard="700.00",
             start=dt.date(2026, 1, 1), end=None, category="basic_living", tier="dibao", hukou="rural",
             person_grant=False, linked=True, in_force=True, bank="隆回农商银行"):
        seq = next(counter)
        people = [member(f"户主{seq}", "head", seq=seq, born=dt.date(1960, 1, 1) + dt.timedelta(days=seq))]
        people += [member(f"成员{seq}{i}", "child", seq=seq, born=dt.date(1990, 1, 1) + dt.timedelta(days=seq + i))
                   for i in range(1, members)]
        household = register(village=village, members=people, hukou_type=hukou)
        decision = TierDecision.objects.create(
            household=household, assessed_on=dt.date(2026, 1, 1), recommended_tier=tier, tier=tier,
            status="confirmed" if in_force else "recommended", valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2027, 12, 31), members=members,
            dibao_standard=Decimal(standard))
        head = household.members.get(relation="head")
        AssistanceGrant.objects.create(
            household=household, person=head if person_grant else None, category=category,
            monthly_amount=Decimal(amount), period_start=start, period_end=end,
            tier_decision=decision if linked else None,
            status="active" if end is None else "ended", granting_organization=persona("longhui_officer").organization)
        number = account or f"62220000{seq:011d}"
        PaymentAccount.objects.create(household=household, person=head, bank_name=bank,
                                      account_cipher=encrypt_text(number), account_hash=keyed_hash(number),
                                      account_tail=number[-4:])
        return household
    return make


@pytest.fixture
def prepare(persona):
    from jiuzhu.funds.fund_services import disbursement_prepare

    def make(fund, household, amount, username="longhui_officer", **extra):
        data = {"decision_kind": "case_conference", "decision_ref": "隆民议〔2026〕3号",
                "decided_on": dt.date.today() - dt.timedelta(days=1), "decision_file": PDF,
                "decision_filename": "会议纪要.pdf", **extra}
        return disbursement_prepare(actor=persona(username), fund=fund, household=household, amount=amount,
                                    **data)
    return make


@pytest.fixture
def provider(persona):
    from jiuzhu.funds.purchase_services import provider_register

    return provider_register(actor=persona("longhui_officer"), name="隆回县阳光社会工作服务中心", uscc=USCC,
                             kind="social_org", qualifications="持证社工 12 人，3A 级社会组织")


@pytest.fixture
def contract(persona, provider):
    from jiuzhu.funds.purchase_services import contract_create

    return contract_create(
        actor=persona("longhui_officer"), provider=provider, title="2026 年隆回县社会救助服务项目",
        number="LHZC-2026-018", method="open_tender", budget=Decimal("300000"), start_on=dt.date(2026, 1, 1),
        end_on=dt.date(2026, 12, 31), items=["means_test", "care", "counselling"],
        indicators=[("服务数量完成率", 40), ("服务质量", 40), ("档案规范", 20)],
        milestones=[("预付款", Decimal("90000")), ("中期款", Decimal("120000")), ("尾款", Decimal("90000"))])


@pytest.fixture
def staff(persona, contract):
    from jiuzhu.core.models import Region
    from jiuzhu.funds.purchase_services import staff_dispatch

    return staff_dispatch(actor=persona("longhui_officer"), contract=contract, name="李社工", post="township",
                          region=Region.objects.get(code="430524100000"), qualification="助理社会工作师")


@pytest.fixture
def person(household):
    return household.members.get()


__all__ = ["PDF", "USCC", "member"]


@pytest.fixture
def to_county_review(persona):
    """Takes a prepared roll through both township steps of every township and 县民政经办 (as longhui_officer)."""
    from jiuzhu.funds import services

    def go(roll):
        officer = persona("longhui_officer")
        for part in roll.townships.all():
            services.township_submit(actor=officer, roll=roll, township=part.township)
            services.township_review(actor=officer, roll=roll, township=part.township)
        roll.refresh_from_db()
        return services.county_handle(actor=officer, roll=roll)
    return go


@pytest.fixture
def approved_roll(persona, county, paid_household, to_county_review):
    """An approved rural 低保 roll of `n` households in 隆回县 for MONTH."""
    from jiuzhu.funds import services

    def make(n=3):
        for _ in range(n):
            paid_household()
        roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")
        to_county_review(roll)
        return services.roll_approve(actor=persona("longhui_approver"), roll=roll)
    return make


def return_csv(rows: list[tuple]) -> bytes:
    """A bank's return file: 流水号, 户名, 金额, 处理结果, 失败原因."""
    lines = ["流水号,户名,金额,处理结果,失败原因"] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def staff_user(world):
    """A staff account of `roles` in `region_code`'s civil affairs bureau (beside the demo's shaoyang_officer and
    shaoyang_approver; the demo has no one in another city): signs in with the demo password."""
    from jiuzhu.core.demo import DEMO_PASSWORD
    from jiuzhu.core.models import Organization, OrganizationKind, Region, User, UserRole

    def make(username, region_code, *roles):
        region = Region.objects.get(code=region_code)
        org, _ = Organization.objects.get_or_create(region=region, kind=OrganizationKind.CIVIL_AFFAIRS,
                                                    name=f"{region.name}民政局")
        user = User.objects.create(username=username, full_name=username, organization=org, region=region)
        user.set_password(DEMO_PASSWORD)
        user.save()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
        return User.objects.select_related("organization", "region").get(pk=user.pk)
    return make


@pytest.fixture
def city_fund(staff_user, contribute):
    """邵阳市's fund (seed 002: a city fund) with 100,000 from the city budget, opened by a city officer; the city's
    officer and approver, and an officer of 芙蓉区 (长沙市, another city), are made with it."""
    from jiuzhu.core.models import Region
    from jiuzhu.funds.fund_services import contribution_record, fund_open

    officer = staff_user("shaoyang_fund_officer", "430500", "assistance_officer")
    staff_user("shaoyang_fund_approver", "430500", "approver")
    staff_user("furong_officer", "430102", "assistance_officer", "approver")
    fund = fund_open(actor=officer, region=Region.objects.get(code="430500"))
    contribution_record(actor=officer, fund=fund, source="city_budget", amount="100000")
    return fund
