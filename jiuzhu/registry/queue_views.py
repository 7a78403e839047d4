"""The approver's queue (审批队列): pending tier decisions, the evidence beside a decision, confirm one or
many, override, undo. Thin: every rule is in services and selectors (the capability decide_tiers and the
jurisdiction are checked there: queue_pending, queue_decision_get, tier_decisions_confirm …). A refused form
is shown again with what was typed and the error in the red box; success lands on the queue in green."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import DomainError, clean_date
from jiuzhu.registry import selectors, services
from jiuzhu.registry.models import DecisionStatus, Tier

FILTERS = ("township", "tier", "reason", "changed")
INCOME_KINDS = {"income": "收入", "asset": "财产", "expense": "刚性支出"}


def _filters(data) -> dict:
    values = {k: (data.get(k) or "").strip() for k in FILTERS}
    if values["tier"] not in Tier.values:
        values["tier"] = ""
    if values["reason"] not in selectors.QUEUE_REASONS:
        values["reason"] = ""
    values["changed"] = "1" if values["changed"] else ""
    return values


def _query(filters: dict) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


def _queue_url(filters: dict) -> str:
    query = _query(filters)
    return reverse("registry:queue") + (f"?{query}" if query else "")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _search(request):
    filters = _filters(request.GET)
    return filters, selectors.queue_search(actor=request.user, township=filters["township"], tier=filters["tier"],
                                           reason=filters["reason"], changed=bool(filters["changed"]))


@login_required
def queue_count(request):
    """The queue's count for the same filters, asked by the page after it loads (htmx)."""
    filters, qs = _search(request)
    json_filter = bool(filters["reason"] or filters["changed"])
    count, capped = selectors.queue_count(qs, cap=selectors.QUEUE_COUNT_CAP_JSON if json_filter else None)
    return render(request, "registry/_queue_count.html", {"count": count, "capped": capped})


@login_required
def queue_page(request):
    filters, qs = _search(request)
    page = selectors.queue_page(qs, after=_int(request.GET.get("after")), before=_int(request.GET.get("before")),
                                last=request.GET.get("page") == "last")
    recent = selectors.queue_recently_decided(request.user)
    shown = [d["person_id"] or d["head_id"] for d in [*page["items"], *recent]]
    selectors.audit_shown(request.user, [p for p in shown if p], purpose="tier_queue",
                          query_hash=selectors.query_hash({k: v for k, v in filters.items() if v}))
    return render(request, "registry/queue.html", {
        "page": page, "filters": filters, "query": _query(filters), "recent": recent,
        "townships": selectors.queue_townships(request.user).values_list("code", "name"),
        "queue_url": reverse("registry:queue"),  # rows link to <queue_url><id>/ (one reverse, not fifty)
        "tiers": Tier.choices, "reasons": _reasons_offered(request.user, filters["reason"]),
    })


def _reasons_offered(actor, chosen: str) -> list[tuple[str, str]]:
    """The reason kinds present in the queue, and the one chosen even if it is no longer present."""
    offered = selectors.queue_reasons_present(actor)
    if chosen and chosen not in dict(offered):
        offered.append((chosen, selectors.QUEUE_REASONS[chosen][0]))
    return offered


def _decision_context(request, decision, **extra) -> dict:
    evidence = selectors.queue_evidence(actor=request.user, decision=decision)
    facts = decision.all_facts  # its own figures over the run's basis (standards, window)
    coverage = facts.get("coverage") or {}
    if isinstance(coverage, dict):
        coverage = [f"{INCOME_KINDS.get(k, k)}：{v}" for k, v in coverage.items()]
    return {
        "decision": decision, "household": decision.household, **evidence, "facts": facts,
        "coverage": coverage, "warnings": facts.get("warnings") or [], "changes": facts.get("changes") or [],
        "birth_label": selectors.birth_label(request.user), "tiers": Tier.choices,
        "pending": decision.status == DecisionStatus.RECOMMENDED,
        "may_undo": (decision.status in services.DECIDED and decision.decided_by_id == request.user.pk),
        "today": dt.date.today(), "back": _queue_url(_filters(request.GET)),
        "values": {}, **extra,
    }


@login_required
def decision_page(request, decision_id: int):
    decision = selectors.queue_decision_get(actor=request.user, decision_id=decision_id)
    return render(request, "registry/decision.html", _decision_context(request, decision))


