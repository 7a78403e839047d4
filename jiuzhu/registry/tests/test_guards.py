"""Every guard of the registry's services, called directly (a service is the last guard once handlers call
it with no view in front). Each test fails when its guard is removed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from conftest import VILLAGE_B, member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.registry import selectors, services
from jiuzhu.registry.models import AssistanceGrant, Household, IncomeItem, Person, TierDecision


def _grant(persona, household, **data):
    base = {"category": "basic_living", "monthly_amount": Decimal(600), "period_start": dt.date(2026, 7, 1)}
    return services.grant_create(actor=persona("longhui_officer"), household=household, **{**base, **data})


# ---- Capabilities ------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["longhui_analyst", "longhui_auditor", "longhui_admin", "longhui_station",
                                      "longhui_approver", "longhui_clerk"])
def test_registering_needs_the_edit_capability(persona, register, username):
    with pytest.raises(PermissionDenied) as exc:
        register(username)
    assert "登记、修改家庭及家计调查" in str(exc.value)
    assert not Household.objects.exists()


@pytest.mark.parametrize("username", ["longhui_window", "longhui_coordinator"])
def test_window_officers_and_coordinators_may_register(register, username):
    assert register(username).pk


@pytest.mark.parametrize("username", ["longhui_window", "longhui_coordinator", "longhui_analyst"])
def test_assessing_a_household_needs_the_run_assessment_capability(register, persona, username):
    household = register()
    with pytest.raises(PermissionDenied):
        services.tier_assess_household(actor=persona(username), household=household)
    assert not TierDecision.objects.exists()


def test_assessing_a_household_of_another_county_is_refused(register, persona):
    household = register()
    with pytest.raises(DomainError) as exc:
        services.tier_assess_household(actor=persona("dongkou_approver"), household=household)
    assert exc.value.code == "out_of_scope"


def test_page_forms_follow_the_capabilities(dibao_household, client_for):
    """Templates ask the same table: no form is offered that its service would refuse."""
    officer = client_for("longhui_officer").get(f"/registry/households/{dibao_household.pk}/").content.decode()
    approver = client_for("longhui_approver").get(f"/registry/households/{dibao_household.pk}/").content.decode()
    assert "登记救助发放" in officer and "登记救助发放" not in approver
    assert "登记收入、财产或刚性支出" in officer and "登记收入、财产或刚性支出" not in approver
    assert "按当前数据评估" in officer and "按当前数据评估" in approver


def test_only_approvers_decide_tiers(dibao_household, persona):
    services.tier_assess_household(actor=persona("longhui_officer"), household=dibao_household,
                                   on=dt.date(2026, 6, 30))
    decision = TierDecision.objects.filter(household=dibao_household, status="recommended").first()
    decision = decision or TierDecision.objects.create(household=dibao_household, assessed_on=dt.date(2026, 6, 30),
                                                       recommended_tier="dibao", tier="dibao", members=2)
    for username in ("longhui_officer", "longhui_window", "longhui_admin"):
        with pytest.raises(PermissionDenied):
            services.tier_decision_confirm(actor=persona(username), decision=decision)
    decision.refresh_from_db()
    assert decision.status == "recommended"
    services.tier_decision_confirm(actor=persona("longhui_approver"), decision=decision)


@pytest.mark.parametrize("username", ["longhui_approver", "longhui_window", "longhui_coordinator"])
def test_only_officers_propose_grants(dibao_household, persona, username):
    with pytest.raises(PermissionDenied):
        _grant(lambda _: persona(username), dibao_household)
    assert not AssistanceGrant.objects.exists()


def test_only_officers_end_grants(dibao_household, persona):
    grant = _grant(persona, dibao_household)
    with pytest.raises(PermissionDenied):
        services.grant_end(actor=persona("longhui_window"), grant=grant, end_date=dt.date(2026, 9, 30), reason="就业")
    grant.refresh_from_db()
    assert grant.status == "active"


def test_the_registry_reads_need_the_view_capability(register, persona):
    household = register()
    for fn in (lambda a: selectors.persons_in_scope(a), lambda a: selectors.households_in_scope(a),
               lambda a: selectors.grants_in_scope(a),
               lambda a: selectors.person_get(actor=a, person_id=household.head_id),
               lambda a: selectors.household_get(actor=a, household_id=household.pk),
               lambda a: selectors.assistance_chain(actor=a, household=household),
               lambda a: selectors.grants_for(actor=a, household=household),
               lambda a: selectors.decisions_for(actor=a, household=household)):
        with pytest.raises(PermissionDenied):
            fn(persona("longhui_analyst"))
    assert not AuditLog.objects.filter(action="read", username="longhui_analyst").exists()


def test_a_household_read_by_one_user_is_not_in_scope_for_another(register, persona):
    from django.http import Http404

    household = selectors.household_get(actor=persona("longhui_officer"), household_id=register().pk)
    for fn in (selectors.assistance_chain, selectors.grants_for, selectors.decisions_for, selectors.tier_in_force,
               selectors.household_members):
        with pytest.raises(Http404):
            fn(actor=persona("dongkou_officer"), household=household)


# ---- Scope ------------------------------------------------------------------------------------

def test_person_move_refuses_a_household_out_of_scope(register, persona):
    a = register(members=[member("张建国", "head", seq=21),
                          member("张小军", "child", born=dt.date(2000, 1, 2), seq=23)])
    b = register("dongkou_officer", village=VILLAGE_B,
                 members=[member("王德福", "head", region="430525", seq=31)])
    child = a.members.get(relation="child")
    with pytest.raises(DomainError) as exc:
        services.person_move(actor=persona("longhui_officer"), person=child, to_household=b, relation="child")
    assert exc.value.code == "out_of_scope"
    child.refresh_from_db()
    assert child.household_id == a.pk
    with pytest.raises(DomainError):  # and a county-B officer may not take a county-A person
        services.person_move(actor=persona("dongkou_officer"), person=child, to_household=b, relation="child")


def test_means_record_refuses_a_household_out_of_scope(register, persona):
    household = register()
    with pytest.raises(DomainError) as exc:
        services.means_record(actor=persona("dongkou_officer"), household=household, item="income", kind="wage",
                              amount=Decimal(100), period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30))
    assert exc.value.code == "out_of_scope"
    assert not IncomeItem.objects.exists()


def test_person_update_refuses_a_person_out_of_scope(register, persona):
    household = register()
    head = Person.objects.get(pk=household.head_id)
    with pytest.raises(DomainError) as exc:
        services.person_update(actor=persona("dongkou_officer"), person=head, changes={"phone": "13800000000"})
    assert exc.value.code == "out_of_scope"
    assert Person.objects.get(pk=head.pk).phone == ""


# ---- Status ------------------------------------------------------------------------------------

def test_an_ended_grant_cannot_be_ended_again(dibao_household, persona):
    grant = _grant(persona, dibao_household)
    services.grant_end(actor=persona("longhui_officer"), grant=grant, end_date=dt.date(2026, 9, 30), reason="就业")
    with pytest.raises(DomainError) as exc:
        services.grant_end(actor=persona("longhui_officer"), grant=grant, end_date=dt.date(2026, 10, 31),
                           reason="再次终止")
    assert exc.value.code == "invalid_status"
    grant.refresh_from_db()
    assert grant.period_end == dt.date(2026, 9, 30) and grant.end_reason == "就业"
    assert Event.objects.filter(kind="registry.grant_ended").count() == 1


def test_a_decided_tier_cannot_be_approved_again(dibao_household, persona):
    decision = TierDecision.objects.get(household=dibao_household, status="confirmed")
    with pytest.raises(DomainError) as exc:
        services.tier_decision_override(actor=persona("longhui_approver"), decision=decision, tier="tekun",
                                        reason="再次审批改为特困")
    assert exc.value.code == "invalid_status"
    decision.refresh_from_db()
    assert decision.status == "confirmed" and decision.tier == "dibao"


# ---- What a change writes -------------------------------------------------------------------------

def test_person_update_writes_its_audit_row_and_event(register, persona):
    household = register()
    head = Person.objects.get(pk=household.head_id)
    services.person_update(actor=persona("longhui_officer"), person=head, changes={"phone": "13807390001"})
    row = AuditLog.objects.get(action="update", person_id=head.pk)
    assert row.username == "longhui_officer" and row.detail == {"changes": {"phone": ["", "13807390001"]}}
    assert Event.objects.filter(kind="registry.person_updated", person_id=head.pk).count() == 1


def test_moving_the_head_out_clears_the_old_households_head(register, persona):
    a = register(members=[member("张建国", "head", seq=21), member("李秀英", "spouse", seq=22)])
    b = register(members=[member("赵大海", "head", seq=25)])
    head = Person.objects.get(pk=a.head_id)
    services.person_move(actor=persona("longhui_officer"), person=head, to_household=b, relation="sibling")
    a.refresh_from_db()
    assert a.head_id is None
    head.refresh_from_db()
    assert head.household_id == b.pk and head.relation == "sibling"


def test_adding_months_keeps_the_end_of_month(dibao_household):
    from jiuzhu.registry.services import _add_months

    assert _add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert _add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert _add_months(dt.date(2026, 7, 1), 12) == dt.date(2027, 7, 1)


# ---- Exact refusals and effects (mutation testing found these unpinned) ------------------------------

def _refusal(call) -> tuple:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.message, exc.value.code, exc.value.field


def test_person_move_refusals_are_exact(register, persona):
    from jiuzhu.registry.models import HouseholdMembership

    a = register(members=[member("张建国", "head", seq=21), member("李秀英", "spouse", seq=22)])
    b = register(members=[member("赵大海", "head", seq=25)])
    b2 = register("dongkou_officer", village=VILLAGE_B, members=[member("王德福", "head", region="430525", seq=31)])
    officer = persona("longhui_officer")
    wife = a.members.get(relation="spouse")
    assert _refusal(lambda: services.person_move(actor=officer, person=wife, to_household=b2, relation="spouse")) \
        == ("迁出或迁入家庭不在您的管辖范围内", "out_of_scope", None)
    assert _refusal(lambda: services.person_move(actor=officer, person=wife, to_household=b, relation="cousin")) \
        == ("与户主关系取值无效", "validation_error", "relation")
    assert _refusal(lambda: services.person_move(actor=officer, person=wife, to_household=b, relation="head")) \
        == ("迁入家庭已有户主", "validation_error", "relation")
    assert _refusal(lambda: services.person_move(actor=officer, person=wife, to_household=a, relation="spouse")) \
        == ("该人员已在此家庭", "validation_error", None)
    assert HouseholdMembership.objects.filter(left_at__isnull=False).count() == 0
    assert not AuditLog.objects.filter(action="update").exists()


def test_person_move_closes_only_the_movers_membership_and_records_everything(register, persona):
    from jiuzhu.registry.models import HouseholdMembership

    a = register(members=[member("张建国", "head", seq=21), member("李秀英", "spouse", seq=22)])
    empty = register(members=[member("赵大海", "head", seq=25)])
    head_b = Person.objects.get(pk=empty.head_id)
    services.person_move(actor=persona("longhui_officer"), person=head_b, to_household=a, relation="sibling")
    empty.refresh_from_db()
    assert empty.head_id is None  # the head left: no head until one is named
    wife = a.members.get(relation="spouse")
    services.person_move(actor=persona("longhui_officer"), person=wife, to_household=empty, relation="head")
    empty.refresh_from_db()
    assert empty.head_id == wife.pk  # moving in as head makes the person head
    # Only the movers' memberships were closed; the old head of A stays where he was.
    open_rows = {(m.person_id, m.household_id, m.relation)
                 for m in HouseholdMembership.objects.filter(left_at__isnull=True)}
    assert open_rows == {(a.head_id, a.pk, "head"), (head_b.pk, a.pk, "sibling"), (wife.pk, empty.pk, "head")}
    closed = HouseholdMembership.objects.filter(left_at__isnull=False)
    assert {(m.person_id, m.household_id) for m in closed} == {(head_b.pk, empty.pk), (wife.pk, a.pk)}
    row = AuditLog.objects.filter(action="update", person_id=wife.pk).get()
    assert row.username == "longhui_officer" and row.detail == {"changes": {"household": [a.pk, empty.pk]}}
    moved = Event.objects.filter(kind="registry.person_moved", person_id=wife.pk).order_by("household_id")
    assert [(e.household_id, e.actor.username, e.summary) for e in moved] == sorted([
        (a.pk, "longhui_officer", f"李秀英迁出至户号 {empty.pk}"),
        (empty.pk, "longhui_officer", f"李秀英迁入（原户号 {a.pk}）")])
    wife.refresh_from_db()
    assert (wife.household_id, wife.relation, wife.region_id) == (empty.pk, "head", empty.region_id)


def test_grant_end_refusals_and_effects_are_exact(dibao_household, persona):
    officer = persona("longhui_officer")
    grant = _grant(persona, dibao_household)
    assert _refusal(lambda: services.grant_end(actor=officer, grant=grant, end_date=dt.date(2026, 9, 30),
                                               reason="  ")) == ("请填写终止原因", "validation_error", "reason")
    early = _refusal(lambda: services.grant_end(actor=officer, grant=grant, end_date=dt.date(2026, 6, 30),
                                                reason="就业"))
    assert early == ("终止日期早于起始日期", "validation_error", "end_date")
    grant.refresh_from_db()
    assert grant.status == "active" and grant.period_end is None
    services.grant_end(actor=officer, grant=grant, end_date=dt.date(2026, 7, 1), reason="  家庭成员已稳定就业  ")
    grant.refresh_from_db()
    assert (grant.status, grant.period_end, grant.end_reason) == ("ended", dt.date(2026, 7, 1), "家庭成员已稳定就业")
    assert _refusal(lambda: services.grant_end(actor=officer, grant=grant, end_date=dt.date(2026, 8, 1),
                                               reason="再次")) == ("该救助已终止", "invalid_status", None)
    row = AuditLog.objects.get(action="update", object_type="registry.assistancegrant")
    assert row.username == "longhui_officer" and row.detail == {"changes": {"status": "ended"}}
    event = Event.objects.get(kind="registry.grant_ended")
    assert (event.household_id, event.actor.username, event.summary) == (
        dibao_household.pk, "longhui_officer", "终止基本生活救助，2026-07-01 止；原因：家庭成员已稳定就业")
