"""Fund and purchase fixtures. Personas are the demo accounts of 隆回县 (longhui_*) and 洞口县 (dongkou_*): the
officer prepares, the approver approves, the window (桃洪镇) confirms service records, the analyst sees totals."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import COUNTY_A, COUNTY_B, member

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
