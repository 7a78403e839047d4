"""The demo's dynamic monitoring (低收入人口动态监测) for 隆回县, through monitoring's and the registry's services,
after the registry's demo: a small feed of each kind from the county's departments (a csv per kind; the
medical-insurance one with a bad row, held and then accepted without it, and a misspelt row without an ID
number that Splink sends to the review list), one comparison run, and the warnings it raised handled to every
status — open, visited, one overdue, referred to the medical-insurance bureau (waiting for its answer, and
answered), and closed each way: implement policy (a grant), refer to a department (answered, then closed),
case conference (its amount a 临时救助 grant), verify and terminate (the approver ended the grant) and a
death warning rebutted with a 未死亡证明; one termination waits for the approver.

Seeded (the persons are the first heads of the window's township, in the registry demo's order) and idempotent:
once the county has feed batches nothing more is made. Feeds with no natural department in the demo world
(殡葬火化, 个人所得税) are left out. The persons' ID numbers come from the registry (decrypted here, only to
write the departments' files); rows are dated back a few weeks so every window takes them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from jiuzhu.core.crypto import decrypt_text, keyed_hash
from jiuzhu.core.demo import person_name
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Organization, OrganizationKind, Region, User
from jiuzhu.core.workdays import add_working_days
from jiuzhu.monitoring import feeds
from jiuzhu.monitoring import warning_services as services
from jiuzhu.monitoring.feeds_schema import DATE, DECIMAL, FEED_SCHEMAS, INTEGER
from jiuzhu.monitoring.models import FeedBatch, FeedKind, Warning, WarningStatus
from jiuzhu.monitoring.runs import comparison_run
from jiuzhu.registry.models import Household, Person

COUNTY = "430524"  # 隆回县
# kind → the county department that sends it (the demo world's departments: core/demo.py)
SENDERS = {
    FeedKind.MEDICAL_SETTLEMENT: "医疗保障局", FeedKind.DISABILITY: "残疾人联合会",
    FeedKind.UNEMPLOYMENT: "人力资源和社会保障局", FeedKind.DEATH_PUBLIC_SECURITY: "公安局",
    FeedKind.DEATH_HOSPITAL: "卫生健康局", FeedKind.REGISTER_CHANGE: "公安局", FeedKind.VEHICLE: "公安局",
    FeedKind.REAL_ESTATE: "住房和城乡建设局", FeedKind.BUSINESS: "市场监督管理局",
    FeedKind.PENSION: "人力资源和社会保障局", FeedKind.HOUSING_FUND: "住房和城乡建设局",
    FeedKind.PUBLIC_PAYROLL: "人力资源和社会保障局", FeedKind.PRISONER: "司法局", FeedKind.DISASTER: "应急管理局",
    FeedKind.STUDENT_HARDSHIP: "教育局", FeedKind.UTILITY_ARREARS: "城市管理和综合执法局",
}
# kind → which of the chosen heads appear in it (indexes), and how many persons outside the registry
ROWS = {
    FeedKind.MEDICAL_SETTLEMENT: (range(0, 8), 2), FeedKind.DEATH_PUBLIC_SECURITY: ((8,), 0),
    FeedKind.DEATH_HOSPITAL: ((9,), 0), FeedKind.DISABILITY: ((10,), 1), FeedKind.UNEMPLOYMENT: ((11,), 0),
    FeedKind.DISASTER: ((12,), 1), FeedKind.STUDENT_HARDSHIP: ((13,), 0), FeedKind.REGISTER_CHANGE: ((14,), 0),
}
HEADS = 15
PDF = b"%PDF-1.4\n% demo proof\n" + b"0" * 400


def _heads(township: Region, rng: random.Random) -> list[Person]:
    """Heads of households of the township with an ID number, alive, one per household."""
    heads = list(Person.objects.filter(pk__in=Household.objects.filter(region__path__startswith=township.path)
                                       .values("head_id"), death_date__isnull=True)
                 .exclude(id_number_cipher="").select_related("region").order_by("pk")[:HEADS * 4])
    return rng.sample(heads, HEADS) if len(heads) >= HEADS else heads


def _outsider(county: Region, rng: random.Random) -> str:
    while True:
        number = make_id_number(county.code, dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)),
                                rng.randrange(1, 999))
        if not Person.objects.filter(id_number_hash=keyed_hash(number)).exists():
            return number


HOMOPHONES = dict(zip("桂秀建国明华兰英芳红军平志春玉文月娟婷云美妹琳慧生永娜艳丹",
                      "贵修健帼铭花岚瑛方洪君萍智椿钰雯悦鹃亭芸梅媚林惠升勇那燕单", strict=True))


def _misspelt(name: str) -> str:
    """The name as an office may type it: the first character after the surname with a homophone (同音字)."""
    for i, char in enumerate(name[1:], start=1):
        if char in HOMOPHONES:
            return name[:i] + HOMOPHONES[char] + name[i + 1:]
    return name


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f'"{text}"' if "," in text else text


def _csv(kind: str, people: list[tuple[str, str, str]], on: dt.date, extra: list[list[str]] = ()) -> bytes:
    """A department's file: the template's headers, one row per (ID number, name, region code); the kind's own
    columns take the template's example, dates `on`, a medical cost high enough to be seen."""
    schema = FEED_SCHEMAS[kind]
    own = schema.own_columns
    lines = [",".join(c.label for c in schema.columns)]
    for number, name, region_code in people:
        values = []
        for c in own:
            if c.type == DATE:
                values.append(on.isoformat() if c.example is not None or c.required else "")
            elif kind == FeedKind.MEDICAL_SETTLEMENT and c.name in ("total_cost", "out_of_pocket"):
                values.append("36800.00" if c.name == "total_cost" else "12600.00")
            elif c.type in (DECIMAL, INTEGER) or c.example is not None:
                values.append("" if c.example is None else str(c.example))
            else:
                values.append("")
        lines.append(",".join(_cell(v) for v in [number, name, "", region_code, *values]))
    lines += [",".join(row) for row in extra]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _upload(officer, clerk, kind: str, data: bytes):
    department = Organization.objects.get(kind=OrganizationKind.DEPARTMENT, region__code=COUNTY,
                                          name__endswith=SENDERS[kind])
    if clerk.organization_id == department.pk:  # the bureau's own clerk uploads its file
        return feeds.feed_upload(actor=clerk, kind=kind, data=data, filename=f"{FeedKind(kind).label}.csv")
    return feeds.feed_upload(actor=officer, kind=kind, data=data, filename=f"{FeedKind(kind).label}.csv",
                             organization=department, accept_partial=True)


