"""The fund's line on the work list: disbursements waiting for the approver."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.funds import fund_selectors as sel


def disbursements_to_approve(actor) -> WorkItem | None:
    if not can(actor, Capability.APPROVE_FUND):
        return None
    wi = item("托底救助基金：待审批的支出", sel.disbursements_to_decide(actor), reverse("funds_fund:list"), urgency=DUE,
              hint="核对一事一议或先行救助决定文书，批准或不予批准")
    return wi if wi.count else None


ITEMS = [disbursements_to_approve]
