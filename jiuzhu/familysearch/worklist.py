"""Family search's lines on the home page's work list (core/worklist.py): notices whose 24-hour deadline passed or
comes soon (for the station manager, who publishes them), published notices due for their monthly refresh, new tips
from the public on the station's published notices (提供线索), to call back and check, and DNA 比对 overdue (past
the 7 working days, or long-stay without a referral) or waiting within the deadline, and published notices whose
push failed every retry (推送失败). Capped counts in scope."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.worklist import DUE, WorkItem, item
from jiuzhu.familysearch import dna_selectors, push_selectors, tip_selectors
from jiuzhu.familysearch import notice_selectors as sel


def _approver(actor) -> bool:
    return can(actor, Capability.APPROVE_RESCUE) and can(actor, Capability.RESCUE_CASES)


def notice_drafts_due(actor) -> WorkItem | None:
    if not _approver(actor):
        return None
    return item("24 小时内待发布或已超时的寻亲公告", sel.drafts_due(actor),
                reverse("familysearch:notice_list") + "?show=draft", urgency=DUE,
                hint="核对公告内容，审核发布；身份已查明的撤回")


def notice_refreshes_due(actor) -> WorkItem | None:
    if not _approver(actor):
        return None
    return item("到期待更新的寻亲公告", sel.refreshes_due(actor), reverse("familysearch:notice_list") + "?show=refresh",
                hint="每月自动更新发布；可在公告页核对内容后立即更新")


def new_tips(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    return item("待处理的寻亲线索", tip_selectors.new_tips(actor), reverse("familysearch:tip_list") + "?show=new",
                urgency=DUE, hint="尽快联系提供线索的群众，核实后标记为已处理")


def _dna_url(show: str) -> str:
    return reverse("familysearch:dna_list") + f"?show={show}"


def dna_overdue(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    return item("DNA 比对超过期限的受助人员", dna_selectors.waiting(actor=actor, show="overdue"), _dna_url("overdue"),
                urgency=DUE, hint="身份不明人员入站 7 个工作日内报请公安机关采血送检")


def dna_due(actor) -> WorkItem | None:
    if not can(actor, Capability.RESCUE_CASES):
        return None
    return item("待报请或待采血的 DNA 比对", dna_selectors.waiting(actor=actor, show="due"), _dna_url("due"),
                hint="报请公安机关采血，登记样本编号")


def pushes_failed(actor) -> WorkItem | None:
    if not (can(actor, Capability.APPROVE_RESCUE) or can(actor, Capability.RESCUE_CASES)):
        return None
    return item("推送失败的寻亲公告", push_selectors.notices_with_failed_pushes(actor),
                reverse("familysearch:push_list"), hint="多次重试仍未送达：核对订阅地址或邮件、短信服务后重新推送")


ITEMS = [notice_drafts_due, notice_refreshes_due, new_tips, dna_overdue, dna_due, pushes_failed]
NEXT_STEPS: list = []
