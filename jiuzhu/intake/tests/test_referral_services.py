"""Referral services: every transition, every refused one, and each guard (capability, scope, status, audit,
event) with a test that fails when the guard is removed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event, Organization
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake import referral_services as rs
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import ApplicationItem, ApplicationStatus, ItemStatus, Referral, ReferralStatus
from jiuzhu.intake.services import today
from jiuzhu.intake.tests.conftest import applicant_number

pytestmark = pytest.mark.django_db


def test_send_refers_the_item_to_the_nearest_department_with_a_working_day_deadline(referred, persona):
    referral = referred["referral"]
    assert referral.organization.name == "隆回县医疗保障局"
    assert referral.status == ReferralStatus.SENT and referral.sent_by == persona("longhui_window")
    assert referral.due_date == add_working_days(today(), 20)
    assert referral.sent_at is not None and referral.note == "请核定医疗救助"
    item = ApplicationItem.objects.get(pk=referral.application_item_id)
    assert item.status == ItemStatus.REFERRED
    event = Event.objects.get(kind=IntakeEvent.REFERRAL_SENT)
    assert event.subject_id == str(referral.pk) and event.region_id == item.application.region_id
    assert "隆回县医疗保障局" in event.summary and event.payload["due_date"] == referral.due_date.isoformat()
    assert AuditLog.objects.filter(object_type="intake.referral", object_id=str(referral.pk), action="create").exists()


def test_full_path_accept_then_complete_granted_copies_the_outcome_to_the_item(referred, persona):
    clerk = persona("longhui_clerk")
    referral = rs.referral_accept(actor=clerk, referral=referred["referral"])
    assert referral.status == ReferralStatus.ACCEPTED and referral.accepted_by == clerk and referral.accepted_at
    referral = rs.referral_complete(actor=clerk, referral=referral, result="granted", outcome="核定医疗救助 3200 元",
                                    amount="3200")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.completed_at and referral.amount == Decimal("3200")
    item = ApplicationItem.objects.get(pk=referral.application_item_id)
    assert (item.status, item.outcome, item.amount, item.decided_by) == (
        ItemStatus.GRANTED, "核定医疗救助 3200 元", Decimal("3200.00"), clerk)
    kinds = list(Event.objects.filter(subject_type="intake.referral").order_by("pk").values_list("kind", flat=True))
    assert kinds == [IntakeEvent.REFERRAL_SENT, IntakeEvent.REFERRAL_ACCEPTED, IntakeEvent.REFERRAL_COMPLETED]


def test_complete_straight_from_sent_refused_with_reason(referred, persona):
    clerk = persona("longhui_clerk")
    referral = rs.referral_complete(actor=clerk, referral=referred["referral"], result="refused",
                                    outcome="经核，已由大病保险全额报销，个人无自付")
    assert referral.accepted_at is not None  # taken up and finished at once: both times kept
    item = ApplicationItem.objects.get(pk=referral.application_item_id)
    assert item.status == ItemStatus.REFUSED and item.refusal_reason == "经核，已由大病保险全额报销，个人无自付"
    assert item.amount is None


@pytest.mark.parametrize("change, field", [
    ({"result": ""}, "result"),
    ({"result": "maybe"}, "result"),
    ({"outcome": " "}, "outcome"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "1.234"}, "amount"),
    ({"result": "refused", "amount": "100"}, "amount"),
])
def test_complete_bad_input_refused_and_nothing_changes(referred, persona, change, field):
    data = {"result": "granted", "outcome": "核定医疗救助", "amount": None, **change}
    with pytest.raises(DomainError) as caught:
        rs.referral_complete(actor=persona("longhui_clerk"), referral=referred["referral"], **data)
    assert caught.value.field == field
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert not Event.objects.filter(kind=IntakeEvent.REFERRAL_COMPLETED).exists()


def test_return_requires_a_reason_and_puts_the_item_back(referred, persona):
    clerk = persona("longhui_clerk")
    with pytest.raises(DomainError) as caught:
        rs.referral_return(actor=clerk, referral=referred["referral"], reason="  ")
    assert caught.value.field == "reason"
    assert Referral.objects.get().status == ReferralStatus.SENT
    referral = rs.referral_return(actor=clerk, referral=referred["referral"], reason="缺少住院结算单，请补齐")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RETURNED and referral.returned_at and referral.returned_by == clerk
    assert referral.return_reason == "缺少住院结算单，请补齐"
    assert ApplicationItem.objects.get(pk=referral.application_item_id).status == ItemStatus.PENDING
    event = Event.objects.get(kind=IntakeEvent.REFERRAL_RETURNED)
    assert "缺少住院结算单" in event.summary and event.payload["reason"] == "缺少住院结算单，请补齐"
    assert AuditLog.objects.filter(object_type="intake.referral", action="update").count() == 1


def test_returned_then_resent_keeps_history(referred, persona):
    clerk, window = persona("longhui_clerk"), persona("longhui_window")
    first = rs.referral_accept(actor=clerk, referral=referred["referral"])
    first = rs.referral_return(actor=clerk, referral=first, reason="缺少诊断证明")
    with pytest.raises(DomainError):  # a returned item is re-sent with a note, not sent again silently
        rs.referral_send(actor=window, item=ApplicationItem.objects.get(pk=first.application_item_id))
    with pytest.raises(DomainError) as caught:
        rs.referral_resend(actor=window, referral=first, note="")
    assert caught.value.field == "note"
    second = rs.referral_resend(actor=window, referral=first, note="已补齐诊断证明")
    assert second.previous_id == first.pk and second.status == ReferralStatus.SENT
    assert second.organization_id == first.organization_id and second.due_date >= first.due_date
    assert ApplicationItem.objects.get(pk=first.application_item_id).status == ItemStatus.REFERRED
    first.refresh_from_db()
    assert first.status == ReferralStatus.RETURNED  # the returned row is kept as it was
    with pytest.raises(DomainError):  # the older one cannot be re-sent again
        rs.referral_resend(actor=window, referral=first, note="再次补充材料")
    resent = Event.objects.filter(kind=IntakeEvent.REFERRAL_SENT).order_by("pk").last()
    assert resent.payload["previous"] == first.pk and "已补齐诊断证明" in resent.summary
    rs.referral_complete(actor=clerk, referral=second, result="granted", outcome="核定救助 800 元", amount="800")
    assert ApplicationItem.objects.get(pk=first.application_item_id).status == ItemStatus.GRANTED


def test_resend_only_after_a_return(referred, persona):
    with pytest.raises(DomainError) as caught:
        rs.referral_resend(actor=persona("longhui_window"), referral=referred["referral"], note="补充了材料")
    assert caught.value.code == "invalid_status"
    assert caught.value.message == "该转办是“待接收”状态，不能重新转办"


def test_resend_note_says_what_changed_in_four_characters_or_more(referred, persona):
    clerk, window = persona("longhui_clerk"), persona("longhui_window")
    returned = rs.referral_return(actor=clerk, referral=referred["referral"], reason="缺少诊断证明")
    with pytest.raises(DomainError) as caught:
        rs.referral_resend(actor=window, referral=returned, note="已补齐")
    assert caught.value.field == "note" and "至少 4 个字" in caught.value.message
    assert rs.referral_resend(actor=window, referral=returned, note="已补证明").previous_id == returned.pk


def test_only_the_latest_returned_referral_is_resent(referred, persona):
    """Returned twice: the first return cannot be re-sent any more (the item's latest referral is the one to
    act on), even though no referral of the item is open."""
    clerk, window = persona("longhui_clerk"), persona("longhui_window")
    first = rs.referral_return(actor=clerk, referral=referred["referral"], reason="缺少诊断证明")
    second = rs.referral_resend(actor=window, referral=first, note="已补齐诊断证明")
    rs.referral_return(actor=clerk, referral=second, reason="缺少住院结算单")
    with pytest.raises(DomainError) as caught:
        rs.referral_resend(actor=window, referral=first, note="再次补充材料")
    assert caught.value.message == "该事项此后已重新转办过，请在最新的转办上操作"
    assert Referral.objects.count() == 2


# ---- Status guards ------------------------------------------------------------------------------------------

def test_refused_transitions(referred, persona):
    clerk = persona("longhui_clerk")
    referral = referred["referral"]
    rs.referral_accept(actor=clerk, referral=referral)
    with pytest.raises(DomainError) as caught:
        rs.referral_accept(actor=clerk, referral=referral)  # accepted twice
    assert caught.value.code == "invalid_status"
    rs.referral_complete(actor=clerk, referral=referral, result="granted", outcome="已核定救助")
    for action in (lambda: rs.referral_return(actor=clerk, referral=referral, reason="再看看材料"),
                   lambda: rs.referral_complete(actor=clerk, referral=referral, result="refused", outcome="不符合条件"),
                   lambda: rs.referral_accept(actor=clerk, referral=referral)):
        with pytest.raises(DomainError) as caught:
            action()
        assert caught.value.code == "invalid_status"


def test_status_is_rechecked_under_the_lock(referred, persona):
    """A stale object (another clerk acted meanwhile) is refused: the status is read again in the transaction."""
    clerk = persona("longhui_clerk")
    stale = Referral.objects.get(pk=referred["referral"].pk)
    rs.referral_return(actor=clerk, referral=referred["referral"], reason="缺少诊断证明")
    with pytest.raises(DomainError):
        rs.referral_accept(actor=clerk, referral=stale)
    assert Referral.objects.get().status == ReferralStatus.RETURNED


def test_an_item_with_an_open_referral_cannot_be_sent_again(referred, persona):
    item = ApplicationItem.objects.get(pk=referred["referral"].application_item_id)
    with pytest.raises(DomainError) as caught:
        rs.referral_send(actor=persona("longhui_window"), item=item)
    assert caught.value.code == "invalid_status"
    # Even when the item's status is out of date, the open-referral check holds.
    ApplicationItem.objects.filter(pk=item.pk).update(status=ItemStatus.PENDING)
    item.status = ItemStatus.PENDING
    with pytest.raises(DomainError):
        rs.referral_send(actor=persona("longhui_window"), item=item)
    assert Referral.objects.count() == 1


def test_civil_affairs_items_are_not_referred(take_application, persona):
    app = take_application()
    item = app.items.get(item="temporary")
    with pytest.raises(DomainError) as caught:
        rs.referral_send(actor=persona("longhui_window"), item=item)
    assert "民政" in caught.value.message and not Referral.objects.exists()


def test_a_closed_or_unaccepted_application_takes_no_referral(take_application, persona):
    app = take_application()
    item = app.items.get(item="medical")
    for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.COMPLETED, ApplicationStatus.WITHDRAWN):
        type(app).objects.filter(pk=app.pk).update(status=status)
        item = ApplicationItem.objects.select_related("application").get(pk=item.pk)
        with pytest.raises(DomainError) as caught:
            rs.referral_send(actor=persona("longhui_window"), item=item)
        assert caught.value.code == "invalid_status"
    assert not Referral.objects.exists()


def test_a_decided_item_is_not_referred(take_application, persona):
    app = take_application()
    item = app.items.get(item="medical")
    ApplicationItem.objects.filter(pk=item.pk).update(status=ItemStatus.REFUSED)
    item.refresh_from_db()
    with pytest.raises(DomainError):
        rs.referral_send(actor=persona("longhui_window"), item=item)


# ---- Capability and scope ------------------------------------------------------------------------------------

def test_a_clerk_cannot_send(take_application, persona):
    item = take_application().items.get(item="medical")
    with pytest.raises(DomainError) as caught:
        rs.referral_send(actor=persona("longhui_clerk"), item=item)
    assert caught.value.code == "forbidden" and not Referral.objects.exists()


def test_without_the_intake_capability_nothing_is_sent(take_application, persona):
    item = take_application().items.get(item="medical")
    with pytest.raises(PermissionDenied):
        rs.referral_send(actor=persona("longhui_analyst"), item=item)
    assert not Referral.objects.exists()


def test_an_officer_of_another_county_cannot_send_or_resend(referred, persona, take_application):
    item = take_application(applicant_id_number=applicant_number(45)).items.get(item="medical")
    with pytest.raises(DomainError) as caught:
        rs.referral_send(actor=persona("dongkou_officer"), item=item)
    assert caught.value.code == "out_of_scope"
    returned = rs.referral_return(actor=persona("longhui_clerk"), referral=referred["referral"],
                                  reason="材料不全，请补齐")
    with pytest.raises(DomainError) as caught:
        rs.referral_resend(actor=persona("dongkou_window"), referral=returned, note="补齐了材料")
    assert caught.value.code == "out_of_scope"


@pytest.mark.parametrize("username", ["dongkou_clerk", "longhui_window", "longhui_officer"])
def test_only_a_clerk_of_the_receiving_department_acts_on_it(referred, persona, username):
    referral = referred["referral"]
    for action in (lambda a: rs.referral_accept(actor=a, referral=referral),
                   lambda a: rs.referral_return(actor=a, referral=referral, reason="不是本部门事项"),
                   lambda a: rs.referral_complete(actor=a, referral=referral, result="granted", outcome="已办理完毕")):
        with pytest.raises(DomainError) as caught:
            action(persona(username))
        assert caught.value.code in ("forbidden", "out_of_scope")
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_a_clerk_of_another_department_of_the_same_county_is_refused(referred, persona, world):
    from jiuzhu.core.models import Role, User, UserRole

    education = Organization.objects.get(name="隆回县教育局")
    other = User.objects.create(username="edu_clerk", organization=education, region=education.region)
    UserRole.objects.create(user=other, role=Role.DEPARTMENT_CLERK)
    with pytest.raises(DomainError) as caught:
        rs.referral_accept(actor=User.objects.get(pk=other.pk), referral=referred["referral"])
    assert caught.value.code == "out_of_scope"


def test_an_organisation_of_another_county_is_refused_as_receiver(take_application, persona):
    item = take_application().items.get(item="medical")
    with pytest.raises(DomainError) as caught:
        rs.referral_send(actor=persona("longhui_window"), item=item,
                         organization=Organization.objects.get(name="洞口县医疗保障局"))
    assert caught.value.field == "organization" and not Referral.objects.exists()


def test_send_is_audited_and_an_event(referred):
    assert AuditLog.objects.filter(object_type="intake.referral", action="create").count() == 1
    assert Event.objects.filter(kind=IntakeEvent.REFERRAL_SENT).count() == 1


def test_the_deadline_follows_the_regions_time_limit(take_application, persona, world):
    from jiuzhu.core.models import Region
    from jiuzhu.core.region_settings import region_setting_set
    from jiuzhu.intake.settings_catalog import limit_key

    region_setting_set(actor=persona("longhui_admin"), key=limit_key("medical"),
                       region=Region.objects.get(code="430524"), effective_from=dt.date(2020, 1, 1), value=5,
                       note="县医保局文件")
    item = take_application().items.get(item="medical")
    referral = rs.referral_send(actor=persona("longhui_window"), item=item)
    assert referral.due_date == add_working_days(today(), 5)


# ---- Guards of the department's side and of the re-send, each alone --------------------------------------------

def _department_user_without_intake(world):
    """A user of 隆回县医疗保障局 whose role lacks the intake capability (an analyst placed there)."""
    from jiuzhu.core.models import Role, User, UserRole

    org = Organization.objects.get(name="隆回县医疗保障局")
    user = User.objects.create(username="mi_analyst", organization=org, region=org.region)
    UserRole.objects.create(user=user, role=Role.ANALYST)
    return User.objects.select_related("organization", "region").get(pk=user.pk)


def test_a_department_user_without_the_intake_capability_cannot_answer(referred, world):
    user = _department_user_without_intake(world)
    referral = referred["referral"]
    for action in (lambda: rs.referral_accept(actor=user, referral=referral),
                   lambda: rs.referral_return(actor=user, referral=referral, reason="不是本部门事项"),
                   lambda: rs.referral_complete(actor=user, referral=referral, result="granted", outcome="已办理完毕")):
        with pytest.raises(PermissionDenied):
            action()
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_accept_and_complete_are_audited(referred, persona):
    clerk = persona("longhui_clerk")
    referral = rs.referral_accept(actor=clerk, referral=referred["referral"])
    rows = AuditLog.objects.filter(object_type="intake.referral", object_id=str(referral.pk), action="update")
    assert rows.count() == 1 and rows.get().detail["changes"]["status"] == "accepted"
    rs.referral_complete(actor=clerk, referral=referral, result="granted", outcome="核定救助 800 元", amount="800")
    assert rows.count() == 2 and rows.order_by("pk").last().detail["changes"]["result"] == "granted"
    assert Event.objects.filter(kind=IntakeEvent.REFERRAL_ACCEPTED, subject_id=str(referral.pk)).count() == 1


def test_resend_guards_capability_department_audit(referred, persona, world):
    returned = rs.referral_return(actor=persona("longhui_clerk"), referral=referred["referral"],
                                  reason="材料不全，请补齐")
    with pytest.raises(PermissionDenied):
        rs.referral_resend(actor=persona("longhui_analyst"), referral=returned, note="补齐了材料")
    with pytest.raises(DomainError) as caught:
        rs.referral_resend(actor=persona("longhui_clerk"), referral=returned, note="补齐了材料")
    assert caught.value.code == "forbidden"
    assert Referral.objects.count() == 1
    new = rs.referral_resend(actor=persona("longhui_officer"), referral=returned, note="补齐了材料")
    assert AuditLog.objects.filter(object_type="intake.referral", object_id=str(new.pk), action="create",
                                   detail__changes__previous=returned.pk).exists()


def test_events_carry_the_applicants_household_chain(take_application, register, persona):
    """An applicant in the registry: every referral step lands on their household's chain."""
    from conftest import member

    household = register(members=[member("李秀英", "head", born=dt.date(1968, 3, 9), seq=31)])
    app = take_application(applicant_id_number=household.members.get().id_number)
    assert app.household_id == household.pk
    item = app.items.select_related("application__region").get(item="medical")
    referral = rs.referral_send(actor=persona("longhui_window"), item=item)
    rs.referral_accept(actor=persona("longhui_clerk"), referral=referral)
    events = Event.objects.filter(subject_type="intake.referral")
    assert events.count() == 2 and set(events.values_list("household_id", flat=True)) == {household.pk}
    assert set(events.values_list("person_id", flat=True)) == {app.person_id} and app.person_id is not None
