"""Demo work for the one window (一门受理): applications of registry households at 桃洪镇's window in each demo
county, at every step, made through intake's own services so the demo's data is what officers would make:
accepted with a one-time notice, materials brought, referred to 医保局 (accepted, returned, completed), decided
in-house, closed, an assist-first payment waiting for its paperwork, online applications waiting for a window,
and hotline calls (a consultation, a complaint, a street sighting). A few deadlines are moved into the past
(the only direct write), so the work lists show overdue work. Built once: re-running adds nothing."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.models import Region, User
from jiuzhu.intake import application_services as window
from jiuzhu.intake import hotline_services as hotline
from jiuzhu.intake import referral_services as referrals
from jiuzhu.intake.catalog import ITEM_BY_CODE
from jiuzhu.intake.models import Application, CallOutcome, Channel
from jiuzhu.intake.services import application_create

COUNTIES = ("longhui", "dongkou")  # the demo accounts' prefixes
PLANS = [  # (items, what happens next)
    (["temporary", "medical"], "notice"),
    (["medical"], "referred"),
    (["medical", "education"], "returned"),
    (["medical"], "completed"),
    (["temporary"], "granted_closed"),
    (["dibao"], "proposed"),
    (["emergency"], "assist_first"),
    (["temporary", "medical"], "overdue"),
    (["disability_allowance"], "notice"),
    (["housing"], "referred"),
]


def _all_materials(codes):
    return {code: list(ITEM_BY_CODE[code].materials) for code in codes}


def _applicants(township: Region, count: int):
    from jiuzhu.registry.models import Person

    return list(Person.objects.filter(region__path__startswith=township.path, relation="head",
                                      death_date__isnull=True).order_by("pk")[:count])


def _take(window_user, village, person, codes, *, complete: bool):
    return application_create(
        actor=window_user, channel=Channel.WINDOW, region=village, applicant_name=person.name,
        applicant_id_number=person.id_number, items=codes, applicant_phone=person.phone,
        address=f"{village.name}", circumstances="家庭成员患病住院，医疗费用负担重，生活困难",
        received_materials=_all_materials(codes) if complete else {codes[0]: [ITEM_BY_CODE[codes[0]].materials[0]]})


def _step(plan: str, app: Application, users: dict) -> None:
    items = {i.item: i for i in app.items.all()}
    if plan == "notice":
        window.notice_issue(actor=users["window"], application=app)
    elif plan in ("referred", "returned", "completed"):
        item = items.get("medical") or items.get("housing")
        referral = referrals.referral_send(actor=users["window"], item=item, note="请核实医疗费用后办理")
        if plan == "returned" and item.department == "medical_insurance":
            referrals.referral_return(actor=users["clerk"], referral=referral,
                                      reason="缺少住院费用结算单，请补齐后重新转办")
        elif plan == "completed" and item.department == "medical_insurance":
            referrals.referral_accept(actor=users["clerk"], referral=referral)
            referrals.referral_complete(actor=users["clerk"], referral=referral, result="granted",
                                        outcome="经核实给予医疗救助", amount="2350")
    elif plan == "granted_closed":
        item = items["temporary"]
        window.item_propose(actor=users["window"], item=item, proposal="情况属实，建议给予临时救助")
        window.item_decide(actor=users["approver"], item=item, granted=True, outcome="给予临时救助",
                           amount="1500")
        window.application_close(actor=users["window"], application=app, note="已发放临时救助金")
    elif plan == "proposed":
        window.item_propose(actor=users["window"], item=items["dibao"], proposal="家庭人均收入低于低保标准，建议纳入")
    elif plan == "assist_first":
        window.assist_first_grant(actor=users["window"], application=app, amount="800",
                                  reason="突发火灾，家中财物损毁，急需生活费用")


@transaction.atomic
def populate(*, villages_per_applicant_township: int = 1) -> dict:
    if Application.objects.exists():
        return {"applications": 0, "calls": 0}
    made = calls = 0
    for prefix in COUNTIES:
        users = {role: User.objects.get(username=f"{prefix}_{role}") for role in ("window", "approver", "clerk")}
        township = users["window"].region
        villages = list(Region.objects.filter(parent=township).order_by("code"))
        applicants = _applicants(township, len(PLANS) + 3)
        for n, ((codes, plan), person) in enumerate(zip(PLANS, applicants, strict=False)):
            village = Region.objects.get(pk=person.region_id) if person.region_id else villages[n % len(villages)]
            app = _take(users["window"], village, person, codes, complete=plan not in ("notice", "overdue"))
            _step(plan, app, users)
            made += 1
            if plan == "overdue":  # taken weeks ago: its deadline has passed
                Application.objects.filter(pk=app.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
                app.items.update(due_date=timezone.localdate() - dt.timedelta(days=3))
        for person in applicants[len(PLANS):len(PLANS) + 2]:  # online, waiting for the window
            application_create(actor=None, channel=Channel.ONLINE, region=villages[0], applicant_name=person.name,
                               applicant_id_number=person.id_number, items=["temporary"],
                               applicant_phone=person.phone or "13900000000",
                               circumstances="孩子上学费用困难，网上申请临时救助")
            made += 1
        for outcome, extra in [
            (CallOutcome.CONSULTATION, {"answer": "已告知低保申请条件和所需材料，可到居住地乡镇窗口申请"}),
            (CallOutcome.COMPLAINT, {}),
            (CallOutcome.SIGHTING, {"sighting_place": f"{township.name}汽车站候车室"}),
        ]:
            hotline.hotline_call_log(actor=users["window"], region=villages[0], caller_name="王先生",
                                     caller_phone="13700001234", outcome=outcome,
                                     summary={"consultation": "咨询低保申请条件",
                                              "complaint": "反映临时救助申请办理慢",
                                              "sighting": "汽车站有一名老人多日露宿，衣着单薄"}[outcome], **extra)
            calls += 1
    return {"applications": made, "calls": calls}