def _upload_feeds(county: Region, heads: list[Person], rng: random.Random, officer, clerk) -> dict:
    on = timezone.localdate() - dt.timedelta(days=20)
    people = [(decrypt_text(p.id_number_cipher), p.name, p.region.code) for p in heads]
    village = heads[0].region.code if heads else county.code
    made = {"batches": 0, "rows": 0}
    for kind in SENDERS:
        chosen, outsiders = ROWS.get(kind, ((0, 1, 2), 0))
        rows = [people[i] for i in chosen if i < len(people)]
        rows += [(_outsider(county, rng), person_name(rng, "F" if n % 2 else "M"), village) for n in range(outsiders)]
        extra = []
        if kind == FeedKind.MEDICAL_SETTLEMENT and heads:
            first = next((h for h in heads[:8] if _misspelt(h.name) != h.name), heads[0])
            # a bad row (no usable ID number, no birth date) and a misspelt name without an ID number
            extra = [["43052419", "张某", "", village, on.isoformat(), on.isoformat(), on.isoformat(), "隆回县人民医院",
                      "800.00", "500.00", "", "", "300.00"],
                     ["", _misspelt(first.name), first.birth_date.isoformat()
                      if first.birth_date else "", "", on.isoformat(), on.isoformat(), on.isoformat(), "隆回县人民医院",
                      "9000.00", "6000.00", "", "", "3000.00"]]
        result = _upload(officer, clerk, kind, _csv(kind, rows, on, extra))
        if result.status == "checked":  # the bureau looks at its errors and accepts the file without the bad row
            feeds.feed_accept(actor=clerk, batch_id=result.batch.pk)
        made["batches"] += 1
        made["rows"] += result.batch.rows_total
    return made


def _pick(warnings: list[Warning], used: dict, *, death: bool = False, household: bool = True) -> Warning | None:
    """The first warning not used yet, of a household not used yet (one story per household)."""
    for w in warnings:
        if w.pk in used["warnings"] or w.household_id in used["households"]:
            continue
        if (household and w.household_id is None) or services.is_death_warning(w) != death:
            continue
        used["warnings"].add(w.pk)
        if w.household_id:
            used["households"].add(w.household_id)
        return w
    return None


