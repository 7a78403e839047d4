"""Demo work of the rescue stations (救助管理), made through the rescue app's own services so the data is what
station staff would make: each station's position (WGS-84), its beds (the region setting), patrol teams and their
patrols (one in a campaign period, one under an extreme-weather alert), sightings in every status and outcome (one
from the public page), and 40–80 rescue records per county station over the last ~60 days: care logs, a hospital
transfer and return, clients in hospital, a foster placement with its supervision visit, extensions (one waiting,
one approved), long-stay unidentified clients (无名氏 with an estimated age), an open incident, an escalation to
the regional centre (邵阳市救助管理站) accepted with staff sent down and another waiting, a settlement in progress,
discharges of each everyday kind and refusals (不予救助) with their reasons.

The services stamp today; after each write the dates are moved into the past set-based (as the tests'
`shift_admission` does), and at the end the records' and sightings' events are dated like them, so each timeline
reads in order (the only direct writes; audit rows keep the moment the demo was built). Deterministic for a seed
(the dates are relative to the day it runs); built once: re-running adds nothing. Made-up ID numbers only
(core.identity.make_id_number, home regions outside the demo counties so no registry person is matched)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.demo import person_name
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Organization, OrganizationKind, Region, User
from jiuzhu.core.region_settings import region_setting_set, setting_row
from jiuzhu.rescue import cases_services as cases
from jiuzhu.rescue import street_services as street
from jiuzhu.rescue.models import (
    LONG_STAY_DAYS,
    Discharge,
    DischargeKind,
    PatrolTeam,
    RescueCase,
    Settlement,
    Sighting,
    SightingOutcome,
)
from jiuzhu.rescue.settings_catalog import STATION_BEDS_KEY
from jiuzhu.rescue.street_settings import campaign_on

# The demo stations: account prefix, county code, WGS-84 position (rescue/tests/conftest.py's), beds, the
# county's places where people sleep rough, and its hospital and contracted foster institution.
STATIONS = {
    "longhui": {"county": "430524", "point": (Decimal("27.111700"), Decimal("111.035800")), "beds": 60,
                "address": "隆回县桃洪镇", "police": "桃洪派出所 王警官",
                "hospital": "隆回县人民医院",
                "foster": "隆回县爱心托养中心", "welfare": "隆回县社会福利院",
                "places": ["桃洪镇汽车站候车厅", "隆回火车站出站口", "资江大桥桥洞", "桃洪广场", "步行街银行自助厅",
                           "人民医院门诊楼外", "城东农贸市场", "南岳庙附近"]},
    "dongkou": {"county": "430525", "point": (Decimal("27.060000"), Decimal("110.575000")), "beds": 40,
                "address": "洞口县洞口镇", "police": "洞口镇派出所 刘警官",
                "hospital": "洞口县人民医院",
                "foster": "洞口县康馨托养院", "welfare": "洞口县社会福利中心",
                "places": ["洞口汽车站", "平溪江大桥下", "洞口镇雪峰广场", "蔡锷大道地下通道", "县人民医院急诊楼外",
                           "城北菜市场"]},
}
CITY = {"code": "430500", "point": (Decimal("27.238900"), Decimal("111.467700")), "beds": 120,
        "address": "邵阳市双清区"}
# Home regions of identified clients (outside the demo counties) and the hukou as written on the form.
HOMES = [("411621", "河南省周口市扶沟县"), ("522422", "贵州省毕节市大方县"), ("430521", "湖南省邵阳市邵东市"),
         ("430581", "湖南省邵阳市武冈市"), ("433130", "湖南省湘西州龙山县"), ("452226", "广西壮族自治区来宾市武宣县"),
         ("511621", "四川省广安市岳池县"), ("360732", "江西省赣州市兴国县")]
REASONS = ["外出务工无着，身无分文", "与家人闹矛盾离家出走", "钱物被盗，无法返乡", "寻亲未果，滞留车站",
           "精神状况不佳，长期在外流浪", "年老体弱，无人照料", "因灾外出投亲未遇", "讨薪未果，滞留城区"]
CARE = [("精神状态良好，饮食正常", "早中晚三餐", "情绪稳定"), ("有轻微咳嗽，已给予药物", "三餐，喝粥", "安静"),
        ("血压偏高，按时服药", "三餐，低盐", "情绪平稳"), ("夜间睡眠差", "三餐", "有些焦躁，已安抚"),
        ("身体状况一般，已洗澡更衣", "三餐", "愿意交流，说出了部分家庭情况")]
# Discharge plans for clients who left (the everyday kinds; settlement and death have their own paths).
LEAVES = [DischargeKind.ESCORTED_RETURN, DischargeKind.RELATIVES_COLLECTED, DischargeKind.TRAVEL_TICKET,
          DischargeKind.SELF_LEAVE, DischargeKind.ESCORTED_RETURN, DischargeKind.TRAVEL_TICKET,
          DischargeKind.LEFT_WITHOUT_FORMALITIES, DischargeKind.TRANSFER_INSTITUTION, DischargeKind.TERMINATED]


class _Ids:
    """Made-up, valid ID numbers, unique within the demo (a counter as the sequence)."""

    def __init__(self):
        self.seq = 101  # odd: a man; the even number below it: a woman

    def make(self, code: str, birth: dt.date, sex: str) -> str:
        self.seq = self.seq + 2 if self.seq < 997 else 101
        return make_id_number(code, birth, self.seq if sex == "M" else self.seq - 1)


def _jitter(rng: random.Random, point, spread: float = 0.02) -> street.Point:
    lat, lon = point
    return street.Point(lat + Decimal(f"{rng.uniform(-spread, spread):.6f}"),
                        lon + Decimal(f"{rng.uniform(-spread, spread):.6f}"))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _set_beds(admin: User, region: Region, beds: int, since: dt.date) -> None:
    """The station's beds from the start of the year, unless the region's administrator has set them already."""
    row = setting_row(STATION_BEDS_KEY, region, timezone.localdate())  # the nearest region's: its own only here
    if row is not None and row.region_id == region.pk:
        return
    region_setting_set(actor=admin, key=STATION_BEDS_KEY, region=region, effective_from=since, value=str(beds),
                       note="演示数据：核定床位数")


# ---- Street: stations, teams, patrols, alerts, sightings ---------------------------------------------------------

def _move_sighting(sighting: Sighting, reported: dt.datetime, response_minutes: int | None,
                   closed_after: int | None = None) -> dt.datetime:
    """Dates a sighting made just now back to when it was reported, contacted and closed; the last of these."""
    contacted = reported + dt.timedelta(minutes=response_minutes) if response_minutes is not None else None
    fields = {"reported_at": reported, "seen_at": reported - dt.timedelta(minutes=10), "dispatched_at": reported}
    if contacted is not None:
        fields["contacted_at"] = contacted
    if closed_after is not None:
        fields["outcome_at"] = (contacted or reported) + dt.timedelta(minutes=closed_after)
    Sighting.objects.filter(pk=sighting.pk).update(**fields)
    return fields.get("outcome_at") or contacted or reported


def _street(rng: random.Random, spec: dict, users: dict, county: Region, now: dt.datetime) -> dict:
    worker, manager = users["station"], users["stationmgr"]
    today = timezone.localdate(now)
    township = Region.objects.filter(parent=county).order_by("code").first()
    villages = list(Region.objects.filter(parent=township).order_by("code")) or [township]
    short = county.name.removesuffix("县")
    teams = [street.patrol_team_create(actor=worker, name=f"{short}城区巡查一队", area="汽车站、火车站、城区桥洞、广场",
                                       members=[worker, manager]),
             street.patrol_team_create(actor=worker, name=f"{short}夜间巡查队", area="银行自助厅、地下通道、医院周边",
                                       members=[worker])]
    # The cold-weather alert in force (patrols planned in it are flagged), recorded by the manager.
    street.weather_alert_record(actor=manager, region=county, kind="cold", starts_on=today - dt.timedelta(days=1),
                                ends_on=today + dt.timedelta(days=2), note="寒潮蓝色预警：最低气温降至 -2℃，加密巡查")
    # One patrol in a campaign period (the region's 寒冬送温暖 / 夏季送清凉 dates, whichever came last).
    campaign_day = next((today - dt.timedelta(days=n) for n in range(3, 200)
                         if campaign_on(county, today - dt.timedelta(days=n))), None)
    days = sorted({28, 14, 7, 3, 1} | ({(today - campaign_day).days} if campaign_day else set()), reverse=True)
    made = {"patrols": 0, "sightings": 0}
    brought_in = []  # (sighting, when it was closed): admitted from it (cases part)
    for i, ago in enumerate(days):
        day = today - dt.timedelta(days=ago)
        team = teams[i % 2]
        start = _at(day, 19 if i % 2 else 9)
        patrol = street.patrol_plan(actor=worker, team=team, region=township, shift_start=start,
                                    shift_end=start + dt.timedelta(hours=3))
        finding = street.patrol_finding_add(
            actor=worker, patrol=patrol, place=rng.choice(spec["places"]), seen_at=start + dt.timedelta(minutes=50),
            description="一名男子在此露宿，衣着单薄，经劝导" + ("同意随队入站" if i % 2 else "拒绝入站"),
            point=_jitter(rng, spec["point"]))
        if i % 2:
            street.sighting_close(actor=worker, sighting=finding, outcome=SightingOutcome.BROUGHT_IN,
                                  note="随巡查车护送入站")
            brought_in.append((finding, start + dt.timedelta(minutes=80)))
        else:
            street.sighting_close(actor=worker, sighting=finding, outcome=SightingOutcome.REFUSED, left_food=True,
                                  left_clothing=True, left_information=True, note="本人拒绝入站，留下棉被和食物")
        Sighting.objects.filter(pk=finding.pk).update(outcome_at=start + dt.timedelta(minutes=80))
        street.patrol_record(actor=worker, patrol=patrol,
                             findings=f"巡查{team.area}，发现需救助人员 1 名，已处置；其他点位未发现流浪乞讨人员")
        made["patrols"] += 1
        made["sightings"] += 1
    # Tonight's patrol, planned under the alert.
    tonight = _at(today, 20)
    street.patrol_plan(actor=worker, team=teams[1], region=township, shift_start=tonight,
                       shift_end=tonight + dt.timedelta(hours=3),
                       area="寒潮期间夜间加密巡查：桥洞、地下通道、银行自助厅")
    made["patrols"] += 1

    def reported(kind: str, hours_ago: float, description: str):
        village = rng.choice(villages)
        sighting = street.sighting_report(
            actor=worker, reporter_kind=kind, region=village, place=rng.choice(spec["places"]),
            description=description, seen_at=now - dt.timedelta(minutes=5), point=_jitter(rng, spec["point"]),
            reporter_name={"police": spec["police"], "city_management": "城管执法队 李队员",
                           "sanitation": "环卫工人 陈师傅", "driver": "出租车司机 赵师傅"}.get(kind, ""),
            reporter_phone=f"1390739{rng.randint(1000, 9999)}")
        made["sightings"] += 1
        return sighting, now - dt.timedelta(hours=hours_ago)

    # Waiting for contact (dispatched), contacted, and closed with each outcome.
    for kind, hours, text in [("police", 0.5, "一名老人在候车厅过夜，身边有行李"),
                              ("sanitation", 1.5, "清扫时发现桥洞下有人睡觉，天气很冷")]:
        sighting, at = reported(kind, hours, text)
        _move_sighting(sighting, at, None)
    for kind, hours, text in [("city_management", 3, "一名中年男子在广场乞讨，神志清楚"),
                              ("driver", 5, "夜里看到一名年轻女子在路边徘徊，自称找不到家")]:
        sighting, at = reported(kind, hours, text)
        street.sighting_contact(actor=worker, sighting=sighting, note="已到现场见到本人，正在劝导")
        _move_sighting(sighting, at, rng.randint(18, 45))
    closing = {SightingOutcome.BROUGHT_IN: {"note": "引导入站"},
               SightingOutcome.HOSPITAL: {"hospital_name": spec["hospital"], "note": "拨打 120 送医"},
               SightingOutcome.REFUSED: {"left_food": True, "left_information": True,
                                         "note": "本人拒绝入站，留下食物和救助站联系卡"},
               SightingOutcome.NOT_FOUND: {"note": "到达时已不在现场，周边寻找未果"}}
    for kind, outcome, days_ago, text in [
            ("police", SightingOutcome.BROUGHT_IN, 2, "派出所民警发现一名老人迷路，无法说清住址"),
            ("city_management", SightingOutcome.BROUGHT_IN, 6, "城管巡查发现一名男子在地下通道露宿"),
            ("police", SightingOutcome.HOSPITAL, 4, "一名男子倒在路边，腿部有外伤"),
            ("sanitation", SightingOutcome.REFUSED, 9, "一名老人在桥洞下搭了窝棚"),
            ("driver", SightingOutcome.NOT_FOUND, 12, "乘客说看到一个孩子在车站徘徊")]:
        sighting, at = reported(kind, days_ago * 24 + 3, text)
        if outcome != SightingOutcome.NOT_FOUND:
            street.sighting_contact(actor=worker, sighting=sighting, note="到达现场，见到本人")
        street.sighting_close(actor=worker, sighting=sighting, outcome=outcome, **closing[outcome])
        closed_at = _move_sighting(sighting, at, rng.randint(15, 50) if outcome != SightingOutcome.NOT_FOUND else None,
                                   closed_after=60 if outcome != SightingOutcome.NOT_FOUND else 90)
        if outcome == SightingOutcome.BROUGHT_IN:
            brought_in.append((sighting, closed_at))
    # A citizen's report from the public page, waiting for contact.
    public = street.sighting_report_public(
        region=villages[0], place=spec["places"][0], description="看到一位老奶奶坐在路边，好像走不动了，穿得很少",
        seen_at=now - dt.timedelta(minutes=40), point=_jitter(rng, spec["point"], 0.01),
        reporter_phone=f"1357390{rng.randint(1000, 9999)}", client_address=f"198.51.100.{rng.randint(2, 250)}")
    _move_sighting(public, now - dt.timedelta(minutes=35), None)
    made["sightings"] += 1
    return {**made, "brought_in": brought_in}


# ---- Cases --------------------------------------------------------------------------------------------------

def _admitted(case: RescueCase, at: dt.datetime) -> RescueCase:
    """Dates a record made just now back to `at` (admission, period end; a refusal's day), like the tests'
    shift_admission."""
    back = timezone.localdate(case.admitted_at) - timezone.localdate(at)
    RescueCase.objects.filter(pk=case.pk).update(
        admitted_on=case.admitted_on - back, admitted_at=at, period_end=case.period_end - back,
        discharged_on=case.discharged_on - back if case.discharged_on else None)
    case.refresh_from_db()
    return case


def _shift(case: RescueCase, days: int) -> RescueCase:
    return _admitted(case, case.admitted_at - dt.timedelta(days=days)) if days else case


def _discharged_on(case: RescueCase, day: dt.date, now: dt.datetime) -> None:
    """Dates a discharge written just now back to `day` (and a placement the discharge ended)."""
    RescueCase.objects.filter(pk=case.pk).update(discharged_on=day)
    Discharge.objects.filter(case=case).update(discharged_at=_at(day, 19) if day < timezone.localdate(now) else now)
    case.placements.filter(ended_on__gt=day).update(ended_on=day)


class _People:
    """Clients: plausible names, sexes and ages; identified ones with a made-up ID number and their hukou."""

    def __init__(self, rng: random.Random, ids: _Ids, today: dt.date):
        self.rng, self.ids, self.today = rng, ids, today

    def client(self, *, unidentified=False, minor=False, elderly=False, sex=None) -> dict:
        rng = self.rng
        sex = sex or ("M" if rng.random() < 0.78 else "F")
        age = rng.randint(12, 17) if minor else rng.randint(61, 82) if elderly else rng.randint(19, 59)
        if unidentified:
            return {"sex": sex, "name": "", "estimated_age": age, "hukou_text": "",
                    "vagrancy_reason": rng.choice(["无法表达", "言语不清，无法说出姓名住址", "智力障碍，问话不答"]),
                    "check_mental": rng.random() < 0.6}
        code, hukou = rng.choice(HOMES)
        birth = self.today - dt.timedelta(days=age * 365 + rng.randint(10, 350))
        return {"sex": sex, "name": person_name(rng, sex), "id_number": self.ids.make(code, birth, sex),
                "hukou_text": hukou, "vagrancy_reason": rng.choice(REASONS),
                "vagrancy_length": rng.choice(["3 天", "约一周", "半个月", "一个多月", "半年以上"]),
                "relatives": rng.choice(["", "有一兄长在老家务农，电话不详", "儿子在广东务工", "父母健在，住老家"])}


def _care(worker, case: RescueCase, rng: random.Random, first: dt.date, last: dt.date, limit: int = 3) -> int:
    """Care logs for the last `limit` days of [first, last]."""
    days = [last - dt.timedelta(days=n) for n in range(limit) if last - dt.timedelta(days=n) >= first]
    for day in sorted(days):
        health, meals, mood = rng.choice(CARE)
        cases.care_log_add(actor=worker, case=case, day=day, health=health, meals=meals, mood=mood)
    return len(days)


def _cases(rng: random.Random, spec: dict, users: dict, brought_in: list, now: dt.datetime) -> dict:
    worker, manager, regional = users["station"], users["stationmgr"], users["regional"]
    today = timezone.localdate(now)
    people = _People(rng, users["ids"], today)
    made = {"cases": 0, "care_logs": 0}

    def admit(days_ago: int, channel: str = "self_request", at: dt.datetime | None = None, **extra) -> RescueCase:
        data = {"arrival_channel": channel, **extra}
        if channel == "police":
            data["handover_form_number"] = f"公交〔{today.year}〕{rng.randint(100, 999)}号"
        case = cases.case_admit(actor=worker, **data)
        case = _admitted(case, at) if at else _shift(case, days_ago)
        made["cases"] += 1
        return case

    # Brought in from the street part's sightings, an hour after they were closed (the record links them).
    for sighting, closed_at in brought_in:
        case = admit(0, "sighting", at=closed_at + dt.timedelta(hours=1), sighting_id=sighting.pk,
                     **people.client(elderly=True))
        made["care_logs"] += _care(worker, case, rng, case.admitted_on, today)
    # Discharged clients over the last ~60 days, each everyday kind.
    count = rng.randint(26, 40)
    for n in range(count):
        kind = LEAVES[n % len(LEAVES)]
        days_ago = rng.randint(4, 60)
        client = people.client(elderly=n % 7 == 3)
        client["check_mental"] = False
        case = admit(days_ago, rng.choice(["self_request", "self_request", "police", "other"]), **client)
        stay = rng.randint(1, min(days_ago - 1, 8))
        left = case.admitted_on + dt.timedelta(days=stay)
        made["care_logs"] += _care(worker, case, rng, case.admitted_on, left, limit=min(stay, 2))
        home = client["hukou_text"] or "湖南省邵阳市"
        facts = {
            DischargeKind.ESCORTED_RETURN: {"destination": home, "cross_province": not home.startswith("湖南"),
                                            "note": "两名工作人员护送，已与当地救助站交接"},
            DischargeKind.RELATIVES_COLLECTED: {
                "destination": home, "collector_name": person_name(rng, "M", client["name"][:1] or None),
                "collector_relation": rng.choice(["儿子", "兄长", "侄子"]), "collector_id_checked": True,
                "collector_id_number": users["ids"].make("411621", dt.date(1975, 3, 1) + dt.timedelta(days=n), "M")},
            DischargeKind.TRAVEL_TICKET: {"destination": home, "ticket_number": f"G{rng.randint(1000, 9999)}次车票"}
            if n % 2 else {"destination": "邵东市", "short_fare": "18", "fare_receipt_signed": True},
            DischargeKind.SELF_LEAVE: {"declaration_signed": True, "note": "本人要求离站，已签署声明书"},
            DischargeKind.LEFT_WITHOUT_FORMALITIES: {"note": "午饭后趁人不备离开站区，已报告派出所并查看监控"},
            DischargeKind.TRANSFER_INSTITUTION: {"institution": spec["welfare"], "note": "符合特困供养条件，转介供养"},
            DischargeKind.TERMINATED: {"note": "经核实受助人员故意提供虚假个人情况，依法终止救助，已书面告知本人"},
        }[kind]
        cases.case_discharge(actor=worker, case=case, kind=kind, belongings_returned=True, **facts)
        _discharged_on(case, left, now)
    # Refusals of assistance (不予救助) with the written reason.
    for days_ago, reason in [(rng.randint(1, 50), "本人不属于生活无着的流浪乞讨人员，有固定住所和收入，仅要求借路费"),
                             (rng.randint(1, 50), "拒不如实提供本人基本情况，经反复告知后仍拒绝登记")]:
        _shift(cases.case_refuse(actor=worker, sex="M", reason=reason, name=person_name(rng, "M"),
                                 estimated_age=rng.randint(30, 55)), days_ago)
        made["cases"] += 1
    # In the station now: recent admissions with their care logs.
    stay_now = []
    for n in range(rng.randint(8, 14)):
        client = people.client(minor=n == 2, elderly=n % 4 == 1)
        case = admit(rng.randint(0, 8) if n else 0, rng.choice(["self_request", "police", "other"]), **client)
        made["care_logs"] += _care(worker, case, rng, case.admitted_on, today)
        stay_now.append(case)
    # Hospital: one went and came back, two are there now (one sent straight from the check at admission).
    back = admit(8, "police", **people.client(elderly=True))
    cases.hospital_transfer(actor=worker, case=back, institution=spec["hospital"], reason="高烧不退，送医治疗",
                            on=back.admitted_on + dt.timedelta(days=1))
    cases.placement_end(actor=worker, case=back, note="病情好转，出院返回站内",
                        on=back.admitted_on + dt.timedelta(days=4))
    made["care_logs"] += _care(worker, back, rng, back.admitted_on + dt.timedelta(days=4), today)
    there = admit(3, **people.client())
    cases.hospital_transfer(actor=worker, case=there, institution=spec["hospital"], reason="胃出血，住院治疗",
                            on=there.admitted_on + dt.timedelta(days=1))
    admit(1, "other", hospital=spec["hospital"], check_injury=True, check_note="腿部外伤，需清创缝合",
          **people.client())
    # Long-stay unidentified clients (无名氏), one placed out with a contracted institution and visited.
    long_stay = [admit(days_ago, "police" if n % 2 else "other",
                       **people.client(unidentified=True, elderly=n == 1, sex="F" if n == 3 else None))
                 for n, days_ago in enumerate(rng.sample(range(14, 58), 5))]
    for case in long_stay:
        made["care_logs"] += _care(worker, case, rng, case.admitted_on, today, limit=3)
    cases.long_stay_sweep()
    fostered = long_stay[0]
    cases.foster_place(actor=worker, case=fostered, institution=spec["foster"],
                       agreement_number=f"TY-{today.year}-{rng.randint(10, 99):03d}",
                       reason="身份不明、需长期照料，送协议托养机构", on=fostered.admitted_on + dt.timedelta(days=11))
    cases.supervision_visit_add(actor=worker, case=fostered, findings="住宿整洁，按时服药，饮食正常，未发现问题",
                                on=min(today, fostered.admitted_on + dt.timedelta(days=13)))
    # Extensions of the rescue period: one approved by the manager, one waiting.
    approved = cases.extension_request(actor=worker, case=long_stay[1], days=30,
                                       reason="身份仍在甄别，已采集指纹比对，需延长救助期限")
    cases.extension_decide(actor=manager, extension=approved, approve=True, note="同意延长 30 天，抓紧寻亲")
    cases.extension_request(actor=worker, case=stay_now[0], days=10, reason="等待家属从外省前来接领")
    # An open incident (a client hurt in a fall) with its first action, and a closed one.
    incident = cases.incident_report(actor=worker, kind="injury", case=stay_now[1], place="站内活动室",
                                     text="受助人员在活动室滑倒，右手腕擦伤", occurred_at=now - dt.timedelta(hours=5))
    cases.incident_add_action(actor=worker, incident=incident, text="已消毒包扎，送医拍片，未见骨折")
    closed = cases.incident_report(actor=worker, kind="outbreak", place="男宿舍",
                                   text="男宿舍 3 人发热咳嗽，已隔离观察", occurred_at=now - dt.timedelta(days=9))
    cases.incident_close(actor=manager, incident=closed, text="经检测为普通感冒，3 人均已康复，宿舍已消毒")
    # Escalations to the regional centre: identity verification with staff sent down; an escort waiting.
    escalation = cases.case_escalate(actor=worker, case=long_stay[2], kind="identity",
                                     reason="无法表达，本站比对未果，请区域性中心协助人像比对和DNA采样")
    cases.escalation_accept(actor=regional, escalation=escalation, delegate=True,
                            note="派两名工作人员下沉协助，本周内到站采样")
    far = next((c for c in stay_now if c.hukou_text and not c.hukou_text.startswith("湖南")), stay_now[-1])
    cases.case_escalate(actor=worker, case=far, kind="cross_province_escort",
                        reason="受助人员需跨省护送返乡，本站人手不足，请区域性中心统筹护送")
    # A settlement in progress: a long-stay client unidentified for months, applied and planned.
    settled = admit(rng.randint(125, 140), "police", **people.client(unidentified=True, elderly=True))
    cases.long_stay_sweep()
    settlement = cases.settlement_apply(actor=worker, case=settled,
                                        note="滞留超过 3 个月，经多方寻亲、发布寻亲公告仍无法查明身份，申请落户安置")
    cases.settlement_advance(actor=manager, settlement=settlement,
                             plan="拟安置到县社会福利院集体户，办理户籍登记，继续寻亲")
    Settlement.objects.filter(pk=settlement.pk).update(applied_on=today - dt.timedelta(days=12))
    # Long-stay marks are dated from the day each client passed the 10 days (not the day the demo ran).
    for pk, admitted_on in RescueCase.objects.filter(station=worker.organization, long_stay=True,
                                                     long_stay_since=today).values_list("pk", "admitted_on"):
        RescueCase.objects.filter(pk=pk).update(long_stay_since=admitted_on + dt.timedelta(days=LONG_STAY_DAYS + 1))
    return made


def _date_timelines(since: dt.datetime, now: dt.datetime) -> int:
    """Dates the events written since `since` about rescue records and sightings as their records were dated
    (admission, care days, placements, visits, long-stay mark, discharge; report, contact, outcome). Events of work
    done today (extensions, incidents, escalations, settlement) keep their time."""
    from jiuzhu.core.models import Event
    from jiuzhu.rescue.events import RescueEvent as E
    from jiuzhu.rescue.models import Placement, SupervisionVisit

    def day_at(day: dt.date, hour: int) -> dt.datetime:
        return min(_at(day, hour), now)

    events = list(Event.objects.filter(occurred_at__gte=since, subject_type__in=("rescue.rescuecase",
                                                                                 "rescue.sighting")))
    cases = {str(c.pk): c for c in RescueCase.objects.select_related("discharge")
             .filter(pk__in={int(e.subject_id) for e in events if e.subject_type == "rescue.rescuecase"})}
    sightings = {str(s.pk): s for s in Sighting.objects.filter(
        pk__in={int(e.subject_id) for e in events if e.subject_type == "rescue.sighting"})}
    placements = {p.pk: p for p in Placement.objects.filter(case_id__in=[c.pk for c in cases.values()])}
    visits = {v.placement_id: v.visited_on for v in SupervisionVisit.objects.filter(placement_id__in=placements)}
    changed = []
    for event in events:
        p, at = event.payload or {}, None
        if event.subject_type == "rescue.sighting":
            s = sightings.get(event.subject_id)
            if s is not None:
                at = {E.SIGHTING_REPORTED: s.reported_at, E.SIGHTING_DISPATCHED: s.dispatched_at,
                      E.SIGHTING_CONTACTED: s.contacted_at, E.SIGHTING_CLOSED: s.outcome_at}.get(event.kind)
        elif (case := cases.get(event.subject_id)) is not None:
            placement = placements.get(p.get("placement"))
            if event.kind in (E.CLIENT_ADMITTED, E.ASSISTANCE_REFUSED):
                at = case.admitted_at
            elif event.kind == E.REGISTRY_CHECKED and case.admitted_at < since:  # (today's keep their time)
                at = case.admitted_at + dt.timedelta(minutes=5)
            elif event.kind == E.CARE_LOGGED and p.get("day"):
                at = min(max(_at(dt.date.fromisoformat(p["day"]), 18), case.admitted_at + dt.timedelta(minutes=30)),
                         now)
            elif event.kind == E.PLACEMENT_STARTED and placement is not None:
                at = max(day_at(placement.started_on, 11), case.admitted_at)
            elif event.kind == E.PLACEMENT_ENDED and placement is not None and placement.ended_on:
                at = day_at(placement.ended_on, 15)
            elif event.kind == E.SUPERVISION_VISITED and placement is not None and placement.pk in visits:
                at = day_at(visits[placement.pk], 10)
            elif event.kind == E.LONG_STAY_MARKED and case.long_stay_since:
                at = day_at(case.long_stay_since, 1)
            elif event.kind == E.CLIENT_DISCHARGED and hasattr(case, "discharge"):
                at = case.discharge.discharged_at
        if at is not None and at != event.occurred_at:
            event.occurred_at = at
            changed.append(event)
    Event.objects.bulk_update(changed, ["occurred_at"], batch_size=500)
    return len(changed)


@transaction.atomic
def populate(*, seed: int = 20261123) -> dict:
    """The demo's rescue work for 隆回县 and 洞口县's stations and the regional centre above them."""
    if RescueCase.objects.exists() or PatrolTeam.objects.exists():  # built already, or the stations are at work
        return {"cases": 0, "sightings": 0, "patrols": 0, "care_logs": 0}
    rng = random.Random(f"rescue:{seed}")
    now = timezone.now()
    today = timezone.localdate(now)
    since = today.replace(month=1, day=1)
    regional = User.objects.select_related("organization", "region").get(username="shaoyang_regional")
    city_station = regional.organization
    city = Region.objects.get(code=CITY["code"])
    street.station_location_set(actor=regional, station=city_station, point=street.Point(*CITY["point"]),
                                address=CITY["address"])
    _set_beds(User.objects.get(username="shaoyang_admin"), city, CITY["beds"], since)
    ids = _Ids()
    totals = {"cases": 0, "sightings": 0, "patrols": 0, "care_logs": 0}
    for prefix, spec in STATIONS.items():
        users = {role: User.objects.select_related("organization", "region").get(username=f"{prefix}_{role}")
                 for role in ("station", "stationmgr", "admin")}
        users["regional"], users["ids"] = regional, ids
        county = Region.objects.get(code=spec["county"])
        station = Organization.objects.get(kind=OrganizationKind.RESCUE_STATION, region=county)
        street.station_location_set(actor=users["stationmgr"], station=station, point=street.Point(*spec["point"]),
                                    address=spec["address"])
        _set_beds(users["admin"], county, spec["beds"], since)
        found = _street(rng, spec, users, county, now)
        made = _cases(rng, spec, users, found.pop("brought_in"), now)
        for key in totals:
            totals[key] += found.get(key, 0) + made.get(key, 0)
    _date_timelines(now, timezone.now())
    return totals
