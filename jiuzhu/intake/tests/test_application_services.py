"""The window's steps after an application is taken (application_services.py): every transition, the ones
that must be refused, and each guard (capability, scope, status, audit row, event)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.core.region_settings import region_setting_set
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake import application_services as s
from jiuzhu.intake import settings_catalog as sc
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import (
    Application,
    ApplicationStatus,
    AssistFirst,
    Channel,
    ItemStatus,
    MaterialChecklist,
    Referral,
    RequiredMaterial,
)
from jiuzhu.intake.services import today
from jiuzhu.intake.tests.conftest import applicant_number

pytestmark = pytest.mark.django_db


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def writes(actor) -> int:
    return AuditLog.objects.filter(actor=actor, action__in=["create", "update"]).count()


def events(kind: str):
    return Event.objects.filter(kind=kind)


def refused(call, *, code: str | None = None, field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert chinese(caught.value.message)
    if code:
        assert caught.value.code == code
    if field:
        assert caught.value.field == field
    return caught.value


def item_of(app, code: str):
    return app.items.get(item=code)


# ---- accept / not accept ------------------------------------------------------------------------------

def test_online_application_is_accepted_by_a_window_with_deadlines_from_today(take_application, persona,
                                                                              registered_applicant):
    app = take_application(username=None, channel=Channel.ONLINE)
    officer = persona("longhui_window")
    before = writes(officer)
    s.application_accept(actor=officer, application=app)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.MATERIALS_PENDING
    assert app.first_officer == officer and app.organization == officer.organization and app.accepted_at
    assert item_of(app, "temporary").due_date == add_working_days(today(), 10)
    assert app.due_date == add_working_days(today(), 20)
    assert writes(officer) == before + 1
    event = events(IntakeEvent.APPLICATION_ACCEPTED).get()
    assert event.person_id == registered_applicant.head_id and event.household_id == registered_applicant.pk


def test_a_village_coordinator_does_not_accept(take_application, persona):
    app = take_application(username=None, channel=Channel.ONLINE)
    refused(lambda: s.application_accept(actor=persona("longhui_coordinator"), application=app), code="forbidden")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and not events(IntakeEvent.APPLICATION_ACCEPTED).exists()


def test_accept_is_refused_unless_submitted(take_application, persona):
    app = take_application()  # a window application is accepted on entry
    refused(lambda: s.application_accept(actor=persona("longhui_window"), application=app), code="invalid_status")
    assert not events(IntakeEvent.APPLICATION_ACCEPTED).exists()


def test_not_accept_needs_a_reason_and_records_it(take_application, persona):
    app = take_application(username=None, channel=Channel.ONLINE)
    officer = persona("longhui_window")
    refused(lambda: s.application_not_accept(actor=officer, application=app, reason=" "), field="reason")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    s.application_not_accept(actor=officer, application=app, reason="申请人不在本辖区居住")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NOT_ACCEPTED and app.refusal_reason == "申请人不在本辖区居住"
    assert app.closed_by == officer
    assert "申请人不在本辖区居住" in events(IntakeEvent.APPLICATION_NOT_ACCEPTED).get().summary


def test_not_accept_is_refused_once_in_progress(take_application, persona, receive_all):
    app = receive_all(take_application())
    assert app.status == ApplicationStatus.IN_PROGRESS
    refused(lambda: s.application_not_accept(actor=persona("longhui_window"), application=app,
                                             reason="材料不实"), code="invalid_status")


# ---- the one-time notice and materials ------------------------------------------------------------------

def test_notice_lists_every_missing_material_of_every_item_at_once(take_application, persona):
    app = take_application(received_materials={"temporary": ["申请人居民身份证、户口簿"]})
    officer = persona("longhui_window")
    notice = s.notice_issue(actor=officer, application=app)
    expected = set(RequiredMaterial.objects.filter(application_item__application=app, received=False)
                   .values_list("application_item__item", "name"))
    assert {(m["item"], m["name"]) for m in notice.missing} == expected
    assert {m["item"] for m in notice.missing} == {"temporary", "medical"}
    assert notice.number == f"告知-{app.query_code}-1"
    assert notice.complete_by == add_working_days(today(), s.NOTICE_COMPLETE_DAYS)
    assert events(IntakeEvent.NOTICE_ISSUED).get().payload["notice"] == notice.pk
    assert AuditLog.objects.filter(object_type="intake.materialchecklist", object_id=str(notice.pk)).exists()
    second = s.notice_issue(actor=officer, application=app)
    assert second.number == f"告知-{app.query_code}-2"


def test_notice_is_refused_when_nothing_is_missing(take_application, persona, receive_all):
    app = receive_all(take_application())
    refused(lambda: s.notice_issue(actor=persona("longhui_window"), application=app), code="invalid_status")
    assert not MaterialChecklist.objects.exists()


def test_materials_received_move_the_application_to_in_progress_once_complete(take_application, persona):
    app = take_application()
    officer = persona("longhui_window")
    lines = list(RequiredMaterial.objects.filter(application_item__application=app).order_by("pk"))
    s.materials_receive(actor=officer, application=app, material_ids=[lines[0].pk])
    app.refresh_from_db()
    assert app.status == ApplicationStatus.MATERIALS_PENDING
    lines[0].refresh_from_db()
    assert lines[0].received and lines[0].received_by == officer
    s.materials_receive(actor=officer, application=app, material_ids=[m.pk for m in lines[1:]])
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_PROGRESS
    assert events(IntakeEvent.MATERIALS_RECEIVED).count() == 2
    assert events(IntakeEvent.MATERIALS_RECEIVED).last().payload["complete"] is True


def test_materials_of_another_application_or_none_are_refused(take_application, persona):
    app = take_application()
    other = take_application(applicant_id_number=applicant_number(45))
    foreign = RequiredMaterial.objects.filter(application_item__application=other).first()
    officer = persona("longhui_window")
    refused(lambda: s.materials_receive(actor=officer, application=app, material_ids=[foreign.pk]),
            field="materials")
    refused(lambda: s.materials_receive(actor=officer, application=app, material_ids=[]), field="materials")
    foreign.refresh_from_db()
    assert not foreign.received and not events(IntakeEvent.MATERIALS_RECEIVED).exists()


# ---- in-house items ---------------------------------------------------------------------------------------

def test_item_is_proposed_then_granted_by_the_approver(take_application, persona, receive_all):
    app = receive_all(take_application())
    item = item_of(app, "temporary")
    s.item_propose(actor=persona("longhui_window"), item=item, proposal="情况属实，建议给予临时救助")
    item.refresh_from_db()
    assert item.status == ItemStatus.PROPOSED and item.proposed_by.username == "longhui_window"
    approver = persona("longhui_approver")
    s.item_decide(actor=approver, item=item, granted=True, amount="1,500.50")
    item.refresh_from_db()
    assert item.status == ItemStatus.GRANTED and item.amount == Decimal("1500.50") and item.decided_by == approver
    assert events(IntakeEvent.ITEM_PROPOSED).count() == 1
    assert events(IntakeEvent.ITEM_DECIDED).get().payload["granted"] is True


def test_refusal_needs_a_written_reason(take_application, persona, receive_all):
    app = receive_all(take_application())
    item = item_of(app, "temporary")
    approver = persona("longhui_approver")
    refused(lambda: s.item_decide(actor=approver, item=item, granted=False, reason=""), field="reason")
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING
    s.item_decide(actor=approver, item=item, granted=False, reason="家庭收入高于当地标准")
    item.refresh_from_db()
    assert item.status == ItemStatus.REFUSED and item.refusal_reason == "家庭收入高于当地标准"


def test_the_window_officer_may_not_decide(take_application, persona, receive_all):
    app = receive_all(take_application())
    with pytest.raises(PermissionDenied):
        s.item_decide(actor=persona("longhui_window"), item=item_of(app, "temporary"), granted=True)
    assert item_of(app, "temporary").status == ItemStatus.PENDING


def test_a_department_item_is_not_proposed_or_decided_here(take_application, persona, receive_all):
    app = receive_all(take_application())
    medical = item_of(app, "medical")
    refused(lambda: s.item_propose(actor=persona("longhui_window"), item=medical, proposal="建议给予医疗救助"),
            code="invalid_status")
    refused(lambda: s.item_decide(actor=persona("longhui_approver"), item=medical, granted=True),
            code="invalid_status")


def test_propose_and_grant_need_the_items_materials(take_application, persona):
    app = take_application()
    item = item_of(app, "temporary")
    refused(lambda: s.item_propose(actor=persona("longhui_window"), item=item, proposal="建议给予救助"),
            code="invalid_status")
    refused(lambda: s.item_decide(actor=persona("longhui_approver"), item=item, granted=True),
            code="invalid_status")
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


def test_a_decided_item_is_not_decided_again(take_application, persona, receive_all):
    app = receive_all(take_application())
    item = item_of(app, "temporary")
    approver = persona("longhui_approver")
    s.item_decide(actor=approver, item=item, granted=False, reason="不符合条件")
    refused(lambda: s.item_decide(actor=approver, item=item, granted=True), code="invalid_status")
    refused(lambda: s.item_propose(actor=persona("longhui_window"), item=item, proposal="建议给予救助"),
            code="invalid_status")


def test_bad_amount_is_refused(take_application, persona, receive_all):
    app = receive_all(take_application())
    item = item_of(app, "temporary")
    for bad in ("abc", "-5", "1.234"):
        refused(lambda bad=bad: s.item_decide(actor=persona("longhui_approver"), item=item, granted=True,
                                              amount=bad), field="amount")
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


# ---- closing and withdrawal ---------------------------------------------------------------------------

def _decide_all(app, persona):
    approver = persona("longhui_approver")
    for item in app.items.all():
        if item.department:  # a department item: its referral completed (the referrals part's step)
            item.status = ItemStatus.GRANTED
            item.save(update_fields=["status"])
        else:
            s.item_decide(actor=approver, item=item, granted=True)


def test_closing_needs_every_item_decided(take_application, persona, receive_all):
    app = receive_all(take_application())
    officer = persona("longhui_window")
    error = refused(lambda: s.application_close(actor=officer, application=app), code="invalid_status")
    assert "临时救助" in error.message
    _decide_all(app, persona)
    s.application_close(actor=officer, application=app, note="临时救助已发放")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.COMPLETED and app.closed_by == officer and app.closed_at
    assert app.outcome_note == "临时救助已发放"
    assert events(IntakeEvent.APPLICATION_CLOSED).count() == 1


def test_an_application_cannot_be_closed_while_a_referral_is_open(take_application, persona, receive_all):
    app = receive_all(take_application())
    _decide_all(app, persona)
    medical = item_of(app, "medical")
    clerk_org = persona("longhui_clerk").organization
    referral = Referral.objects.create(application_item=medical, organization=clerk_org, due_date=today(),
                                       sent_by=persona("longhui_window"), sent_at=app.submitted_at)
    officer = persona("longhui_window")
    error = refused(lambda: s.application_close(actor=officer, application=app), code="invalid_status")
    assert "转办" in error.message
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_PROGRESS and not events(IntakeEvent.APPLICATION_CLOSED).exists()
    referral.status = "completed"
    referral.save(update_fields=["status"])
    s.application_close(actor=officer, application=app)


def test_withdrawal_withdraws_open_items(take_application, persona):
    app = take_application()
    s.application_withdraw(actor=persona("longhui_window"), application=app, reason="申请人已找到工作")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN
    assert set(app.items.values_list("status", flat=True)) == {ItemStatus.WITHDRAWN}
    assert events(IntakeEvent.APPLICATION_WITHDRAWN).count() == 1
    refused(lambda: s.application_withdraw(actor=persona("longhui_window"), application=app, reason="再撤回一次"),
            code="invalid_status")
    refused(lambda: s.application_close(actor=persona("longhui_window"), application=app), code="invalid_status")


def test_withdrawal_is_refused_while_a_referral_is_open(take_application, persona):
    app = take_application()
    Referral.objects.create(application_item=item_of(app, "medical"), organization=persona("longhui_clerk")
                            .organization, due_date=today(), sent_by=persona("longhui_window"),
                            sent_at=app.submitted_at)
    refused(lambda: s.application_withdraw(actor=persona("longhui_window"), application=app, reason="不再需要"),
            code="invalid_status")
    refused(lambda: s.application_not_accept(actor=persona("longhui_window"), application=app,
                                             reason="材料不实"), code="invalid_status")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.MATERIALS_PENDING


# ---- assist-first --------------------------------------------------------------------------------------------

def test_assist_first_within_the_limit_and_its_paperwork(take_application, persona, registered_applicant):
    app = take_application(emergency=True)
    officer = persona("longhui_window")
    assist = s.assist_first_grant(actor=officer, application=app, amount="800", reason="突发火灾，无处居住")
    assert assist.amount == Decimal("800.00")
    assert assist.paperwork_due_date == add_working_days(today(), s.ASSIST_FIRST_PAPERWORK_DAYS)
    event = events(IntakeEvent.ASSIST_FIRST_GRANTED).get()
    assert event.household_id == registered_applicant.pk
    refused(lambda: s.assist_first_grant(actor=officer, application=app, amount="100", reason="再次救助"),
            code="invalid_status")
    refused(lambda: s.assist_first_complete(actor=officer, assist=assist, note=""), field="note")
    s.assist_first_complete(actor=officer, assist=assist, note="材料已补齐，县级已审核确认")
    assist.refresh_from_db()
    assert assist.completed_at and assist.completed_by == officer
    refused(lambda: s.assist_first_complete(actor=officer, assist=assist, note="再次补齐"), code="invalid_status")
    assert events(IntakeEvent.ASSIST_FIRST_COMPLETED).count() == 1


def test_assist_first_over_the_regions_limit_is_refused(take_application, persona):
    app = take_application(emergency=True)
    officer = persona("longhui_window")
    error = refused(lambda: s.assist_first_grant(actor=officer, application=app, amount="1000.01",
                                                 reason="突发火灾"), field="amount")
    assert "1000" in error.message
    assert not AssistFirst.objects.exists() and not events(IntakeEvent.ASSIST_FIRST_GRANTED).exists()


def test_assist_first_limit_is_the_regions_setting(take_application, persona):
    app = take_application(emergency=True)
    region_setting_set(actor=persona("longhui_admin"), key=sc.ASSIST_FIRST_LIMIT_KEY, region=app.region.parent.parent,
                       effective_from=today(), value="500")
    refused(lambda: s.assist_first_grant(actor=persona("longhui_window"), application=app, amount="600",
                                         reason="突发火灾"), field="amount")
    s.assist_first_grant(actor=persona("longhui_window"), application=app, amount="500", reason="突发火灾")


# ---- guards: capability, department, scope ---------------------------------------------------------------

def _calls(app):
    item = item_of(app, "temporary")
    return {
        "accept": lambda actor: s.application_accept(actor=actor, application=app),
        "not_accept": lambda actor: s.application_not_accept(actor=actor, application=app, reason="理由充分"),
        "notice": lambda actor: s.notice_issue(actor=actor, application=app),
        "materials": lambda actor: s.materials_receive(actor=actor, application=app, material_ids=[1]),
        "propose": lambda actor: s.item_propose(actor=actor, item=item, proposal="建议给予"),
        "decide": lambda actor: s.item_decide(actor=actor, item=item, granted=False, reason="不符合条件"),
        "close": lambda actor: s.application_close(actor=actor, application=app),
        "withdraw": lambda actor: s.application_withdraw(actor=actor, application=app, reason="不再需要"),
        "assist": lambda actor: s.assist_first_grant(actor=actor, application=app, amount="100", reason="急难"),
    }


ACTIONS = ["accept", "not_accept", "notice", "materials", "propose", "decide", "close", "withdraw", "assist"]


@pytest.mark.parametrize("action", ACTIONS)
def test_without_capability_is_refused(take_application, persona, action):
    app = take_application()
    with pytest.raises(PermissionDenied):
        _calls(app)[action](persona("longhui_analyst"))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.MATERIALS_PENDING


@pytest.mark.parametrize("action", ACTIONS)
def test_out_of_scope_is_refused(take_application, persona, action):
    app = take_application()
    error = refused(lambda: _calls(app)[action](persona("dongkou_approver")))
    assert error.code == "out_of_scope"
    assert not Event.objects.exclude(kind=IntakeEvent.APPLICATION_RECEIVED).filter(kind__startswith="intake.").exists()


@pytest.mark.parametrize("action", ["accept", "notice", "withdraw", "assist"])
def test_a_department_clerk_is_refused(take_application, persona, action):
    app = take_application()
    refused(lambda: _calls(app)[action](persona("longhui_clerk")), code="forbidden")


def test_assist_first_complete_guards(take_application, persona):
    app = take_application(emergency=True)
    assist = s.assist_first_grant(actor=persona("longhui_window"), application=app, amount="100", reason="急难")
    with pytest.raises(PermissionDenied):
        s.assist_first_complete(actor=persona("longhui_analyst"), assist=assist, note="已补齐")
    refused(lambda: s.assist_first_complete(actor=persona("dongkou_window"), assist=assist, note="已补齐"),
            code="out_of_scope")
    assist.refresh_from_db()
    assert assist.completed_at is None


def test_each_write_leaves_an_audit_row(take_application, persona, receive_all):
    app = take_application(emergency=True)
    officer = persona("longhui_window")
    before = writes(officer)
    s.assist_first_grant(actor=officer, application=app, amount="100", reason="急难")
    s.notice_issue(actor=officer, application=app)
    receive_all(app, officer)
    s.item_propose(actor=officer, item=item_of(app, "temporary"), proposal="建议给予")
    assert writes(officer) == before + 4
    approver = persona("longhui_approver")
    s.item_decide(actor=approver, item=item_of(app, "temporary"), granted=True)
    assert writes(approver) == 1
    assert Application.objects.get().status == ApplicationStatus.IN_PROGRESS


# ---- every step refused on a closed application (the status guards) -------------------------------------------

@pytest.mark.parametrize("action", ["accept", "not_accept", "notice", "propose", "decide", "close", "withdraw",
                                    "assist"])
def test_a_withdrawn_application_refuses_every_step(take_application, persona, action):
    app = take_application()
    s.application_withdraw(actor=persona("longhui_window"), application=app, reason="不再需要")
    app.refresh_from_db()
    actor = persona("longhui_approver")  # holds every capability the steps ask for
    error = refused(lambda: _calls(app)[action](actor), code="invalid_status")
    assert "已撤回" in error.message
    assert Event.objects.filter(kind__startswith="intake.").count() == 2  # received, withdrawn


def test_materials_are_refused_on_a_submitted_application(take_application, persona):
    app = take_application(username=None, channel=Channel.ONLINE)
    line = RequiredMaterial.objects.filter(application_item__application=app).first()
    refused(lambda: s.materials_receive(actor=persona("longhui_window"), application=app, material_ids=[line.pk]),
            code="invalid_status")
    line.refresh_from_db()
    assert not line.received


# ---- each step on the household's chain, with its audit row ---------------------------------------------------

def test_every_step_is_an_event_on_the_households_chain_and_audited(take_application, persona, receive_all,
                                                                    registered_applicant):
    officer, approver = persona("longhui_window"), persona("longhui_approver")
    online = take_application(username=None, channel=Channel.ONLINE)
    steps = [
        (lambda: s.application_accept(actor=officer, application=online), IntakeEvent.APPLICATION_ACCEPTED),
        (lambda: s.notice_issue(actor=officer, application=online), IntakeEvent.NOTICE_ISSUED),
        (lambda: s.assist_first_grant(actor=officer, application=online, amount="200", reason="急难"),
         IntakeEvent.ASSIST_FIRST_GRANTED),
        (lambda: s.assist_first_complete(actor=officer, assist=online.assist_first.get(), note="已补齐"),
         IntakeEvent.ASSIST_FIRST_COMPLETED),
        (lambda: receive_all(online, officer), IntakeEvent.MATERIALS_RECEIVED),
        (lambda: s.item_propose(actor=officer, item=item_of(online, "temporary"), proposal="建议给予"),
         IntakeEvent.ITEM_PROPOSED),
        (lambda: s.item_decide(actor=approver, item=item_of(online, "temporary"), granted=True),
         IntakeEvent.ITEM_DECIDED),
        (lambda: s.item_decide(actor=approver, item=item_of(online, "temporary"), granted=True), None),  # refused
    ]
    for step, kind in steps:
        before = AuditLog.objects.filter(action__in=["create", "update"], person_id=registered_applicant.head_id)\
            .count()
        if kind is None:
            refused(step)
            continue
        step()
        event = events(kind).get()
        assert (event.person_id, event.household_id) == (registered_applicant.head_id, registered_applicant.pk)
        assert event.subject_id == str(online.pk) and event.subject_type == "intake.application"
        after = AuditLog.objects.filter(action__in=["create", "update"], person_id=registered_applicant.head_id)
        assert after.count() == before + 1, kind
    other = take_application(username=None, channel=Channel.ONLINE)
    funeral = receive_all(take_application(items=["funeral"]))
    s.item_decide(actor=approver, item=item_of(funeral, "funeral"), granted=True)
    for step, kind in [
        (lambda: s.application_close(actor=officer, application=funeral, note="已减免"),
         IntakeEvent.APPLICATION_CLOSED),
        (lambda: s.application_not_accept(actor=officer, application=other, reason="不符合条件"),
         IntakeEvent.APPLICATION_NOT_ACCEPTED),
        (lambda: s.application_withdraw(actor=officer, application=take_application(), reason="不再需要"),
         IntakeEvent.APPLICATION_WITHDRAWN),
    ]:
        before = AuditLog.objects.filter(action="update", person_id=registered_applicant.head_id).count()
        step()
        assert events(kind).get().household_id == registered_applicant.pk
        assert AuditLog.objects.filter(action="update", person_id=registered_applicant.head_id).count() == before + 1


# ---- taking an application with the registration ----------------------------------------------------------

def _take(persona, village_a, **change):
    fields = {"actor": persona("longhui_window"), "channel": Channel.WINDOW, "region": village_a,
              "applicant_name": "王桂兰", "applicant_id_number": applicant_number(52), "items": ["temporary"],
              "circumstances": "突发疾病住院", "address": "红星社区5组3号", "register_household": True,
              "hukou_type": "rural", **change}
    return s.application_take(**fields)


def test_take_with_registration_links_the_new_household(persona, village_a):
    from jiuzhu.registry.models import Person

    app = _take(persona, village_a)
    person = Person.objects.get()
    assert (app.person_id, app.household_id) == (person.pk, person.household_id)


def test_take_with_registration_writes_nothing_when_the_application_is_refused(persona, village_a):
    from jiuzhu.registry.models import Household, Person

    refused(lambda: _take(persona, village_a, items=["no_such_item"]), field="items")
    refused(lambda: _take(persona, village_a, hukou_type=""), field="register_household")
    refused(lambda: _take(persona, village_a, region=village_a.parent), field="region")
    assert not Person.objects.exists() and not Household.objects.exists() and not Application.objects.exists()
