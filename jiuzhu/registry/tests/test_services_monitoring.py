"""Registry services monitoring's 核查终止 calls: ending a tier decision and stopping a grant, both decided by
the approver (Capability.DECIDE_TERMINATIONS), on the chain, audited, guarded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, GrantStatus, TierDecision
from jiuzhu.registry.services import grant_create, grant_terminate, tier_decision_end


@pytest.fixture
def decision(dibao_household):
    return TierDecision.objects.get(household=dibao_household, status=DecisionStatus.CONFIRMED)


def test_tier_decision_end(decision, persona):
    tier_decision_end(actor=persona("longhui_approver"), decision=decision, end_date=dt.date(2026, 9, 30),
                      reason="本人死亡")
    decision.refresh_from_db()
    assert (decision.status, decision.valid_to) == (DecisionStatus.ENDED, dt.date(2026, 9, 30))
    event = Event.objects.get(kind=RegistryEvent.TIER_ENDED, household_id=decision.household_id)
    assert "终止层级认定（低保对象）" in event.summary and "本人死亡" in event.summary
    assert event.payload["previous_status"] == "confirmed"
    assert AuditLog.objects.filter(object_type="registry.tierdecision", object_id=str(decision.pk),
                                   detail__changes__reason="本人死亡").exists()


def test_tier_decision_end_guards(decision, persona):
    with pytest.raises(PermissionDenied):
        tier_decision_end(actor=persona("longhui_officer"), decision=decision, end_date=dt.date(2026, 9, 30),
                          reason="本人死亡")
    with pytest.raises(DomainError) as exc:
        tier_decision_end(actor=persona("dongkou_approver"), decision=decision, end_date=dt.date(2026, 9, 30),
                          reason="本人死亡")
    assert exc.value.code == "out_of_scope"
    with pytest.raises(DomainError, match="理由"):
        tier_decision_end(actor=persona("longhui_approver"), decision=decision, end_date=dt.date(2026, 9, 30),
                          reason=" ")
    with pytest.raises(DomainError, match="早于"):
        tier_decision_end(actor=persona("longhui_approver"), decision=decision, end_date=dt.date(2026, 6, 30),
                          reason="本人死亡")
    tier_decision_end(actor=persona("longhui_approver"), decision=decision, end_date=dt.date(2026, 9, 30),
                      reason="本人死亡")
    with pytest.raises(DomainError) as exc:
        tier_decision_end(actor=persona("longhui_approver"), decision=decision, end_date=dt.date(2026, 9, 30),
                          reason="本人死亡")
    assert exc.value.code == "invalid_status"
    assert Event.objects.filter(kind=RegistryEvent.TIER_ENDED).count() == 1


def test_grant_terminate(dibao_household, persona):
    grant = grant_create(actor=persona("longhui_officer"), household=dibao_household, category="basic_living",
                         period_start=dt.date(2026, 7, 1), monthly_amount=Decimal("600"))
    with pytest.raises(PermissionDenied):  # the officer proposes grants, the approver decides terminations
        grant_terminate(actor=persona("longhui_officer"), grant=grant, end_date=dt.date(2026, 9, 30), reason="外出")
    with pytest.raises(DomainError, match="早于"):
        grant_terminate(actor=persona("longhui_approver"), grant=grant, end_date=dt.date(2026, 1, 1), reason="外出")
    grant_terminate(actor=persona("longhui_approver"), grant=grant, end_date=dt.date(2026, 9, 30),
                    reason="外出务工收入稳定")
    grant.refresh_from_db()
    assert (grant.status, grant.period_end, grant.end_reason) == (GrantStatus.ENDED, dt.date(2026, 9, 30),
                                                                  "外出务工收入稳定")
    assert Event.objects.filter(kind=RegistryEvent.GRANT_ENDED, household_id=dibao_household.pk,
                                payload__decided="termination").exists()
    with pytest.raises(DomainError, match="已终止"):
        grant_terminate(actor=persona("longhui_approver"), grant=AssistanceGrant.objects.get(pk=grant.pk),
                        end_date=dt.date(2026, 9, 30), reason="再次终止")
