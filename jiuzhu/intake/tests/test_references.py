"""Intake's decided cases for other apps (core/references.py): an assist-first (先行救助) resolved for an officer
of its region; another county's is 404; an applicant without a registered household is refused."""

from decimal import Decimal

import pytest
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.references import resolve
from jiuzhu.intake import application_services as s

pytestmark = pytest.mark.django_db


def test_an_assist_first_is_a_decided_case_in_its_region(take_application, persona, registered_applicant):
    app = take_application(emergency=True)
    assist = s.assist_first_grant(actor=persona("longhui_window"), application=app, amount="800", reason="突发火灾")
    case = resolve(persona("longhui_officer"), "intake.assist_first", assist.pk)
    assert (case.id, case.decision_kind, case.household_id, case.amount) == (
        assist.pk, "assist_first", registered_applicant.pk, Decimal("800.00"))
    assert case.label.startswith("先行救助（") and case.label.endswith("李秀英")
    assert case.url == f"/intake/applications/{app.pk}/"
    with pytest.raises(Http404):  # another county's officer
        resolve(persona("dongkou_officer"), "intake.assist_first", assist.pk)
    with pytest.raises(Http404):
        resolve(persona("longhui_officer"), "intake.assist_first", assist.pk + 1)


def test_an_applicant_without_a_household_is_refused(take_application, persona):
    app = take_application(emergency=True)
    assist = s.assist_first_grant(actor=persona("longhui_window"), application=app, amount="800", reason="突发火灾")
    with pytest.raises(DomainError, match="未登记家庭"):
        resolve(persona("longhui_officer"), "intake.assist_first", assist.pk)
