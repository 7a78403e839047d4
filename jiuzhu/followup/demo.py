"""The demo's follow-up work (源头治理、回归稳固), through follow-up's and rescue's services, after rescue's demo:
returnees of 洞口县 sent home by 隆回县's station, at different points of their year of visits — a visit due this
week on the coordinator's phone, one overdue, one done that found hardship and was handed over to intake, one
home office's confirmations, a 防止返贫监测对象 flagged for the rural-revitalisation office — the at-risk registry
(a village entry waiting for the county, one listed, one returned incomplete, a suggestion from a returnee), and a
returnee admitted again (the alert to the home county).

Dates: a record made now is dated back before its discharge event is delivered, so the ledger entry and its
visits follow the dates as they would have happened. Events of work done today keep their time."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiuzhu.core.demo import person_name
from jiuzhu.core.events import deliver_pending
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region, User
from jiuzhu.followup import services
from jiuzhu.followup.models import AtRiskPerson, FollowupVisit, RepeatAlert, ReturneeEntry, VisitStatus
from jiuzhu.rescue import cases_services as cases
from jiuzhu.rescue.models import Discharge, RescueCase

HOME_COUNTY = "430525"  # 洞口县: its station, its office and its coordinators use the platform
# (months ago discharged, extra days, what happened since): the stories below, oldest first
STORIES = [
    ("overdue", 4, 5), ("handed_over", 2, 20), ("due", 2, 0), ("confirmed", 0, 21), ("condition", 0, 9),
]


def _back_date(case: RescueCase, left: dt.date) -> None:
    """Dates a record admitted and discharged just now: admitted three days before `left`, left on `left`."""
    back = case.admitted_on - (left - dt.timedelta(days=3))
    RescueCase.objects.filter(pk=case.pk).update(
        admitted_on=case.admitted_on - back, admitted_at=case.admitted_at - back, period_end=case.period_end - back,
        discharged_on=left)
    Discharge.objects.filter(case=case).update(discharged_at=timezone.make_aware(
        dt.datetime.combine(left, dt.time(15, 30))))


def _months_ago(today: dt.date, months: int, days: int) -> dt.date:
    return services.add_months(today, -months) - dt.timedelta(days=days)


def _relapse_client(station) -> dict | None:
    """A person of 洞口县 whose household is a 防止返贫监测对象 in the registry (the station's look-up finds it)."""
    from jiuzhu.core.crypto import decrypt_text
    from jiuzhu.registry.models import DecisionStatus, Person, TierDecision

    on = timezone.localdate()
    county_path = Region.objects.get(code=HOME_COUNTY).path
    if not TierDecision.objects.filter(tier="relapse_watch", status__in=[DecisionStatus.CONFIRMED,
                                                                         DecisionStatus.OVERRIDDEN],
                                       household__region__path__startswith=county_path).exists():
        # The demo's approvers have confirmed nothing yet: 洞口县's approver confirms one recommendation.
        from jiuzhu.registry.services import tier_decision_confirm

        pending = TierDecision.objects.filter(tier="relapse_watch", status=DecisionStatus.RECOMMENDED,
                                              household__region__path__startswith=county_path).order_by("pk").first()
        if pending is not None:
            tier_decision_confirm(actor=User.objects.get(username="dongkou_approver"), decision=pending)
    households = TierDecision.objects.filter(
        tier="relapse_watch", status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN],
        valid_from__lte=on, household__region__path__startswith=county_path,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).values("household_id")
    person = Person.objects.filter(household_id__in=households).exclude(id_number_cipher="").order_by("pk").first()
    if person is None:
        return None
    return {"name": person.name, "sex": person.sex if person.sex in ("M", "F") else "M",
            "id_number": decrypt_text(person.id_number_cipher)}


def _send_home(rng, worker, village: Region, seq: int, months: int, days: int, story: str, today: dt.date):
    left = _months_ago(today, months, days)
    born = dt.date(1958 + seq * 4, 1 + seq, 3 + seq)
    sex = "F" if seq == 3 else "M"
    client = {"name": person_name(rng, sex), "sex": sex,
              "id_number": make_id_number(village.code[:6], born, 211 + seq * 2 - (sex == "F")),
              "hukou_text": f"湖南省邵阳市洞口县{village.parent.name}{village.name}",
              "vagrancy_reason": rng.choice(["外出务工无着，身无分文", "与家人闹矛盾离家出走", "钱物被盗，无法返乡"])}
    if story == "condition":
        client["check_mental"], client["check_note"] = True, "言语混乱，疑似精神障碍，已联系家属"
    if story == "relapse":
        client = {**client, **(_relapse_client(worker.organization) or {})}
    case = cases.case_admit(actor=worker, arrival_channel="self_request", **client)
    kind = "relatives_collected" if story == "confirmed" else "escorted_return"
    facts = {"destination": client["hukou_text"]}
    if kind == "relatives_collected":
        facts |= {"collector_name": person_name(rng, "M", client["name"][:1]), "collector_relation": "儿子",
                  "collector_id_checked": True,
                  "collector_id_number": make_id_number(village.code[:6], dt.date(1985, 6, 1), 331)}
    else:
        facts["note"] = "两名工作人员护送到家，已与村委会交接"
    cases.case_discharge(actor=worker, case=case, kind=kind, belongings_returned=True, **facts)
    _back_date(case, left)
    return case


