"""Across apps (monitoring → funds through core/references.py and core/links.py, neither importing the other): a
case conference (一事一议) that agreed an amount is paid by the safety-net fund, the disbursement linked to it and
started from the warning's page; another county's conference is 404 to the fund's officer; a conference that
decided no money is refused. Lives outside jiuzhu/ because it needs both sibling apps."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.http import Http404

from conftest import COUNTY_A, COUNTY_B, VILLAGE_B, member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region
from jiuzhu.funds import fund_services as funds
from jiuzhu.funds.fund_models import FundEntry
from jiuzhu.monitoring.models import Indicator, Warning, WarningConference

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def conference(persona):
    indicator = Indicator.objects.get_or_create(code="need_case", defaults={"name": "急难情形",
                                                                             "indicator_class": "need"})[0]

    def make(household, amount="1200.00"):
        warning = Warning.objects.create(indicator=indicator, person=household.head, household=household,
                                         region=household.region, warning_key=uuid.uuid4().hex, status="closed",
                                         due_date=dt.date(2026, 12, 20), evidence={}, subject_name=household.head.name)
        return WarningConference.objects.create(
            warning=warning, held_on=dt.date(2026, 11, 20), participants="镇长、民政办", decision="托底救助",
            recorded_by=persona("longhui_window"), amount=Decimal(amount) if amount else None)
    return make


@pytest.fixture
def fund(persona):
    officer = persona("longhui_officer")
    fund = funds.fund_open(actor=officer, region=Region.objects.get(code=COUNTY_A))
    funds.contribution_record(actor=officer, fund=fund, source="city_budget", amount="10000")
    return fund


def _disburse(persona, fund, household, conference, amount="1200", username="longhui_officer"):
    return funds.disbursement_prepare(
        actor=persona(username), fund=fund, household=household, amount=amount, decision_kind="case_conference",
        decision_ref="一事一议", decided_on=dt.date(2026, 11, 20), decision_file=PDF, decision_filename="纪要.pdf",
        source_kind="monitoring.case_conference", source_id=conference.pk)


def test_a_decided_conference_is_paid_from_its_warnings_page(persona, register, fund, conference, client_for):
    household = register()
    decided = conference(household)
    officer = client_for("longhui_officer")
    page = officer.get(f"/monitoring/warnings/{decided.warning_id}/").content.decode()
    start = f"/funds/safety-net/{fund.pk}/disburse/?source_kind=monitoring.case_conference&amp;source_id={decided.pk}"
    assert "从托底救助基金拟定支出" in page and start in page
    window = client_for("longhui_window").get(f"/monitoring/warnings/{decided.warning_id}/")
    assert window.status_code == 200 and "disburse/?source_kind" not in window.content.decode()  # no fund to manage
    approver = client_for("longhui_approver").get(f"/monitoring/warnings/{decided.warning_id}/")
    # the approver sees the warning and the fund but does not prepare disbursements
    assert approver.status_code == 200 and "disburse/?source_kind" not in approver.content.decode()
    form = officer.get(start.replace("&amp;", "&"))
    assert form.status_code == 200 and 'value="1200.00"' in form.content.decode()
    entry = _disburse(persona, fund, household, decided)
    assert (entry.source_kind, entry.source_id) == ("monitoring.case_conference", decided.pk)
    assert entry.source_label == f"一事一议（2026-11-20）：{household.head.name}"
    page = officer.get(f"/monitoring/warnings/{decided.warning_id}/").content.decode()
    assert "托底救助基金：已拟定支出，待审批" in page and "从托底救助基金拟定支出" not in page
    back = officer.get(f"/funds/safety-net/entries/{entry.pk}/source/")
    assert back.url == f"/monitoring/warnings/{decided.warning_id}/"


def test_another_countys_conference_is_not_found(persona, register, fund, conference):
    far = conference(register(username="dongkou_officer", village=VILLAGE_B,
                              members=[member("李四", "head", region=COUNTY_B, seq=41)]))
    with pytest.raises(Http404):
        _disburse(persona, fund, register(), far)
    assert not FundEntry.objects.filter(kind="disbursement").exists()


def test_a_conference_that_decided_no_money_is_refused(persona, register, fund, conference, client_for):
    household = register()
    undecided = conference(household, amount=None)
    with pytest.raises(DomainError, match="未议定救助金额"):
        _disburse(persona, fund, household, undecided)
    page = client_for("longhui_officer").get(f"/monitoring/warnings/{undecided.warning_id}/").content.decode()
    assert "从托底救助基金拟定支出" not in page and "disburse/?source_kind" not in page  # no link to start one
    assert not FundEntry.objects.filter(kind="disbursement").exists()
