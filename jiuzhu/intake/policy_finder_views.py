"""政策找人 (officers, Capability.INTAKE and the registry's reading capability): registry households in the
jurisdiction that qualify for items they do not receive (policy_finder.py), a counted, paginated list with the
persons shown audited (set-based), and its Excel export."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from jiuzhu.core.audit import audit_persons_shown
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_picker import pick_region
from jiuzhu.intake import policy_finder as finder
from jiuzhu.intake.services import today
from jiuzhu.registry.selectors import display_id_number


def _query(request):
    require(request.user, Capability.INTAKE)
    picker = pick_region(request.user, request.GET)
    item = request.GET.get("item", "")
    item = item if item in finder.FINDER_RULES else ""
    rows = finder.finder_rows(request.user, on=today(), item=item, region=picker.region)
    return picker, item, rows


@login_required
def policy_finder(request):
    picker, item, rows = _query(request)
    page = Paginator([] if picker.error else rows, finder.PAGE_SIZE).get_page(request.GET.get("page"))
    lines = finder.lines_for(page.object_list)
    audit_persons_shown(actor=request.user, persons=finder.person_ids(lines), purpose="policy_finder")
    for line in lines:
        person = line.shown_person
        line.shown_id = display_id_number(request.user, person) if person else ""
    return render(request, "intake/policy_finder.html", {
        "page": page, "lines": lines, "picker": picker, "item": item, "rules": finder.FINDER_RULES.values()})


EXPORT_HEADERS = ["户号", "属地", "户主", "人员", "身份证号码", "可享未享事项", "依据"]


@login_required
def policy_finder_export(request):
    picker, item, rows = _query(request)
    lines = [] if picker.error else finder.lines_for(rows[:finder.EXPORT_LIMIT])
    audit_persons_shown(actor=request.user, persons=finder.person_ids(lines), purpose="policy_finder_export")
    data = ([line.household.pk, line.household.region.full_name,
             line.household.head.name if line.household.head else "", line.person.name if line.person else "",
             display_id_number(request.user, line.shown_person) if line.shown_person else "",
             line.rule.label, line.rule.reason] for line in lines)
    return xlsx_response(f"政策找人_{dt.date.today():%Y%m%d}.xlsx", EXPORT_HEADERS, data, actor=request.user,
                         object_type="intake.policy_finder",
                         filters={k: v for k, v in {"可享未享事项": finder.FINDER_RULES[item].label if item else "",
                                                    "地区": picker.region.full_name if picker.region else ""}.items()
                                  if v})  # Chinese labels: what the auditor's log shows
