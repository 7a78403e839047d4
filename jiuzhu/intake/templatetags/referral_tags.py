"""`{% load referral_tags %}{% item_referrals item as r %}`: what the `_item_referrals.html` partial shows for one
application item (its referral history, the departments it may go to, which form the user gets), so the window
part's application page can include the partial with only `item` and `application` in its context."""

from django import template

from jiuzhu.intake import referral_selectors as selectors
from jiuzhu.intake import referral_services as services

register = template.Library()


@register.simple_tag(takes_context=True)
def item_referrals(context, item):
    request = context.get("request")
    actor = getattr(request, "user", None) or context.get("user")
    history = selectors.item_history(item)
    actions = selectors.item_actions(actor, item, history)
    on = selectors.today()
    rows = [{"r": r, "deadline": selectors.deadline_text(r.due_date, on=on,
                                                         done=r.status not in ("sent", "accepted")),
             "overdue": r.status in ("sent", "accepted") and r.due_date < on} for r in history]
    departments = services.departments_for(item) if actions["may_send"] or actions["may_resend"] else []
    failed = context.get("referral_failed") or {}
    if failed.get("item") != item.pk:
        failed = {}
    next_url = context.get("referral_next") or (request.get_full_path() if request is not None else "")
    return {"rows": rows, "departments": departments, "failed": failed, "next": next_url, **actions}
