"""A disbursement linked to its decided case (core/references.py): the funds side of the guards, with a resolver
standing in for monitoring's and intake's (funds may not import them; tests/test_safety_net_cases.py runs the
real ones): the household and the decision kind are the case's, the amount not above the decided one, one
disbursement per case (a rejected one frees it), an unknown kind refused, out of scope is 404, and the page
prefilled from the case links back to it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.references import DecidedCase, reference_resolvers
from jiuzhu.funds.fund_models import FundEntry
from jiuzhu.funds.fund_services import disbursement_reject
from jiuzhu.funds.tests.conftest import PDF

pytestmark = pytest.mark.django_db
KIND = "test.case"
CASES: dict[int, DecidedCase] = {}


def fake_case(actor, ref_id: int) -> DecidedCase:
    """As a real resolver: 404 when missing or out of the actor's region, refused when not decided."""
    case = CASES.get(ref_id)
    if case is None or actor.region.code != "430524":
        raise Http404("记录不存在或不在您的管辖范围内")
    if case.amount is None:
        raise DomainError("未议定金额", code="refused")
    return case


@pytest.fixture
def case_of():
    CASES.clear()

    def make(household, *, amount="800.00", ref_id=5, kind="case_conference"):
        CASES[ref_id] = DecidedCase(kind=KIND, id=ref_id, label=f"一事一议（2026-11-20）：{household.head.name}",
                                    url="/monitoring/warnings/1/", decision_kind=kind, household_id=household.pk,
                                    region_id=household.region_id, decided_on=dt.date(2026, 11, 20),
                                    amount=Decimal(amount) if amount else None, decision_ref="一事一议 #5")
        return CASES[ref_id]
    with reference_resolvers({KIND: "jiuzhu.funds.tests.test_fund_references.fake_case"}):
        yield make


def test_a_disbursement_links_to_its_decided_case(fund, household, contribute, prepare, case_of):
    contribute(fund, "5000")
    case = case_of(household)
    entry = prepare(fund, household, "800", source_kind=KIND, source_id=case.id)
    assert (entry.source_kind, entry.source_id, entry.source_label) == (KIND, 5, case.label)


def test_the_case_guards(fund, household, paid_household, contribute, prepare, persona, case_of):
    contribute(fund, "5000")
    case_of(household)
    with pytest.raises(DomainError, match="家庭不一致"):
        prepare(fund, paid_household(), "800", source_kind=KIND, source_id=5)
    with pytest.raises(DomainError, match="决定方式应一致"):
        prepare(fund, household, "800", source_kind=KIND, source_id=5, decision_kind="assist_first")
    with pytest.raises(DomainError, match=r"不能超过决定的金额 800\.00 元"):
        prepare(fund, household, "800.01", source_kind=KIND, source_id=5)
    with pytest.raises(DomainError, match="请选择决定来源"):
        prepare(fund, household, "800", source_kind="nobody.case", source_id=5)
    with pytest.raises(Http404):  # missing (or out of scope, as the resolver says)
        prepare(fund, household, "800", source_kind=KIND, source_id=6)
    case_of(household, amount=None, ref_id=7)
    with pytest.raises(DomainError, match="未议定金额"):
        prepare(fund, household, "800", source_kind=KIND, source_id=7)
    assert not FundEntry.objects.filter(kind="disbursement").exists()


def test_one_disbursement_per_case_until_rejected(fund, household, contribute, prepare, persona, case_of):
    contribute(fund, "5000")
    case_of(household)
    first = prepare(fund, household, "500", source_kind=KIND, source_id=5)
    with pytest.raises(DomainError, match="已有托底救助基金支出"):
        prepare(fund, household, "300", source_kind=KIND, source_id=5)
    disbursement_reject(actor=persona("longhui_approver"), entry=first, reason="材料不全")
    again = prepare(fund, household, "500", source_kind=KIND, source_id=5)
    assert again.source_id == 5


