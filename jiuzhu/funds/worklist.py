"""Funds' lines on the home page's work list (core/worklist.py): rolls waiting for a step the user may take
(a township's part to hand on or review, 县民政经办, 县民政审核), and open recoveries (追缴) in scope;
then the fund's and the purchase of services' own lines."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import scoped
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.funds import fund_worklist, purchase_worklist, selectors
from jiuzhu.funds.models import Recovery, RecoveryStatus


def rolls_waiting(actor) -> WorkItem | None:
    if not (can(actor, Capability.PREPARE_PAYMENTS) or can(actor, Capability.REVIEW_PAYMENTS)):
        return None
    wi = item("待我办理的发放花名册", selectors.rolls_waiting(actor), reverse("funds:roll_list"), urgency=DUE,
              hint="乡镇经办、乡镇审核、县民政经办、县民政审核")
    return wi if wi.count else None


def recoveries_open(actor) -> WorkItem | None:
    if not can(actor, Capability.PREPARE_PAYMENTS):
        return None
    qs = scoped(Recovery.objects.filter(status=RecoveryStatus.OPEN), actor, region_field="township")
    wi = item("待追缴的资金", qs, reverse("funds:roll_list"), hint="死亡、停保后多发的资金，追回后登记")
    return wi if wi.count else None


ITEMS = [rolls_waiting, recoveries_open, *fund_worklist.ITEMS, *purchase_worklist.ITEMS]
