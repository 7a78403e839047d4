"""Family search's lines on the home page's work list (core/worklist.py): DNA 比对 overdue (past the 7 working days,
or long-stay without a referral) and waiting within the deadline. Capped counts in the station's scope."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.familysearch import dna_selectors


def _url(show: str) -> str:
    return reverse("familysearch:dna_list") + f"?show={show}"


def dna_overdue(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    return item("DNA 比对超过期限的受助人员", dna_selectors.waiting(actor=actor, show="overdue"), _url("overdue"),
                urgency=DUE, hint="身份不明人员入站 7 个工作日内报请公安机关采血送检")


def dna_due(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    return item("待报请或待采血的 DNA 比对", dna_selectors.waiting(actor=actor, show="due"), _url("due"),
                hint="报请公安机关采血，登记样本编号")


ITEMS = [dna_overdue, dna_due]
