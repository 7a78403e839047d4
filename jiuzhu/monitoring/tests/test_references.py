"""Monitoring's decided cases for other apps (core/references.py): a case conference (一事一议) that agreed an amount
is resolved for an officer of the warning's region; another county's officer and a department get 404; a
conference without an amount, or for a subject outside the registry, is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.references import resolve
from jiuzhu.monitoring.models import WarningConference
from jiuzhu.monitoring.references import CASE_CONFERENCE

pytestmark = pytest.mark.django_db


def _conference(warning, persona, amount="1200.00"):
    return WarningConference.objects.create(
        warning=warning, held_on=dt.date(2026, 11, 20), participants="镇长、民政办",
        decision="从托底救助基金给予一次性救助", recorded_by=persona("longhui_window"),
        amount=Decimal(amount) if amount is not None else None)


def test_a_conference_with_an_amount_is_a_decided_case(make_warning, dibao_household, persona, other_clerk):
    warning = make_warning(household=dibao_household, status="closed", subject_name="王大妈")
    conference = _conference(warning, persona)
    case = resolve(persona("longhui_officer"), CASE_CONFERENCE, conference.pk)
    assert (case.id, case.decision_kind, case.household_id, case.amount, case.decided_on) == (
        conference.pk, "case_conference", dibao_household.pk, Decimal("1200.00"), dt.date(2026, 11, 20))
    assert case.label == "一事一议（2026-11-20）：王大妈" and case.url == f"/monitoring/warnings/{warning.pk}/"
    for outsider in (persona("dongkou_officer"), other_clerk):  # another county; a department
        with pytest.raises(Http404):
            resolve(outsider, CASE_CONFERENCE, conference.pk)


def test_a_conference_that_decided_no_money_is_refused(make_warning, dibao_household, persona):
    warning = make_warning(household=dibao_household, status="closed")
    for amount in (None, "0"):
        conference = _conference(warning, persona, amount=amount)
        with pytest.raises(DomainError, match="未议定救助金额"):
            resolve(persona("longhui_officer"), CASE_CONFERENCE, conference.pk)


def test_a_subject_outside_the_registry_is_refused(make_warning, persona, world):
    from jiuzhu.core.models import Region

    warning = make_warning(region=Region.objects.get(code="430524100200"), subject_name="未登记人员")
    conference = _conference(warning, persona)
    with pytest.raises(DomainError, match="不在低收入人口库"):
        resolve(persona("longhui_officer"), CASE_CONFERENCE, conference.pk)
