"""Pages of the referral part: the department's inbox (and the officers' list of their referrals), one referral
with the application behind it and the clerk's accept / return / complete forms, and an item's referrals with the
window's 转办 / 重新转办 forms (`item_referrals`, standalone; the window's application page includes the same
partial). Writes go through referral_services; a refused write shows the page again with the message beside the
field and what was typed; a done one redirects to a safe `next` or back to the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Organization
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.intake import referral_selectors as selectors
from jiuzhu.intake import referral_services as services
from jiuzhu.intake.models import REFERRAL_OPEN_STATUSES, ReferralResult
from jiuzhu.intake.referral_forms import InboxFilterForm, ReferralCompleteForm, ReferralReturnForm


def _values(request) -> dict:
    return {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "next")}


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


def _back(request, url_name: str, pk: int):
    target = _safe_next(request)
    return redirect(target) if target else redirect(url_name, pk)


# ---- The inbox ----------------------------------------------------------------------------------------------

@login_required
def department_inbox(request):
    """部门经办's inbox: referrals to their department (open first, oldest deadline first); an officer sees
    the referrals of the applications in their jurisdiction here too."""
    require(request.user, Capability.INTAKE)
    filters = selectors.parse_filters(request.GET)
    form = InboxFilterForm(initial={"status": filters.status, "overdue": filters.overdue})
    rows = selectors.inbox(actor=request.user, filters=filters)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    shown = selectors.inbox_rows(request.user, list(page.object_list))
    department = is_department_actor(request.user)
    return render(request, "intake/department_inbox.html", {
        "page": page, "rows": shown, "form": form, "filters": filters, "department": department,
        "title": "转给本部门的事项" if department else "转办事项",
    })


# ---- One referral -----------------------------------------------------------------------------------------------

def _detail(request, referral, *, failed: dict | None = None, status: int = 200):
    actor = request.user
    application = referral.application_item.application
    clerk = (is_department_actor(actor) and actor.organization_id == referral.organization_id)
    may_act = clerk and referral.status in REFERRAL_OPEN_STATUSES
    failed = failed or {}
    return_form = ReferralReturnForm(failed.get("values") if failed.get("form") == "return" else None)
    complete_form = ReferralCompleteForm(failed.get("values") if failed.get("form") == "complete" else None)
    for form_name, form in (("return", return_form), ("complete", complete_form)):
        if failed.get("form") == form_name:
            form.is_valid()  # binds the typed values; the service's message is added below
            field = failed.get("field")
            form.errors.clear()
            form.add_error(field if field in form.fields else None, failed["error"])
    history = selectors.item_history(referral.application_item)
    on = selectors.today()
    return render(request, "intake/referral_detail.html", {
        "r": referral, "application": application, "item": referral.application_item,
        "applicant_id": selectors.applicant_id_shown(actor, application),
        "deadline": selectors.deadline_text(referral.due_date, on=on,
                                            done=referral.status not in REFERRAL_OPEN_STATUSES),
        "overdue": referral.status in REFERRAL_OPEN_STATUSES and referral.due_date < on,
        "history": [{"r": h, "deadline": selectors.deadline_text(h.due_date, on=on,
                                                                 done=h.status not in REFERRAL_OPEN_STATUSES)}
                    for h in history],
        "items": selectors.materials(application, actor=actor, item=referral.application_item),
        "may_act": may_act, "clerk": clerk,
        "return_form": return_form, "complete_form": complete_form, "failed": failed,
        "results": ReferralResult.choices,
    }, status=status)


@login_required
def referral_detail(request, referral_id: int):
    referral = selectors.referral_view(actor=request.user, referral_id=referral_id)
    return _detail(request, referral)


def _act(request, referral_id: int, form: str, action, done: str):
    referral = selectors.referral_view(actor=request.user, referral_id=referral_id, purpose=form)
    try:
        action(referral)
    except DomainError as exc:
        return _detail(request, referral, status=400,
                       failed={"form": form, "error": exc.message, "field": exc.field, "values": _values(request)})
    messages.success(request, done)
    return _back(request, "intake:referral_detail", referral.pk)


@login_required
@require_POST
def referral_accept(request, referral_id: int):
    return _act(request, referral_id, "accept",
                lambda r: services.referral_accept(actor=request.user, referral=r), "已接收，请在办理期限内办结")


@login_required
@require_POST
def referral_return(request, referral_id: int):
    def run(r):
        services.referral_return(actor=request.user, referral=r, reason=request.POST.get("reason", ""))
    return _act(request, referral_id, "return", run, "已退回窗口，退回理由已告知")


@login_required
@require_POST
def referral_complete(request, referral_id: int):
    def run(r):
        services.referral_complete(actor=request.user, referral=r, result=request.POST.get("result", ""),
                                   outcome=request.POST.get("outcome", ""), amount=request.POST.get("amount", ""))
    return _act(request, referral_id, "complete", run, "已办结，结果已告知窗口")


# ---- An item's referrals (the window's side) ----------------------------------------------------------------

def _item_page(request, item, *, failed: dict | None = None, status: int = 200):
    application = item.application
    return render(request, "intake/referral_item.html", {
        "item": item, "application": application,
        "applicant_id": selectors.applicant_id_shown(request.user, application),
        "referral_failed": failed,
        "referral_next": _safe_next(request) or reverse("intake:item_referrals", args=[item.pk]),
    }, status=status)


@login_required
def item_referrals(request, item_id: int):
    item = selectors.item_get(actor=request.user, item_id=item_id)
    return _item_page(request, item)


def _organization(request) -> Organization | None:
    value = request.POST.get("organization", "")
    if not value:
        return None
    found = Organization.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if found is None:
        raise DomainError("所选部门不存在", code="validation_error", field="organization")
    return found


def _done(request, item, message: str):
    messages.success(request, message)
    return _back(request, "intake:item_referrals", item.pk)


@login_required
@require_POST
def referral_send(request, item_id: int):
    item = selectors.item_get(actor=request.user, item_id=item_id, purpose="referral_send")
    try:
        referral = services.referral_send(actor=request.user, item=item, note=request.POST.get("note", ""),
                                          organization=_organization(request))
    except DomainError as exc:
        return _item_page(request, item, status=400, failed={
            "item": item.pk, "form": "send", "error": exc.message, "field": exc.field, "values": _values(request)})
    return _done(request, item, f"已转{referral.organization.name}办理，办理期限 {referral.due_date:%Y-%m-%d}")


@login_required
@require_POST
def referral_resend(request, referral_id: int):
    referral = selectors.referral_view(actor=request.user, referral_id=referral_id, purpose="referral_resend")
    item = selectors.item_get(actor=request.user, item_id=referral.application_item_id, purpose="referral_resend")
    try:
        new = services.referral_resend(actor=request.user, referral=referral, note=request.POST.get("note", ""),
                                       organization=_organization(request))
    except DomainError as exc:
        return _item_page(request, item, status=400, failed={
            "item": item.pk, "form": "resend", "error": exc.message, "field": exc.field, "values": _values(request)})
    return _done(request, item, f"已重新转{new.organization.name}办理，办理期限 {new.due_date:%Y-%m-%d}")
