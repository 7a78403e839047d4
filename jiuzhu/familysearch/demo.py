"""The demo's family-search notices, through the services: every unidentified client in stay gets its notice (the
admission handler's draft, or drafted here when the demo ran without the worker); of each station's notices the
oldest is withdrawn by the manager, the second oldest stays a draft past its 24 hours (for the work list), the
others are published (one of them due for its monthly refresh). Idempotent: a second run finds the notices.

Then the rest of family search, also through the services and idempotent (each part looks for what it made): confirmed
push subscribers (email and SMS, around 隆回 and 洞口) and the deliveries of the published notices to them; a
missing report entered by each station's staff, 隆回's describing one of its unidentified clients (ranked at once,
so a candidate appears); one tip from the public on a published notice; one DNA referral asked for within its
deadline and one overdue."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from jiuzhu.core.models import Region, User
from jiuzhu.core.sms import last_message_to
from jiuzhu.familysearch import dna_services, push_services, push_targeting, review_services, services, tip_services
from jiuzhu.familysearch import notice_services as svc
from jiuzhu.familysearch.models import DnaReferral, FamilyNotice, MissingReport, NoticeStatus, NoticeTip
from jiuzhu.familysearch.push_models import PushDelivery, PushSubscriber
from jiuzhu.rescue.models import STAY_STATUSES, RescueCase

STATIONS = ("longhui", "dongkou")


def populate() -> dict:
    made = _notices()
    made["subscribers"] = _subscribers()
    made["deliveries"] = _deliveries()
    made["reports"] = _reports()
    made["tips"] = _tips()
    made["dna"] = _dna()
    return made


def _manager(prefix: str, role: str = "stationmgr") -> User | None:
    user = User.objects.select_related("organization", "region").filter(username=f"{prefix}_{role}").first()
    return user if user is not None and user.organization_id else None


def _notices() -> dict:
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


# ---- push subscribers and deliveries ------------------------------------------------------------------------

SUBSCRIBERS = (  # (channel, address, county code, radius in km, the station whose manager confirms an email one)
    ("email", "xunqin.longhui@example.cn", "430524", 30, "longhui"),
    ("sms", "13900005241", "430524", 50, "longhui"),
    ("email", "xunqin.dongkou@example.cn", "430525", 30, "dongkou"),
    ("sms", "13900005251", "430525", 80, "dongkou"),
)


def _subscribers() -> int:
    """Filed as the public form files them. An SMS one is confirmed as the subscriber would, with the code read back
    from the SMS outbox; an email one (example.cn: no mail is sent, the dummy mail backend takes the link) by the
    station manager (push_services.subscriber_confirm_by_staff, audited)."""
    made = 0
    for n, (channel, address, code, radius, station) in enumerate(SUBSCRIBERS):
        region = Region.objects.filter(code=code).first()
        if region is None or PushSubscriber.objects.filter(
                channel=channel, address_hash=push_services.address_hash(channel, address), confirmed=True,
                active=True).exists():
            continue
        client = f"demo-subscriber-{n}"  # one address each: the per-address limit is for the public form
        if channel == "sms":
            sub = push_services.push_subscribe(channel=channel, address=address, radius_km=radius, region=region,
                                               kind="public", client_address=client)
            code_sent = last_message_to(address).text.split("验证码：")[1][:6]
            push_services.push_confirm_code(subscriber_id=sub.pk, code=code_sent)
        else:
            manager = _manager(station)
            if manager is None or not settings.PUSH_EMAIL_ENABLED:
                continue
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                sub = push_services.push_subscribe(channel=channel, address=address, radius_km=radius, region=region,
                                                   kind="public", client_address=client)
            push_services.subscriber_confirm_by_staff(actor=manager, subscriber=sub, note="演示数据：工作人员电话核实")
        made += 1
    return made


def _deliveries() -> int:
    """The published notices' deliveries to the subscribers around them (the NOTICE_PUBLISHED handler's work,
    done here when the demo runs without the worker; a second run writes nothing)."""
    before = PushDelivery.objects.count()
    for notice in FamilyNotice.objects.filter(status=NoticeStatus.PUBLISHED).select_related(
            "region", "station", "case__sighting"):
        push_targeting.push_target(notice=notice, revision=notice.revision)
    return PushDelivery.objects.count() - before


# ---- missing reports, a tip, DNA referrals ------------------------------------------------------------------

def _reports() -> int:
    made = 0
    for prefix, reporter in (("longhui", "刘秀英"), ("dongkou", "周建国")):
        worker = _manager(prefix, "station")
        if worker is None or MissingReport.objects.filter(region=worker.region, reporter_name=reporter).exists():
            continue
        client = (RescueCase.objects.filter(station=worker.organization, status__in=STAY_STATUSES,
                                            identity_confirmed=False, estimated_age__isnull=False)
                  .order_by("-admitted_at", "-pk").first()) if prefix == "longhui" else None
        if client is not None:  # the family describes this client: sex, age, lost a few days before admission
            data = {"sex": client.sex, "birth_year": svc.today().year - client.estimated_age, "name": "刘长生",
                    "missing_date": client.admitted_on - dt.timedelta(days=5), "reporter_relation": "妻子",
                    "features": "身材偏瘦，说话不清楚", "clothing": "深色外套", "last_seen_region": worker.region,
                    "last_seen_place": "县城汽车站附近"}
        else:
            data = {"sex": "F", "birth_year": 1951, "name": "周桂兰", "reporter_relation": "儿子",
                    "missing_date": svc.today() - dt.timedelta(days=40), "features": "右手有烫伤疤痕，记忆力差",
                    "last_seen_region": worker.region, "last_seen_place": "镇上集市"}
        report = services.missing_report_create(
            actor=worker, channel="station", region=worker.region, reporter_name=reporter,
            reporter_phone=f"1380000{5240 + made:04d}", **data)
        review_services.match_report(report=report, actor=worker)  # the handler's ranking, without the worker
        made += 1
    return made


TIP_TEXT = "上个月在县城菜市场附近见过这位老人，当时他在捡纸箱，听口音像是本地人。"


def _tips() -> int:
    manager = _manager("longhui")
    notice = FamilyNotice.objects.filter(station=manager.organization, status=NoticeStatus.PUBLISHED) \
        .order_by("pk").first() if manager else None
    if notice is None or NoticeTip.objects.filter(notice__station=notice.station, text=TIP_TEXT).exists():
        return 0
    tip_services.tip_submit_public(public_code=notice.public_code, text=TIP_TEXT, contact_name="王先生",
                                   contact_phone="13900005242", client_address="demo-tip")
    return 1


OVERDUE_AFTER_DAYS = 12  # admitted this long ago: past the 7-working-day deadline whatever the holidays


def _dna() -> int:
    """At 隆回: one referral asked for within the deadline (the newest unidentified client), one asked for late and
    still not collected (an older one): the DNA list's two lines."""
    worker = _manager("longhui", "station")
    if worker is None or DnaReferral.objects.filter(case__station=worker.organization).exists():
        return 0
    waiting = RescueCase.objects.filter(station=worker.organization, status__in=STAY_STATUSES,
                                        identity_confirmed=False)
    today = timezone.localdate()
    recent = waiting.filter(admitted_on__gte=today - dt.timedelta(days=3)).order_by("-admitted_at", "-pk").first()
    old = waiting.filter(admitted_on__lte=today - dt.timedelta(days=OVERDUE_AFTER_DAYS)) \
        .order_by("admitted_at", "pk").first()
    made = 0
    for case, note in ((recent, "已电话联系派出所，约定本周采血"), (old, "派出所民警外出，采血未安排")):
        if case is not None:
            dna_services.dna_request(actor=worker, case=case, police_unit="隆回县公安局桃洪派出所",
                                     requested_on=case.admitted_on + dt.timedelta(days=1 if case is old else 0),
                                     note=note)
            made += 1
    return made
