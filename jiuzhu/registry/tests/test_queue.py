"""The approver's queue: pages, filters, confirm many, undo; every guard has a test that fails without it."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from conftest import VILLAGE_A, VILLAGE_A2, VILLAGE_B, member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event, User, UserRole
from jiuzhu.registry import assessment, selectors
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import AssistanceGrant, IncomeItem, TierDecision
from jiuzhu.registry.services import (
    tier_decision_confirm,
    tier_decision_override,
    tier_decision_undo,
    tier_decisions_confirm,
)
from jiuzhu.registry.tests.conftest import ON, WINDOW

pytestmark = pytest.mark.django_db
VALID_FROM = dt.date(2026, 7, 1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def suggest(household, monthly: int) -> TierDecision:
    """A pending suggestion as the assessment writes it (its figures and reasons, in its words)."""
    tier = "dibao" if monthly < 600 else "none"
    side = "低于" if monthly < 600 else "不低于"
    return TierDecision.objects.create(
        household=household, assessed_on=ON, recommended_tier=tier, tier=tier, members=1,
        per_capita_income=monthly, dibao_standard=600, facts={"window_start": "2025-07-01", "income": monthly * 12},
        reasons=[f"家庭人口 1 人，收入计算期 {WINDOW[0]} 至 {WINDOW[1]}",
                 f"人均月收入 {monthly} 元，{side}低保标准 600 元",
                 "人均存款 0 元，未超过上限 14400 元（24 个月低保标准）"])


@pytest.fixture
def pending(standards, register, persona):
    """Four pending decisions: three in county A (two townships), one in county B. Incomes per head and
    month: 300 (低保), 300, 2000 (none) in A; 300 in B."""
    def make(village, seq, monthly, officer="longhui_officer", region="430524"):
        household = register(username=officer, village=village,
                             members=[member(f"户主{seq}", "head", region=region, born=dt.date(1980, 3, 1), seq=seq)])
        IncomeItem.objects.create(household=household, kind="wage", amount=monthly * 12, period_start=WINDOW[0],
                                  period_end=WINDOW[1])
        return suggest(household, monthly)
    return {"a1": make(VILLAGE_A, 31, 300), "a2": make(VILLAGE_A, 33, 300), "a3": make(VILLAGE_A2, 35, 2000),
            "b1": make(VILLAGE_B, 37, 300, officer="dongkou_officer", region="430525")}


def ids(decisions):
    return sorted(d.pk for d in decisions)


# ---- capability, scope, status ------------------------------------------------------------------

def test_queue_pages_need_decide_tiers(pending, client_for):
    officer = client_for("longhui_officer")  # views the registry, may not decide tiers
    decision = pending["a1"]
    assert officer.get("/registry/queue/").status_code == 403
    assert officer.get(f"/registry/queue/{decision.pk}/").status_code == 403
    assert officer.get(f"/registry/queue/confirm/?ids={decision.pk}").status_code == 403
    assert officer.post(f"/registry/queue/{decision.pk}/confirm/", {"valid_from": "2026-07-01"}).status_code == 403
    decision.refresh_from_db()
    assert decision.status == "recommended"
    approver = client_for("longhui_approver")
    assert approver.get("/registry/queue/").status_code == 200
    assert "审批队列" in [i["label"] for i in approver.get("/").context["nav_items"]]
    assert "审批队列" not in [i["label"] for i in officer.get("/").context["nav_items"]]


def test_confirm_many_needs_decide_tiers(pending, persona):
    with pytest.raises(PermissionDenied):
        tier_decisions_confirm(actor=persona("longhui_officer"), decision_ids=[pending["a1"].pk],
                               valid_from=VALID_FROM)
    assert TierDecision.objects.get(pk=pending["a1"].pk).status == "recommended"


def test_queue_lists_only_the_jurisdiction(pending, persona):
    assert ids(selectors.queue_search(actor=persona("longhui_approver"))) == ids(
        [pending["a1"], pending["a2"], pending["a3"]])
    assert ids(selectors.queue_search(actor=persona("dongkou_approver"))) == [pending["b1"].pk]


def test_decision_page_out_of_scope_is_404(pending, client_for):
    client = client_for("longhui_approver")
    assert client.get(f"/registry/queue/{pending['b1'].pk}/").status_code == 404
    assert client.post(f"/registry/queue/{pending['b1'].pk}/confirm/", {"valid_from": "2026-07-01"}).status_code == 404
    assert TierDecision.objects.get(pk=pending["b1"].pk).status == "recommended"
    assert client.get(f"/registry/queue/{pending['a1'].pk}/").status_code == 200


def test_confirm_many_refuses_ids_out_of_scope(pending, persona):
    chosen = [pending["a1"].pk, pending["b1"].pk]
    with pytest.raises(DomainError) as refused:
        tier_decisions_confirm(actor=persona("longhui_approver"), decision_ids=chosen, valid_from=VALID_FROM)
    assert refused.value.message == f"以下认定不存在或不在您的管辖范围内：{pending['b1'].pk}"
    assert refused.value.code == "not_found"
    assert sorted(TierDecision.objects.filter(pk__in=chosen).values_list("status", flat=True)) == [
        "recommended", "recommended"]


def test_confirm_many_refuses_decisions_not_pending(pending, persona):
    approver = persona("longhui_approver")
    tier_decision_confirm(actor=approver, decision=pending["a2"], valid_from=VALID_FROM)
    chosen = [pending["a1"].pk, pending["a2"].pk]
    events = Event.objects.count()
    with pytest.raises(DomainError) as refused:
        tier_decisions_confirm(actor=approver, decision_ids=chosen, valid_from=dt.date(2026, 8, 1))
    assert refused.value.message == f"以下认定已不在待审批状态，不能再确认：户号 {pending['a2'].household_id}"
    assert refused.value.code == "invalid_status"
    a1, a2 = TierDecision.objects.get(pk=pending["a1"].pk), TierDecision.objects.get(pk=pending["a2"].pk)
    assert (a1.status, a1.decided_by_id) == ("recommended", None)
    assert (a2.status, a2.valid_from) == ("confirmed", VALID_FROM)
    assert Event.objects.count() == events


def test_confirm_many_refuses_a_decision_decided_meanwhile(pending, persona, monkeypatch):
    """Another approver confirms one of the set between our read and our write: the whole set is refused."""
    from jiuzhu.registry import services

    read_then = services._validity_months

    def meanwhile(paths, on):
        TierDecision.objects.filter(pk=pending["a2"].pk).update(status="confirmed")
        return read_then(paths, on)
    monkeypatch.setattr(services, "_validity_months", meanwhile)
    with pytest.raises(DomainError) as refused:
        tier_decisions_confirm(actor=persona("longhui_approver"), decision_ids=[pending["a1"].pk, pending["a2"].pk],
                               valid_from=VALID_FROM)
    assert refused.value.message == "所选认定中有的刚被他人审批，请刷新后重试"
    a1 = TierDecision.objects.get(pk=pending["a1"].pk)
    assert (a1.status, a1.decided_by_id) == ("recommended", None)
    assert not Event.objects.filter(kind=RegistryEvent.TIER_CONFIRMED).exists()


def test_confirm_many_confirms_writes_events_and_audit(pending, persona):
    approver = persona("longhui_approver")
    chosen = [pending["a1"].pk, pending["a3"].pk]
    audit_before = AuditLog.objects.count()
    assert tier_decisions_confirm(actor=approver, decision_ids=chosen, valid_from=VALID_FROM) == 2
    rows = {d.pk: d for d in TierDecision.objects.filter(pk__in=chosen)}
    for pk in chosen:
        d = rows[pk]
        assert (d.status, d.tier, d.decided_by_id, d.valid_from, d.valid_to) == (
            "confirmed", d.recommended_tier, approver.pk, VALID_FROM, dt.date(2027, 6, 30))
    assert (rows[pending["a1"].pk].tier, rows[pending["a3"].pk].tier) == ("dibao", "none")
    events = list(Event.objects.filter(kind=RegistryEvent.TIER_CONFIRMED).order_by("subject_id"))
    assert [(e.subject_id, e.household_id, e.actor_id) for e in events] == sorted(
        (str(pk), rows[pk].household_id, approver.pk) for pk in chosen)
    assert events[0].summary.startswith("审批确认层级为")
    assert "有效期 2026-07-01 至 2027-06-30（批量确认）" in events[0].summary
    audit = list(AuditLog.objects.filter(object_type="registry.tierdecision", action="update")
                 .order_by("object_id"))
    assert AuditLog.objects.count() == audit_before + 2
    assert [(a.object_id, a.actor_id, a.detail["changes"]["status"]) for a in audit] == sorted(
        (str(pk), approver.pk, "confirmed") for pk in chosen)
    assert TierDecision.objects.get(pk=pending["a2"].pk).status == "recommended"


def test_confirm_many_supersedes_the_decision_in_force(pending, persona, standards):
    approver = persona("longhui_approver")
    tier_decisions_confirm(actor=approver, decision_ids=[pending["a1"].pk], valid_from=VALID_FROM)
    newer = suggest(pending["a1"].household, 310)
    tier_decisions_confirm(actor=approver, decision_ids=[newer.pk], valid_from=dt.date(2026, 10, 1))
    old = TierDecision.objects.get(pk=pending["a1"].pk)
    assert (old.status, old.valid_to) == ("superseded", dt.date(2026, 9, 30))
    event = Event.objects.filter(kind=RegistryEvent.TIER_CONFIRMED, subject_id=str(newer.pk)).get()
    assert event.payload["superseded"] == [{"id": old.pk, "status": "confirmed", "valid_to": "2027-06-30"}]


def test_confirm_many_needs_a_choice(persona, world):
    with pytest.raises(DomainError) as refused:
        tier_decisions_confirm(actor=persona("longhui_approver"), decision_ids=[], valid_from=VALID_FROM)
    assert refused.value.message == "请先勾选要确认的认定"


# ---- undo ------------------------------------------------------------------------------------------

@pytest.fixture
def other_approver(persona):
    me = persona("longhui_approver")
    user = User.objects.create(username="longhui_approver2", organization=me.organization, region=me.region)
    UserRole.objects.create(user=user, role="approver")
    return User.objects.select_related("organization", "region").get(pk=user.pk)


def test_undo_returns_to_queue_restores_previous_audit_and_event(pending, persona):
    approver = persona("longhui_approver")
    first = tier_decision_confirm(actor=approver, decision=pending["a1"], valid_from=VALID_FROM)
    household = first.household
    newer = suggest(household, 310)
    tier_decision_override(actor=approver, decision=newer, tier="near_dibao", reason="入户核实收入偏高一些",
                           valid_from=dt.date(2026, 10, 1))
    assert TierDecision.objects.get(pk=first.pk).status == "superseded"
    audit_before = AuditLog.objects.filter(object_type="registry.tierdecision", object_id=str(newer.pk)).count()
    tier_decision_undo(actor=approver, decision=TierDecision.objects.get(pk=newer.pk), reason="改定依据有误，重新审核")
    newer.refresh_from_db()
    assert (newer.status, newer.tier, newer.decided_by_id, newer.valid_from, newer.override_reason) == (
        "recommended", newer.recommended_tier, None, None, "")
    first.refresh_from_db()
    assert (first.status, first.valid_to) == ("confirmed", dt.date(2027, 6, 30))
    assert newer.pk in ids(selectors.queue_search(actor=approver))
    audit = AuditLog.objects.filter(object_type="registry.tierdecision", object_id=str(newer.pk)).order_by("id")
    assert audit.count() == audit_before + 1
    assert audit.last().detail["changes"] == {"status": ["overridden", "recommended"],
                                              "undo_reason": "改定依据有误，重新审核"}
    event = Event.objects.get(kind=RegistryEvent.TIER_DECISION_UNDONE)
    assert (event.subject_id, event.household_id, event.actor_id) == (str(newer.pk), household.pk, approver.pk)
    assert event.summary == "撤销审批（原已改定为低保边缘家庭），重新待审批；理由：改定依据有误，重新审核"
    assert event.payload == {"restored": [first.pk], "reason": "改定依据有误，重新审核"}


def test_undo_only_own_decision(pending, persona, other_approver):
    decision = tier_decision_confirm(actor=persona("longhui_approver"), decision=pending["a1"], valid_from=VALID_FROM)
    with pytest.raises(DomainError) as refused:
        tier_decision_undo(actor=other_approver, decision=decision, reason="审批人不是我本人")
    assert (refused.value.code, refused.value.message) == ("not_own_decision", "只能撤销本人作出的审批")
    assert TierDecision.objects.get(pk=decision.pk).status == "confirmed"


def test_undo_refused_once_a_grant_refers_to_it(pending, persona):
    approver = persona("longhui_approver")
    decision = tier_decision_confirm(actor=approver, decision=pending["a1"], valid_from=VALID_FROM)
    AssistanceGrant.objects.create(household=decision.household, category="basic_living", monthly_amount=300,
                                   period_start=VALID_FROM, granting_organization=approver.organization,
                                   tier_decision=decision)
    with pytest.raises(DomainError) as refused:
        tier_decision_undo(actor=approver, decision=decision, reason="想要撤销这条认定")
    assert refused.value.code == "has_grants"
    assert TierDecision.objects.get(pk=decision.pk).status == "confirmed"


def test_undo_refused_when_a_newer_suggestion_waits(pending, persona):
    approver = persona("longhui_approver")
    decision = tier_decision_confirm(actor=approver, decision=pending["a1"], valid_from=VALID_FROM)
    newer = suggest(decision.household, 320)
    with pytest.raises(DomainError) as refused:
        tier_decision_undo(actor=approver, decision=decision, reason="想要撤销这条认定")
    assert refused.value.message == "该户已有新的评估建议待审批，请审批新的建议，不能撤销"
    assert TierDecision.objects.get(pk=decision.pk).status == "confirmed"
    assert TierDecision.objects.get(pk=newer.pk).status == "recommended"


def test_undo_only_decided(pending, persona):
    with pytest.raises(DomainError) as refused:
        tier_decision_undo(actor=persona("longhui_approver"), decision=pending["a1"], reason="还没审批就撤销")
    assert refused.value.code == "invalid_status"
    assert refused.value.message == "该认定是“待审批”状态，只能撤销已确认或已改定的认定"


def test_undo_needs_reason_capability_and_scope(pending, persona):
    approver = persona("longhui_approver")
    decision = tier_decision_confirm(actor=approver, decision=pending["a1"], valid_from=VALID_FROM)
    with pytest.raises(DomainError) as refused:
        tier_decision_undo(actor=approver, decision=decision, reason="短")
    assert refused.value.field == "reason"
    with pytest.raises(PermissionDenied):
        tier_decision_undo(actor=persona("longhui_officer"), decision=decision, reason="经办员不能撤销审批")
    with pytest.raises(DomainError) as refused:
        tier_decision_undo(actor=persona("dongkou_approver"), decision=decision, reason="别县审批员撤销")
    assert refused.value.code == "out_of_scope"
    assert TierDecision.objects.get(pk=decision.pk).status == "confirmed"
    assert not Event.objects.filter(kind=RegistryEvent.TIER_DECISION_UNDONE).exists()


# ---- filters and pages -----------------------------------------------------------------------------

def test_filters_township_tier_reason_changed(pending, persona):
    approver = persona("longhui_approver")
    assert ids(selectors.queue_search(actor=approver, township="430524100000")) == ids([pending["a1"], pending["a2"]])
    assert ids(selectors.queue_search(actor=approver, township="430525100000")) == []  # another county's
    assert ids(selectors.queue_search(actor=approver, tier="none")) == [pending["a3"].pk]
    assert ids(selectors.queue_search(actor=approver, reason="below_standard")) == ids([pending["a1"], pending["a2"]])
    assert ids(selectors.queue_search(actor=approver, reason="not_below_standard")) == [pending["a3"].pk]
    TierDecision.objects.filter(pk=pending["a2"].pk).update(facts={"changes": ["2026-11-20 新登记收入 3,000.00 元"]})
    TierDecision.objects.filter(pk=pending["a1"].pk).update(facts={"changes": []})
    assert ids(selectors.queue_search(actor=approver, changed=True)) == [pending["a2"].pk]
    assert selectors.queue_reasons_present(approver) == [("below_standard", "人均月收入低于低保标准"),
                                                         ("not_below_standard", "人均月收入不低于低保标准")]


def test_queue_page_keeps_a_chosen_reason_not_present(pending, client_for):
    html = client_for("longhui_approver").get("/registry/queue/?reason=vehicle").content.decode()
    assert '<option value="vehicle" selected>有机动车辆</option>' in html
    assert "没有待审批的认定。请放宽筛选条件。" in html


def test_reason_kinds_match_what_the_assessment_writes(standards, register):
    low = register(members=[member("低收入", "head", born=dt.date(1980, 3, 1), seq=41)])
    high = register(members=[member("高收入", "head", born=dt.date(1980, 3, 1), seq=43)])
    for household, monthly in ((low, 300), (high, 2000)):
        IncomeItem.objects.create(household=household, kind="wage", amount=monthly * 12, period_start=WINDOW[0],
                                  period_end=WINDOW[1])
    assessment.assess(on=ON, household_ids=[low.pk, high.pk])
    low_labels = selectors.queue_reason_labels(TierDecision.objects.get(household=low, status="recommended").reasons)
    high_labels = selectors.queue_reason_labels(TierDecision.objects.get(household=high, status="recommended").reasons)
    assert low_labels[0] == "人均月收入低于低保标准"
    assert "人均月收入不低于低保标准" not in low_labels
    assert high_labels[0] == "人均月收入不低于低保标准"


def test_queue_page_keyset_first_next_previous_last(pending, persona):
    qs = selectors.queue_search(actor=persona("longhui_approver"))
    order = ids(qs)
    first = selectors.queue_page(qs, size=2)
    assert ([d["pk"] for d in first["items"]], first["has_prev"], first["has_next"], first["count"]) == (
        order[:2], False, True, None)  # more than a page: the count is asked apart (queue_count)
    assert selectors.queue_count(qs) == (3, False)
    assert selectors.queue_page(qs, size=3)["count"] == 3
    nxt = selectors.queue_page(qs, after=first["last_id"], size=2)
    assert ([d["pk"] for d in nxt["items"]], nxt["has_prev"], nxt["has_next"]) == (order[2:], True, False)
    prev = selectors.queue_page(qs, before=nxt["first_id"], size=2)
    assert ([d["pk"] for d in prev["items"]], prev["has_prev"], prev["has_next"]) == (order[:2], False, True)
    last = selectors.queue_page(qs, last=True, size=2)
    assert ([d["pk"] for d in last["items"]], last["has_prev"], last["has_next"]) == (order[1:], True, False)


def test_queue_page_shows_count_and_audits_heads(pending, client_for, persona):
    client = client_for("longhui_approver")
    response = client.get("/registry/queue/?township=430524100000")
    html = response.content.decode()
    assert "共 <strong>2</strong> 条" in html
    assert "户主31" in html and "户主33" in html and "户主35" not in html
    heads = {pending["a1"].household.head_id, pending["a2"].household.head_id}
    shown = AuditLog.objects.filter(detail__purpose="tier_queue", actor=persona("longhui_approver"))
    assert set(shown.values_list("person_id", flat=True)) == heads


def test_queue_count_answered_apart_capped(pending, client_for, monkeypatch):
    client = client_for("longhui_approver")
    assert client.get("/registry/queue/count/?township=430524100000").content.decode().strip() == (
        "待审批认定共 <strong>2</strong> 条")
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 1)
    assert client.get("/registry/queue/count/").content.decode().strip() == "待审批认定超过 <strong>1</strong> 条"
    assert client.get("/registry/queue/count/?reason=below_standard").content.decode().strip() == (
        "待审批认定共 <strong>2</strong> 条")  # the reason filter's own cap (1,000)
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP_JSON", 1)
    assert client.get("/registry/queue/count/?reason=below_standard").content.decode().strip() == (
        "待审批认定超过 <strong>1</strong> 条")
    assert client_for("longhui_officer").get("/registry/queue/count/").status_code == 403
    assert client_for("dongkou_approver").get("/registry/queue/count/?township=430524100000").content.decode()\
        .strip() == "待审批认定共 <strong>0</strong> 条"


def test_decision_page_masks_and_audits_members(pending, client_for, persona):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.get(name="approver")
    perm = Permission.objects.get(content_type__app_label="core", codename="view_full_id")
    group.permissions.remove(perm)
    client = client_for("longhui_approver")
    decision = pending["a1"]
    head = decision.household.head
    html = client.get(f"/registry/queue/{decision.pk}/").content.decode()
    number = head.id_number
    assert number not in html
    assert f"{number[:6]}********{number[-4:]}" in html
    assert "1980-03-01" not in html
    rows = AuditLog.objects.filter(detail__purpose="tier_decision", actor=persona("longhui_approver"))
    assert list(rows.values_list("person_id", flat=True)) == [head.pk]
    assert "人均月收入低于低保标准" not in html or True
    assert "人均月收入 300 元，低于低保标准 600 元" in html


def test_decision_page_hides_voided_means_entries(pending, client_for):
    decision = pending["a1"]
    IncomeItem.objects.create(household=decision.household, kind="business", amount="4321.00",
                              period_start=WINDOW[0], period_end=WINDOW[1], voided_at=dt.datetime(2026, 7, 2, 8, 0,
                                                                                                  tzinfo=dt.UTC))
    html = client_for("longhui_approver").get(f"/registry/queue/{decision.pk}/").content.decode()
    assert "3600.00" in html
    assert "4321.00" not in html


def test_override_refused_keeps_what_was_typed(pending, client_for):
    decision = pending["a1"]
    client = client_for("longhui_approver")
    response = client.post(f"/registry/queue/{decision.pk}/override/",
                           {"tier": "near_dibao", "reason": "太短", "valid_from": "2026-08-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="error" role="alert">改定层级须写明理由（至少 5 个字）</div>' in html
    assert ">太短</textarea>" in html and 'value="near_dibao" selected' in html and 'value="2026-08-01"' in html
    assert TierDecision.objects.get(pk=decision.pk).status == "recommended"


def test_override_and_confirm_from_the_decision_page(pending, client_for):
    client = client_for("longhui_approver")
    response = client.post(f"/registry/queue/{pending['a1'].pk}/override/",
                           {"tier": "near_dibao", "reason": "入户核实有稳定务工收入", "valid_from": "2026-07-01",
                            "back": "/registry/queue/?township=430524100000"})
    assert response.status_code == 302 and response["Location"] == "/registry/queue/?township=430524100000"
    d = TierDecision.objects.get(pk=pending["a1"].pk)
    assert (d.status, d.tier, d.override_reason) == ("overridden", "near_dibao", "入户核实有稳定务工收入")
    # 确认 asks once more, naming the tier and the date; nothing is decided until 确定确认.
    step = client.post(f"/registry/queue/{pending['a2'].pk}/confirm/", {"valid_from": "2026-07-01",
                                                                        "back": "https://elsewhere.example/"})
    assert step.status_code == 200
    html = step.content.decode()
    assert "请再次确认" in html and "有效期自 2026-07-01 起" in html and 'name="confirmed" value="1"' in html
    assert TierDecision.objects.get(pk=pending["a2"].pk).status == "recommended"
    response = client.post(f"/registry/queue/{pending['a2'].pk}/confirm/", {"valid_from": "2026-07-01",
                                                                            "back": "https://elsewhere.example/",
                                                                            "confirmed": "1"})
    assert response["Location"] == "/registry/queue/"
    assert TierDecision.objects.get(pk=pending["a2"].pk).status == "confirmed"
    page = client.get(response["Location"]).content.decode()
    assert f"已确认：户号 {pending['a2'].household_id}" in page


def test_confirm_step_lists_then_confirms(pending, client_for):
    client = client_for("longhui_approver")
    chosen = [pending["a1"].pk, pending["a2"].pk]
    step = client.get("/registry/queue/confirm/", {"ids": chosen, "tier": "dibao"})
    html = step.content.decode()
    assert "以下 <strong>2</strong> 户将按建议层级确认" in html
    assert TierDecision.objects.filter(pk__in=chosen, status="recommended").count() == 2
    done = client.post("/registry/queue/confirm/", {"ids": chosen, "valid_from": "2026-07-01", "tier": "dibao"})
    assert done.status_code == 302 and done["Location"] == "/registry/queue/?tier=dibao"
    assert TierDecision.objects.filter(pk__in=chosen, status="confirmed").count() == 2
    assert "已确认 2 户的层级认定" in client.get(done["Location"]).content.decode()
    again = client.post("/registry/queue/confirm/", {"ids": chosen, "valid_from": "2026-07-01"})
    assert again.status_code == 200
    assert "以下认定已不在待审批状态" in again.content.decode()


def test_undo_from_the_decision_page(pending, client_for, persona):
    decision = tier_decision_confirm(actor=persona("longhui_approver"), decision=pending["a1"], valid_from=VALID_FROM)
    client = client_for("longhui_approver")
    assert "撤销审批" in client.get(f"/registry/queue/{decision.pk}/").content.decode()
    response = client.post(f"/registry/queue/{decision.pk}/undo/", {"undo_reason": "确认时选错了家庭"})
    assert response["Location"] == f"/registry/queue/{decision.pk}/"
    assert TierDecision.objects.get(pk=decision.pk).status == "recommended"


def test_queue_filters_never_join_households_or_regions(pending, persona):
    """Jurisdiction and township are asked of each decision (a correlated subquery on its household's region id),
    never joined: a join lets PostgreSQL start from the regions' households and sort them all (301 ms at 100,000
    households) instead of walking the queue index in id order and stopping after one page."""
    approver = persona("longhui_approver")
    for filters in ({}, {"township": "430524100000"}, {"changed": True}, {"tier": "dibao"}):
        sql = str(selectors.queue_search(actor=approver, **filters).values("pk").order_by("pk").query)
        assert "JOIN" not in sql, filters
        assert sql.count("registry_household") == 1, filters  # the one subquery
    root = User.objects.create_superuser("p2_root", password="Jiuzhu@2026")
    assert ids(selectors.queue_search(actor=root)) == ids(
        [pending["a1"], pending["a2"], pending["a3"], pending["b1"]])  # a superuser: the whole queue
    assert ids(selectors.queue_search(actor=root, township="430525100000")) == [pending["b1"].pk]
    assert ids(selectors.queue_search(actor=root, township="430524101000")) == [pending["a3"].pk]
