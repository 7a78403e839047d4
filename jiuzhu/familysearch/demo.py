"""The demo's family-search notices, through the services: every unidentified client in stay gets its notice (the
admission handler's draft, or drafted here when the demo ran without the worker); of each station's notices the
oldest is withdrawn by the manager, the second oldest stays a draft past its 24 hours (for the work list), the
others are published (one of them due for its monthly refresh). Idempotent: a second run finds the notices."""

from __future__ import annotations

import datetime as dt

from jiuzhu.core.models import User
from jiuzhu.familysearch import notice_services as svc
from jiuzhu.familysearch.models import FamilyNotice, NoticeStatus
from jiuzhu.rescue.models import STAY_STATUSES, RescueCase

STATIONS = ("longhui", "dongkou")


def populate() -> dict:
    made = {"notices": 0, "published": 0, "withdrawn": 0}
    for prefix in STATIONS:
        manager = User.objects.select_related("organization", "region").filter(username=f"{prefix}_stationmgr").first()
        if manager is None or manager.organization_id is None:
            continue
        clients = list(RescueCase.objects.filter(station=manager.organization, status__in=STAY_STATUSES,
                                                 identity_confirmed=False).order_by("admitted_at", "pk"))
        if not clients or FamilyNotice.objects.filter(station=manager.organization).exclude(
                status=NoticeStatus.DRAFT).exists():
            continue  # no unidentified client, or the station's notices were worked on already
        notices = [n for case in clients if (n := svc.notice_draft_for_case(case=case)) is not None]
        made["notices"] += len(notices)
        for n in notices:  # drafted before the demo dated the record back: the dates follow the record
            snap = svc.snapshot_of(n.case)
            FamilyNotice.objects.filter(pk=n.pk).update(
                due_at=n.case.admitted_at + svc.NOTICE_DUE, found_on=snap["found_on"], title=snap["title"],
                estimated_age=snap["estimated_age"])
        if len(notices) >= 3:
            svc.notice_withdraw(actor=manager, notice=notices[0], reason="家属来电核实，正在办理接领手续")
            made["withdrawn"] += 1
        # notices[1] stays a draft: admitted before the others, it is past its 24 hours (the work list's line)
        for n in notices[2:] if len(notices) >= 3 else notices[1:]:
            svc.notice_publish(actor=manager, notice=n)
            made["published"] += 1
        published = FamilyNotice.objects.filter(station=manager.organization, status=NoticeStatus.PUBLISHED)\
            .order_by("pk").first()
        if published is not None:  # one notice published a month ago: its refresh is due (the sweep does it)
            FamilyNotice.objects.filter(pk=published.pk).update(
                refresh_due_on=svc.today() - dt.timedelta(days=1))
    return made
