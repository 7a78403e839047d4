"""Warning handling through the services: the visit, each of the four dispositions with its effect on the
registry and on the household's chain, the department's answer, the death rebuttal, and their guards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import member
from jiuzhu.core import files
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event, Organization
from jiuzhu.monitoring import warning_services as services
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import (
    Disposition,
    TerminationStatus,
    Warning,
    WarningFile,
    WarningStatus,
)
from jiuzhu.monitoring.tests.conftest import PDF, PNG
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, GrantStatus, TierDecision


def today():
    """Worked out when asked: a module constant goes stale when a run crosses local midnight."""
    return timezone.localdate()


def chain(household, kind=None):
    rows = Event.objects.filter(household_id=household.pk)
    return rows.filter(kind=kind) if kind else rows


def visit(actor, warning, **extra):
    return services.warning_visit_record(actor=actor, warning=warning, visited_on=today(), visitors="李明、王芳",
                                         findings="入户查看，住院费用属实，家庭困难", result="confirmed", **extra)


@pytest.fixture
def visited(make_warning, dibao_household, persona):
    warning = make_warning(household=dibao_household)
    visit(persona("longhui_window"), warning)
    warning.refresh_from_db()
    return warning


# ---- The visit --------------------------------------------------------------------------------------------

def test_visit_moves_open_to_visited_on_the_chain(make_warning, dibao_household, persona):
    warning = make_warning(household=dibao_household)
    made = visit(persona("longhui_window"), warning, upload=PNG, filename="现场.png")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.VISITED
    event = chain(dibao_household, MonitoringEvent.WARNING_VISITED).get()
    assert event.subject_id == str(warning.pk) and "入户核实" in event.summary and "情况属实" in event.summary
    assert files.stored_file_read(made.file.file_key) == PNG
    assert AuditLog.objects.filter(object_type="monitoring.warningvisit", object_id=str(made.pk)).exists()


def test_visit_refuses_a_file_that_is_not_a_scan_and_keeps_nothing(make_warning, dibao_household, persona):
    warning = make_warning(household=dibao_household)
    with pytest.raises(DomainError, match="PDF、JPEG 或 PNG"):
        visit(persona("longhui_window"), warning, upload=b"hello, not an image", filename="a.txt")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and not WarningFile.objects.exists()
    assert not chain(dibao_household, MonitoringEvent.WARNING_VISITED).exists()


def test_visit_guards(make_warning, dibao_household, persona):
    warning = make_warning(household=dibao_household)
    with pytest.raises(DomainError) as exc:  # another county
        visit(persona("dongkou_window"), warning)
    assert exc.value.code == "out_of_scope"
    with pytest.raises(DomainError) as exc:  # a department answers referrals, it does not visit
        visit(persona("longhui_clerk"), warning)
    assert exc.value.code == "forbidden"
    with pytest.raises(PermissionDenied):  # no HANDLE_WARNINGS
        visit(persona("longhui_analyst"), warning)
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.warning_visit_record(actor=persona("longhui_window"), warning=warning,
                                      visited_on=today() + dt.timedelta(days=1), visitors="李明",
                                      findings="入户查看情况", result="confirmed")
    Warning.objects.filter(pk=warning.pk).update(status=WarningStatus.CLOSED)
    warning.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        visit(persona("longhui_window"), warning)
    assert exc.value.code == "invalid_status"


# ---- 1. Implement policy ----------------------------------------------------------------------------------

def test_implement_policy_starts_a_grant_through_the_registry(visited, dibao_household, persona):
    services.warning_implement_policy(actor=persona("longhui_officer"), warning=visited, way="grant", grant={
        "category": "medical", "period_start": today(), "once_amount": Decimal("3000")})
    visited.refresh_from_db()
    assert (visited.status, visited.disposition) == (WarningStatus.CLOSED, Disposition.IMPLEMENT_POLICY)
    grant = AssistanceGrant.objects.get(household=dibao_household, category="medical")
    assert grant.once_amount == Decimal("3000.00")
    assert chain(dibao_household, RegistryEvent.GRANT_CREATED).exists()
    disposed = chain(dibao_household, MonitoringEvent.WARNING_DISPOSED).get()
    assert "落实政策" in disposed.summary and disposed.payload["grant"] == grant.pk


def test_implement_policy_is_refused_without_the_registry_capability_and_rolls_back(visited, persona):
    with pytest.raises(PermissionDenied):  # the township window may not propose grants: the registry says so
        services.warning_implement_policy(actor=persona("longhui_window"), warning=visited, way="grant", grant={
            "category": "medical", "period_start": today(), "once_amount": Decimal("3000")})
    visited.refresh_from_db()
    assert visited.status == WarningStatus.VISITED and not AssistanceGrant.objects.filter(category="medical")


def test_implement_policy_by_assessment_sends_a_suggestion_to_the_queue(visited, dibao_household, persona):
    before = TierDecision.objects.filter(household=dibao_household).count()
    services.warning_implement_policy(actor=persona("longhui_officer"), warning=visited, way="assess")
    visited.refresh_from_db()
    assert visited.status == WarningStatus.CLOSED
    assert TierDecision.objects.filter(household=dibao_household).count() == before + 1
    assert TierDecision.objects.filter(household=dibao_household, status=DecisionStatus.RECOMMENDED).exists()
    assert chain(dibao_household, RegistryEvent.TIER_ASSESSED).exists()


def test_implement_policy_for_a_person_outside_the_registry_links_the_registration(
        make_warning, discovery_indicator, persona, register):
    number = make_id_number("430524", dt.date(1975, 2, 3), 77)
    village = persona("longhui_window").region.children.order_by("code").first()
    warning = make_warning(of=discovery_indicator, region=village, subject_name="赵小红",
                           subject_id_hash=keyed_hash(number))
    visit(persona("longhui_window"), warning)
    warning.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.warning_implement_policy(actor=persona("longhui_window"), warning=warning, way="registered")
    assert exc.value.code == "not_registered"
    household = register(username="longhui_window", village=village.code, members=[
        {"id_number": number, "name": "赵小红", "relation": "head"}])
    services.warning_implement_policy(actor=persona("longhui_window"), warning=warning, way="registered")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED and warning.household_id == household.pk
    assert chain(household, MonitoringEvent.WARNING_DISPOSED).exists()


def test_dispositions_wait_for_the_visit(make_warning, dibao_household, persona):
    warning = make_warning(household=dibao_household)
    with pytest.raises(DomainError, match="请先登记入户核实"):
        services.warning_case_conference(actor=persona("longhui_window"), warning=warning, held_on=today(),
                                         participants="镇村干部", decision="给予临时救助")


# ---- 2. Refer to a department -----------------------------------------------------------------------------

def test_referral_answered_by_the_department_then_closed(visited, dibao_household, persona):
    clerk = persona("longhui_clerk")
    referral = services.warning_refer(actor=persona("longhui_window"), warning=visited,
                                      organization=clerk.organization, request="请核实医保报销情况",
                                      working_days=5, on=dt.date(2025, 9, 26))
    assert referral.due_date == dt.date(2025, 10, 10)  # 28 Sep a make-up working day, 1–8 Oct holidays
    visited.refresh_from_db()
    assert (visited.status, visited.referred_to_id) == (WarningStatus.REFERRED, clerk.organization_id)
    with pytest.raises(DomainError) as exc:
        services.warning_close_referred(actor=persona("longhui_window"), warning=visited, note="已办结")
    assert exc.value.code == "not_answered"
    services.referral_answer(actor=clerk, referral=referral, answer="已按规定报销医疗救助部分", upload=PDF,
                             filename="答复.pdf")
    services.warning_close_referred(actor=persona("longhui_window"), warning=visited, note="部门已落实")
    visited.refresh_from_db()
    assert (visited.status, visited.disposition) == (WarningStatus.CLOSED, Disposition.REFER_DEPARTMENT)
    kinds = list(chain(dibao_household).filter(subject_type="monitoring.warning").values_list("kind", flat=True))
    assert kinds == [MonitoringEvent.WARNING_VISITED, MonitoringEvent.WARNING_REFERRED,
                     MonitoringEvent.WARNING_ANSWERED, MonitoringEvent.WARNING_DISPOSED]


def test_referral_guards(visited, persona, other_clerk):
    clerk = persona("longhui_clerk")
    with pytest.raises(DomainError, match="协同部门"):  # only departments
        services.warning_refer(actor=persona("longhui_window"), warning=visited,
                               organization=persona("longhui_officer").organization, request="请核实")
    dongkou = Organization.objects.get(name="洞口县医疗保障局")
    with pytest.raises(DomainError, match="属地"):
        services.warning_refer(actor=persona("longhui_window"), warning=visited, organization=dongkou,
                               request="请核实")
    with pytest.raises(DomainError, match="工作日"):
        services.warning_refer(actor=persona("longhui_window"), warning=visited, organization=clerk.organization,
                               request="请核实", working_days=0)
    referral = services.warning_refer(actor=persona("longhui_window"), warning=visited,
                                      organization=clerk.organization, request="请核实")
    with pytest.raises(DomainError) as exc:  # another department may not answer
        services.referral_answer(actor=other_clerk, referral=referral, answer="已办理完毕")
    assert exc.value.code == "out_of_scope"
    services.referral_answer(actor=clerk, referral=referral, answer="已办理完毕")
    with pytest.raises(DomainError, match="已答复"):
        services.referral_answer(actor=clerk, referral=referral, answer="再答一次")


# ---- 3. Case conference -----------------------------------------------------------------------------------

def conference(actor, warning, **extra):
    return services.warning_case_conference(actor=actor, warning=warning, held_on=today(),
                                            participants="镇长、村支书、协理员", decision="给予一次性临时救助", **extra)


def test_case_conference_amount_starts_one_temporary_grant_on_the_chain(visited, dibao_household, persona):
    officer = persona("longhui_officer")
    made = conference(officer, visited, amount=Decimal("2000"))
    visited.refresh_from_db()
    assert (visited.status, visited.disposition) == (WarningStatus.CLOSED, Disposition.CASE_CONFERENCE)
    grant = AssistanceGrant.objects.get(household=dibao_household, category="temporary")
    assert (made.amount, made.grant_id) == (Decimal("2000.00"), grant.pk)
    assert (grant.once_amount, grant.period_start, grant.status) == (Decimal("2000.00"), today(), GrantStatus.ACTIVE)
    assert chain(dibao_household, RegistryEvent.GRANT_CREATED).get().subject_id == str(grant.pk)
    event = chain(dibao_household, MonitoringEvent.WARNING_DISPOSED).get()
    assert "一事一议" in event.summary and "2000 元" in event.summary and event.payload["grant"] == grant.pk
    with pytest.raises(DomainError) as exc:  # exactly once: the closed warning refuses a second conference
        conference(officer, visited, amount=Decimal("2000"))
    assert exc.value.code == "invalid_status"
    assert AssistanceGrant.objects.filter(household=dibao_household, category="temporary").count() == 1


def test_case_conference_without_amount_records_only_the_decision(visited, dibao_household, persona):
    made = conference(persona("longhui_window"), visited)
    visited.refresh_from_db()
    assert visited.status == WarningStatus.CLOSED and made.grant_id is None and made.amount is None
    assert not AssistanceGrant.objects.filter(household=dibao_household, category="temporary").exists()


def test_case_conference_amount_needs_the_registry_capability_and_rolls_back(visited, dibao_household, persona):
    with pytest.raises(PermissionDenied):  # the township window may not start grants
        conference(persona("longhui_window"), visited, amount=Decimal("2000"))
    visited.refresh_from_db()
    assert visited.status == WarningStatus.VISITED and not visited.conferences.exists()
    assert not AssistanceGrant.objects.filter(household=dibao_household, category="temporary").exists()


def test_case_conference_amount_for_a_person_outside_the_registry_is_refused(
        make_warning, discovery_indicator, persona):
    village = persona("longhui_window").region.children.order_by("code").first()
    warning = make_warning(of=discovery_indicator, region=village, subject_name="赵小红")
    visit(persona("longhui_window"), warning)
    warning.refresh_from_db()
    with pytest.raises(DomainError, match="先登记家庭"):
        conference(persona("longhui_officer"), warning, amount=Decimal("500"))
    warning.refresh_from_db()
    assert warning.status == WarningStatus.VISITED and not AssistanceGrant.objects.exists()


# ---- 4. Verify and terminate -------------------------------------------------------------------------------

def test_termination_of_a_tier_decided_by_the_approver(visited, dibao_household, persona):
    decision = TierDecision.objects.get(household=dibao_household, status=DecisionStatus.CONFIRMED)
    proposal = services.warning_terminate_propose(actor=persona("longhui_window"), warning=visited,
                                                  target=f"tier:{decision.pk}", end_date=dt.date(2026, 8, 31),
                                                  reason="家庭收入已超过低保标准")
    visited.refresh_from_db()
    assert visited.status == WarningStatus.VISITED and proposal.status == TerminationStatus.PENDING
    with pytest.raises(PermissionDenied):  # the officer does not decide terminations
        services.warning_terminate_decide(actor=persona("longhui_officer"), termination=proposal, approve=True)
    services.warning_terminate_decide(actor=persona("longhui_approver"), termination=proposal, approve=True)
    decision.refresh_from_db()
    visited.refresh_from_db()
    assert (decision.status, decision.valid_to) == (DecisionStatus.ENDED, dt.date(2026, 8, 31))
    assert (visited.status, visited.disposition) == (WarningStatus.CLOSED, Disposition.VERIFY_TERMINATE)
    assert chain(dibao_household, RegistryEvent.TIER_ENDED).exists()
    assert chain(dibao_household, MonitoringEvent.WARNING_DISPOSED).count() == 2  # proposed, approved


def test_termination_of_a_grant_and_a_rejection(visited, dibao_household, persona):
    from jiuzhu.registry.services import grant_create

    grant = grant_create(actor=persona("longhui_officer"), household=dibao_household, category="basic_living",
                         period_start=dt.date(2026, 7, 1), monthly_amount=Decimal("600"))
    window, approver = persona("longhui_window"), persona("longhui_approver")
    first = services.warning_terminate_propose(actor=window, warning=visited, target=f"grant:{grant.pk}",
                                               end_date=dt.date(2026, 9, 30), reason="已外出务工，收入稳定")
    with pytest.raises(DomainError, match="待审批"):
        services.warning_terminate_propose(actor=window, warning=visited, target=f"grant:{grant.pk}",
                                           end_date=dt.date(2026, 9, 30), reason="重复提请")
    with pytest.raises(DomainError, match="意见"):
        services.warning_terminate_decide(actor=approver, termination=first, approve=False)
    services.warning_terminate_decide(actor=approver, termination=first, approve=False, note="收入证明不足")
    visited.refresh_from_db()
    grant.refresh_from_db()
    assert visited.status == WarningStatus.VISITED and grant.status == GrantStatus.ACTIVE
    second = services.warning_terminate_propose(actor=window, warning=visited, target=f"grant:{grant.pk}",
                                                end_date=dt.date(2026, 9, 30), reason="已补充工资流水")
    services.warning_terminate_decide(actor=approver, termination=second, approve=True)
    grant.refresh_from_db()
    assert (grant.status, grant.period_end) == (GrantStatus.ENDED, dt.date(2026, 9, 30))
    assert chain(dibao_household, RegistryEvent.GRANT_ENDED).exists()


def test_termination_target_must_be_the_households(visited, persona, register):
    other = register(members=[member("王五", "head", seq=31)])
    grant = AssistanceGrant.objects.create(household=other, category="temporary", once_amount=100,
                                           period_start=today(), granting_organization=persona(
                                               "longhui_officer").organization)
    with pytest.raises(DomainError, match="本户"):
        services.warning_terminate_propose(actor=persona("longhui_window"), warning=visited,
                                           target=f"grant:{grant.pk}", end_date=today(), reason="不应终止他户")


def test_termination_approver_of_another_county_is_refused(visited, dibao_household, persona):
    decision = TierDecision.objects.get(household=dibao_household, status=DecisionStatus.CONFIRMED)
    proposal = services.warning_terminate_propose(actor=persona("longhui_window"), warning=visited,
                                                  target=f"tier:{decision.pk}", end_date=dt.date(2026, 8, 31),
                                                  reason="家庭收入已超过低保标准")
    with pytest.raises(DomainError) as exc:
        services.warning_terminate_decide(actor=persona("dongkou_approver"), termination=proposal, approve=True)
    assert exc.value.code == "out_of_scope"


# ---- Death rebuttal ---------------------------------------------------------------------------------------

def test_death_warning_rebutted_with_a_certificate(make_warning, death_indicator, dibao_household, persona):
    warning = make_warning(household=dibao_household, of=death_indicator,
                           evidence={"feed": "death_public_security", "death_date": "2026-05-01"})
    services.warning_rebut_death(actor=persona("longhui_window"), warning=warning, upload=PDF,
                                 filename="未死亡证明.pdf", note="本人健在，户籍注销系误报")
    warning.refresh_from_db()
    assert (warning.status, warning.disposition) == (WarningStatus.CLOSED, Disposition.REBUTTED)
    kept = WarningFile.objects.get(warning=warning)
    assert kept.purpose == "rebuttal" and files.stored_file_read(kept.file_key) == PDF
    event = chain(dibao_household, MonitoringEvent.WARNING_REBUTTED).get()
    assert "未死亡证明" in event.summary
    assert dibao_household.head.death_date is None  # nothing in the registry changed


def test_death_rebuttal_guards(make_warning, death_indicator, dibao_household, persona):
    window = persona("longhui_window")
    other = make_warning(household=dibao_household)
    with pytest.raises(DomainError, match="只有死亡预警"):
        services.warning_rebut_death(actor=window, warning=other, upload=PDF, note="本人健在")
    death = make_warning(household=dibao_household, of=death_indicator)
    with pytest.raises(DomainError, match="请上传"):
        services.warning_rebut_death(actor=window, warning=death, upload=None, note="本人健在")
    with pytest.raises(DomainError, match="PDF、JPEG 或 PNG"):
        services.warning_rebut_death(actor=window, warning=death, upload=b"GIF89a....", note="本人健在")
    with pytest.raises(DomainError) as exc:
        services.warning_rebut_death(actor=persona("dongkou_window"), warning=death, upload=PDF, note="本人健在")
    assert exc.value.code == "out_of_scope"
    death.refresh_from_db()
    assert death.status == WarningStatus.OPEN and not WarningFile.objects.exists()


def test_only_the_approver_of_the_county_may_reject_a_termination(visited, dibao_household, persona):
    """A rejection touches no registry row, so monitoring's own guards are all that stand in the way."""
    decision = TierDecision.objects.get(household=dibao_household, status=DecisionStatus.CONFIRMED)
    proposal = services.warning_terminate_propose(actor=persona("longhui_window"), warning=visited,
                                                  target=f"tier:{decision.pk}", end_date=dt.date(2026, 8, 31),
                                                  reason="家庭收入已超过低保标准")
    with pytest.raises(PermissionDenied):
        services.warning_terminate_decide(actor=persona("longhui_officer"), termination=proposal, approve=False,
                                          note="理由不足")
    with pytest.raises(DomainError) as exc:
        services.warning_terminate_decide(actor=persona("dongkou_approver"), termination=proposal, approve=False,
                                          note="理由不足")
    assert exc.value.code == "out_of_scope"
    proposal.refresh_from_db()
    assert proposal.status == TerminationStatus.PENDING