def test_the_database_refuses_a_second_disbursement_for_a_case(fund, household, contribute, prepare, case_of):
    from django.db import IntegrityError, transaction

    contribute(fund, "5000")
    case_of(household)
    entry = prepare(fund, household, "500", source_kind=KIND, source_id=5)
    entry.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


def test_the_form_prefilled_from_the_case_and_the_link_back(fund, household, contribute, client_for, case_of):
    from jiuzhu.core.models import AuditLog

    contribute(fund, "5000")
    case = case_of(household)
    officer = client_for("longhui_officer")
    page = officer.get(f"/funds/safety-net/{fund.pk}/disburse/?source_kind={KIND}&source_id=5")
    body = page.content.decode()
    assert page.status_code == 200 and case.label in body and 'value="800.00"' in body
    assert 'value="一事一议 #5"' in body and 'value="2026-11-20"' in body and "head_id_number" not in body
    assert AuditLog.objects.filter(person_id=household.head_id, detail__purpose="托底救助基金拟定支出").exists()
    made = officer.post(f"/funds/safety-net/{fund.pk}/disburse/", {
        "d-source_kind": KIND, "d-source_id": "5", "d-amount": "800.00", "d-decision_kind": "case_conference",
        "d-decision_ref": "一事一议 #5", "d-decided_on": "2026-11-20", "d-note": "",
        "d-decision_file": SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")})
    assert made.status_code == 302, made.content.decode()[:2000]
    entry = FundEntry.objects.get(kind="disbursement")
    assert (entry.household_id, entry.source_id, entry.amount) == (household.pk, 5, Decimal("800.00"))
    detail = officer.get(f"/funds/safety-net/{fund.pk}/").content.decode()
    assert f"/funds/safety-net/entries/{entry.pk}/source/" in detail and case.label in detail
    assert officer.get(f"/funds/safety-net/entries/{entry.pk}/source/").url == case.url
    # paid once: the form started from the case again says so, and writes nothing
    again = officer.get(f"/funds/safety-net/{fund.pk}/disburse/?source_kind={KIND}&source_id=5")
    assert again.status_code == 400 and "已有托底救助基金支出" in again.content.decode()


def test_two_officers_at_once_the_second_is_refused_under_the_lock(fund, household, contribute, prepare, case_of,
                                                                    persona):
    """The second of two officers who both passed the first check (decided_case) is refused under the fund's lock."""
    from jiuzhu.core.files import file_facts
    from jiuzhu.funds import fund_services

    contribute(fund, "5000")
    case = case_of(household)
    prepare(fund, household, "500", source_kind=KIND, source_id=5)
    with pytest.raises(DomainError, match="已有托底救助基金支出"):
        fund_services._disbursement_create(persona("longhui_officer"), fund, household, Decimal("500"),
                                           "case_conference", "一事一议 #5", dt.date(2026, 11, 20), "k" * 64,
                                           file_facts(PDF), "纪要.pdf", "", case)


def test_a_case_whose_household_is_out_of_scope_is_404_on_the_form(fund, contribute, client_for, case_of, register,
                                                                   persona):
    from conftest import COUNTY_B, VILLAGE_B, member

    far = register(username="dongkou_officer", village=VILLAGE_B,
                   members=[member("李四", "head", region=COUNTY_B, seq=41)])
    case_of(far)  # the stand-in resolver lets it through: the form's own household scope must not
    page = client_for("longhui_officer").get(f"/funds/safety-net/{fund.pk}/disburse/?source_kind={KIND}&source_id=5")
    assert page.status_code == 404


def test_an_entry_without_a_case_has_no_case_link(fund, household, contribute, prepare, client_for):
    contribute(fund, "5000")
    entry = prepare(fund, household, "500")
    assert client_for("longhui_officer").get(f"/funds/safety-net/entries/{entry.pk}/source/").status_code == 404