def _handle(run_warnings: list[Warning], users: dict, today: dt.date) -> dict:
    """Each status and disposition once, by the officer (visits, dispositions), the bureau's clerk (the answer)
    and the approver (the termination)."""
    from jiuzhu.registry import services as registry

    officer, clerk, approver = users["officer"], users["clerk"], users["approver"]
    used: dict = {"warnings": set(), "households": set()}
    done: dict[str, int] = {}

    def visit(w, findings="入户核实：家中确有大额医疗支出，生活困难"):
        services.warning_visit_record(actor=officer, warning=w, visited_on=today, visitors="村协理员、镇民政办",
                                      findings=findings, result="confirmed")

    def step(name, fn):
        w = _pick(run_warnings, used, death=name == "rebutted")
        if w is not None:
            fn(w)
            done[name] = done.get(name, 0) + 1

    step("visited", visit)
    step("implement_policy", lambda w: (visit(w), services.warning_implement_policy(
        actor=officer, warning=w, way=services.IMPLEMENT_GRANT, note="纳入医疗救助",
        grant={"category": "medical", "period_start": today, "once_amount": Decimal("3000"), "acknowledge": True})))
    referred = []
    for name in ("referred_waiting", "referred_answered", "refer_department"):
        step(name, lambda w, name=name: (visit(w), referred.append((name, services.warning_refer(
            actor=officer, warning=w, organization=clerk.organization, request="请核实医保报销及医疗救助情况")))))
    for name, referral in referred:
        if name != "referred_waiting":
            services.referral_answer(actor=clerk, referral=referral, answer="经核实已按规定报销，建议纳入医疗救助")
        if name == "refer_department":
            services.warning_close_referred(actor=officer, warning=referral.warning, note="部门已答复，已落实")
    step("case_conference", lambda w: (visit(w), services.warning_case_conference(
        actor=officer, warning=w, held_on=today, participants="镇长、村支书、村协理员、群众代表",
        decision="一事一议：给予一次性临时救助，协助申请医疗救助", amount=Decimal("2000"), acknowledge=True)))

    def terminate(w, decide: bool):
        visit(w, findings="入户核实：家庭成员已稳定就业，收入超过标准")
        grant = registry.grant_create(actor=officer, household=w.household, category="basic_living",
                                      period_start=today.replace(day=1) - dt.timedelta(days=90),
                                      monthly_amount=Decimal("600"), acknowledge=True)
        proposal = services.warning_terminate_propose(actor=officer, warning=w, target=f"grant:{grant.pk}",
                                                      end_date=today, reason="家庭收入已超过低保标准")
        if decide:
            services.warning_terminate_decide(actor=approver, termination=proposal, approve=True, note="同意停发")

    step("verify_terminate", lambda w: terminate(w, True))
    step("termination_pending", lambda w: terminate(w, False))
    step("rebutted", lambda w: services.warning_rebut_death(
        actor=officer, warning=w, upload=PDF, filename="未死亡证明.pdf", note="本人健在，死亡信息系误报"))
    # One open warning past its deadline: dated back, then the overdue sweep marks it and tells the owner.
    late = _pick(run_warnings, used, household=False)
    if late is not None:
        Warning.objects.filter(pk=late.pk).update(due_date=add_working_days(today - dt.timedelta(days=30), 5))
        done["overdue"] = services.overdue_sweep(today=today)
    return done


def populate(seed: int = 20261123) -> dict:
    """Feeds, a run and handled warnings for 隆回县; nothing when its feeds are already there."""
    county = Region.objects.get(code=COUNTY)
    existing = FeedBatch.objects.filter(region__path__startswith=county.path)
    if existing.exists():
        return {"batches": 0, "rows": 0, "warnings": 0, "handled": {}, "skipped": True}
    rng = random.Random(seed)
    users = {role: User.objects.select_related("organization", "region").get(username=f"longhui_{role}")
             for role in ("officer", "clerk", "approver", "window")}
    heads = _heads(users["window"].region, rng)
    made = _upload_feeds(county, heads, rng, users["officer"], users["clerk"])
    today = timezone.localdate()
    run = comparison_run(region=county, as_of=today, actor=users["officer"])
    warnings = list(Warning.objects.filter(run=run).select_related("indicator", "household", "region")
                    .order_by("pk"))
    handled = _handle(warnings, users, today)
    return {**made, "warnings": sum(run.counts.values()), "handled": handled, "skipped": False,
            "open": Warning.objects.filter(run=run, status=WarningStatus.OPEN).count()}