def _date(value, label: str, field: str) -> dt.date:
    return clean_date(value, label, field, required=True)


def _decide(request, decision_id: int, action, done: str):
    """Runs one decision action; on a refusal the decision page comes back with the error and what was typed."""
    decision = selectors.queue_decision_get(actor=request.user, decision_id=decision_id)
    values = request.POST.dict()
    try:
        action(decision, values)
    except DomainError as exc:
        return render(request, "registry/decision.html",
                      _decision_context(request, decision, error=exc.message, error_field=exc.field or "",
                                        values=values), status=200)
    messages.success(request, done.format(household=decision.household_id))
    if decision.status == DecisionStatus.RECOMMENDED:  # undone: back on the decision, now pending again
        return redirect("registry:queue_decision", decision.pk)
    back = values.get("back", "")
    return redirect(back if back.startswith("/registry/queue/") else reverse("registry:queue"))


@login_required
@require_POST
def decision_confirm(request, decision_id: int):
    """确认 asks once more (the tier and the date it takes effect, 确定确认 or 返回修改) before the decision is
    taken, as 确认所选 does for many: a confirmed tier starts payments, and one click should not."""
    if request.POST.get("confirmed") != "1":
        decision = selectors.queue_decision_get(actor=request.user, decision_id=decision_id)
        values = request.POST.dict()
        try:
            valid_from = _date(values.get("valid_from"), "有效期起", "valid_from")
        except DomainError as exc:
            return render(request, "registry/decision.html", _decision_context(
                request, decision, error=exc.message, error_field=exc.field or "", values=values))
        return render(request, "registry/decision.html",
                      _decision_context(request, decision, confirming=valid_from, values=values))

    def confirm(decision, values):
        services.tier_decision_confirm(actor=request.user, decision=decision,
                                       valid_from=_date(values.get("valid_from"), "有效期起", "valid_from"))
    return _decide(request, decision_id, confirm, "已确认：户号 {household}")


@login_required
@require_POST
def decision_override(request, decision_id: int):
    def override(decision, values):
        valid_from = _date(values.get("valid_from"), "有效期起", "valid_from")
        if not values.get("tier"):
            raise DomainError("请选择改定层级", code="validation_error", field="tier")
        services.tier_decision_override(actor=request.user, decision=decision, tier=values.get("tier", ""),
                                        reason=values.get("reason", ""), valid_from=valid_from)
    return _decide(request, decision_id, override, "已改定：户号 {household}")


@login_required
@require_POST
def decision_undo(request, decision_id: int):
    def undo(decision, values):
        services.tier_decision_undo(actor=request.user, decision=decision, reason=values.get("undo_reason", ""))
    return _decide(request, decision_id, undo, "已撤销审批：户号 {household} 重新进入审批队列")


@login_required
def queue_confirm(request):
    """确认所选: the chosen decisions listed with their tiers (GET from the queue's checkboxes), then 确认 (POST)."""
    data = request.POST if request.method == "POST" else request.GET
    ids = sorted({i for i in (_int(v) for v in data.getlist("ids")) if i is not None})
    filters = _filters(data)
    valid_from_text = data.get("valid_from") or dt.date.today().isoformat()
    error = ""
    if request.method == "POST":
        try:
            count = services.tier_decisions_confirm(
                actor=request.user, decision_ids=ids,
                valid_from=_date(data.get("valid_from"), "有效期起", "valid_from"))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已确认 {count} 户的层级认定")
            return redirect(_queue_url(filters))
    elif not ids:
        error = "请先在审批队列中勾选要确认的认定"
    chosen = list(selectors.queue_pending(request.user).filter(pk__in=ids)
                  .select_related("household__region", "household__head", "person").order_by("pk"))
    missing = [i for i in ids if i not in {d.pk for d in chosen}]
    if missing and not error:
        error = f"以下认定不存在、不在您的管辖范围内或已审批：{'、'.join(map(str, missing))}"
    shown = [d.person_id or d.household.head_id for d in chosen]
    selectors.audit_shown(request.user, [p for p in shown if p], purpose="tier_queue_confirm")
    return render(request, "registry/queue_confirm.html", {
        "chosen": chosen, "error": error, "valid_from": valid_from_text, "filters": filters,
        "back": _queue_url(filters)})