def populate(*, seed: int = 20261123) -> dict:
    """Idempotent: does nothing once the at-risk registry has anyone (the demo's follow-up is built)."""
    if AtRiskPerson.objects.exists():
        return {"returnees": 0, "visits": 0, "at_risk": 0, "alerts": 0}
    rng = random.Random(f"followup:{seed}")
    today = timezone.localdate()
    users = {name: User.objects.select_related("organization", "region").get(username=name) for name in (
        "longhui_station", "dongkou_station", "dongkou_officer", "dongkou_coordinator")}
    village = users["dongkou_coordinator"].region
    deliver_pending(limit=100_000)  # rescue's demo discharges: their ledger entries first
    with transaction.atomic():
        made = {story: _send_home(rng, users["longhui_station"], village, n, months, days, story, today)
                for n, (story, months, days) in enumerate([*STORIES, ("relapse", 1, 12)])}
    deliver_pending(limit=10_000)  # the ledger entries of the stories, with their schedules
    entries = {story: ReturneeEntry.objects.get(case=case) for story, case in made.items()}
    coordinator, officer, home_station = users["dongkou_coordinator"], users["dongkou_officer"], \
        users["dongkou_station"]
    with transaction.atomic():
        for entry in entries.values():  # the county makes the ID number's county precise: the village
            if entry.home_region is not None and entry.home_region.level != "village":
                services.returnee_set_home(actor=officer, entry=entry, region=village)
        for story in ("overdue", "handed_over", "confirmed", "due"):
            services.returnee_confirm_receipt(actor=home_station, entry=entries[story])
            services.returnee_confirm_arrival(actor=home_station, entry=entries[story],
                                              arrived_on=entries[story].discharged_on + dt.timedelta(days=1),
                                              note="已到家，与家人团聚")
        first = FollowupVisit.objects.get(entry=entries["overdue"], sequence=1)
        services.visit_record(actor=coordinator, visit=first, visited_on=first.due_on, method="home_visit",
                              findings="在家务农，身体尚可，家人照看，情况稳定")
        found = FollowupVisit.objects.get(entry=entries["handed_over"], sequence=1)
        services.visit_record(actor=coordinator, visit=found,
                              visited_on=min(today, found.due_on + dt.timedelta(days=2)),
                              method="home_visit", hardship="income",
                              findings="返乡后无稳定收入，妻子患病长期服药，家中仅靠亲戚接济")
        services.visit_handover(actor=coordinator, visit=found, items=["dibao", "medical"])
        # The at-risk registry: a village entry for the county, one listed, one returned as incomplete.
        waiting = services.at_risk_enter(
            actor=coordinator, region=village, name=person_name(rng, "F"), sex="F",
            id_number=make_id_number(HOME_COUNTY, dt.date(1941, 10, 2), 402), conditions=["dementia"],
            guardian="儿子，电话 139****6021", address="本村三组", note="老年痴呆，曾两次走失后被邻居找回")
        listed = services.at_risk_enter(
            actor=coordinator, region=village, name=person_name(rng, "M"), sex="M",
            id_number=make_id_number(HOME_COUNTY, dt.date(1990, 4, 17), 411), conditions=["intellectual"],
            guardian="父亲，电话 137****2208", address="本村五组", note="智力残疾二级，常独自外出")
        services.at_risk_check(actor=officer, person=listed, approve=True)
        returned = services.at_risk_enter(
            actor=coordinator, region=village, name=person_name(rng, "M"), sex="M", id_number="",
            conditions=["lonely_elderly"], note="独居老人")
        services.at_risk_check(actor=officer, person=returned, approve=False,
                               reason="缺少身份证号码和监护人（联系人）信息，请补正")
        services.overdue_sweep(on=today)
        # A returnee admitted again at 隆回's station: the alert to 洞口县.
        again = entries["overdue"]
        from jiuzhu.core.crypto import decrypt_text

        cases.case_admit(actor=users["longhui_station"], arrival_channel="police", name=again.name, sex=again.sex,
                         id_number=decrypt_text(again.id_number_cipher), handover_form_number="公交〔2026〕318号",
                         vagrancy_reason="再次外出流浪，在火车站被民警发现")
    deliver_pending(limit=10_000)
    return {"returnees": ReturneeEntry.objects.count(), "at_risk": AtRiskPerson.objects.count(),
            "visits": FollowupVisit.objects.filter(status=VisitStatus.PLANNED, due_on__lte=today
                                                   + dt.timedelta(days=7)).count(),
            "alerts": RepeatAlert.objects.count(), "waiting": int(waiting.pk is not None)}
