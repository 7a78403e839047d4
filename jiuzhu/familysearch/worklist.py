"""Family search's lines on the home page's work list (core/worklist.py): new tips from the public on the
station's published notices (提供线索), to call back and check."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.familysearch import tip_selectors


def new_tips(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    return item("待处理的寻亲线索", tip_selectors.new_tips(actor), reverse("familysearch:tip_list") + "?show=new",
                urgency=DUE, hint="尽快联系提供线索的群众，核实后标记为已处理")


ITEMS = [new_tips]
NEXT_STEPS: list = []
