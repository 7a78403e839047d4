"""The demo's safety-net fund and purchase of services, through the funds app's services (the lead wires
`populate()` into load_demo after the registry's demo): for 隆回县 and 洞口县 a fund with a year of contributions
(the city budget brought forward, the red cross's and the charity federation's shares with their available funds,
donations) and disbursements decided by 一事一议 or 先行救助 (one still waiting for the approver); a provider, a
contract with dispatched staff, service records in the window's township (some confirmed, some waiting on the
township's work list) and the first milestone evaluated and paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from jiuzhu.core.models import Region, User
from jiuzhu.funds import fund_services, purchase_services
from jiuzhu.funds.fund_models import Fund, FundEntry
from jiuzhu.registry.models import Household, Person

# A scanned decision stands in for the minutes (a one-page PDF).
DECISION_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COUNTIES = (("longhui", "430524", "隆回县"), ("dongkou", "430525", "洞口县"))


def _uscc(county: str, n: int) -> str:
    body = f"52{county}MJ{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def populate() -> dict:
    """Idempotent: does nothing once a fund exists."""
    if Fund.objects.exists():
        return {"funds": 0, "entries": 0, "records": 0}
    today = timezone.localdate()
    made = {"funds": 0, "entries": 0, "records": 0}
    for prefix, code, name in COUNTIES:
        officer = User.objects.select_related("region", "organization").get(username=f"{prefix}_officer")
        approver = User.objects.select_related("region").get(username=f"{prefix}_approver")
        window = User.objects.select_related("region").get(username=f"{prefix}_window")
        with transaction.atomic():
            made["entries"] += _fund(officer, approver, Region.objects.get(code=code), today)
            made["records"] += _services(officer, approver, window, code, name, today)
        made["funds"] += 1
    return made


def _fund(officer, approver, county, today) -> int:
    fund = fund_services.fund_open(actor=officer, region=county)
    jan = today.replace(month=1, day=1)
    last_year = jan - dt.timedelta(days=20)
    book = fund_services.contribution_record
    book(actor=officer, fund=fund, source="city_budget", amount="800000", entry_date=last_year,
         voucher="市财预〔上年〕12号", note="上年市级财政预算安排")
    book(actor=officer, fund=fund, source="city_budget", amount="500000", entry_date=jan, voucher="市财预 1号")
    book(actor=officer, fund=fund, source="red_cross", amount="200000", available_funds="600000",
         entry_date=min(today, jan + dt.timedelta(days=20)), voucher="红字 3号")
    book(actor=officer, fund=fund, source="charity", amount="100000", available_funds="450000",
         entry_date=min(today, jan + dt.timedelta(days=25)), voucher="慈总 5号", note="不足可用资金三分之一，待补足")
    book(actor=officer, fund=fund, source="donation", amount="36000",
         entry_date=min(today, jan + dt.timedelta(days=40)), note="爱心企业定向捐赠")
    heads = list(Household.objects.filter(region__path__startswith=county.path, head__isnull=False)
                 .order_by("pk")[:3])
    decisions = [("case_conference", "一事一议（重病、大额医疗费用）", "20000"),
                 ("assist_first", "先行救助（火灾，住房损毁）", "8000"),
                 ("case_conference", "一事一议（意外事故致家庭困难）", "15000")]
    for n, (household, (kind, note, amount)) in enumerate(zip(heads, decisions, strict=False), start=1):
        entry = fund_services.disbursement_prepare(
            actor=officer, fund=fund, household=household, amount=amount, decision_kind=kind,
            decision_ref=f"{county.name[:2]}民议〔{today.year}〕{n}号", decided_on=today - dt.timedelta(days=3 * n),
            decision_file=DECISION_PDF, decision_filename="决定文书.pdf", note=note)
        if n < len(decisions):  # the last waits for the approver
            fund_services.disbursement_approve(actor=approver, entry=entry)
    return FundEntry.objects.filter(fund=fund).count()


def _services(officer, approver, window, code, name, today) -> int:
    provider = purchase_services.provider_register(
        actor=officer, name=f"{name}阳光社会工作服务中心", uscc=_uscc(code, 1), kind="social_org",
        qualifications="持证社会工作者 12 人，3A 级社会组织，承接过三年社会救助服务项目", contact="王主任 0739-0000000")
    start, end = today.replace(month=1, day=1), today.replace(month=12, day=31)
    contract = purchase_services.contract_create(
        actor=officer, provider=provider, title=f"{today.year} 年{name}社会救助经办服务项目",
        number=f"{code}-ZC-{today.year}-018", method="open_tender", budget=Decimal("360000"), start_on=start,
        end_on=end, items=["screening", "means_test", "care", "hospital_escort", "counselling"],
        indicators=[("服务数量完成率", 40), ("服务质量", 40), ("档案规范", 20)],
        milestones=[("预付款", Decimal("108000")), ("中期款", Decimal("144000")), ("尾款", Decimal("108000"))])
    township = window.region
    staff = [purchase_services.staff_dispatch(actor=officer, contract=contract, name=n, post=p, region=r,
                                              institution=i, qualification="社会工作师")
             for n, p, r, i in (("李晓红", "township", township, ""), ("陈志远", "county", contract.region, ""),
                                ("刘芳", "institution", township, f"{township.name}敬老院"))]
    persons = list(Person.objects.filter(region__path__startswith=township.path, death_date__isnull=True)
                   .order_by("pk")[:8])
    items = ["care", "means_test", "hospital_escort", "counselling"]
    records = []
    for n, person in enumerate(persons):
        records.append(purchase_services.service_record(
            actor=officer, contract=contract, person=person, item=items[n % len(items)],
            served_on=max(start, today - dt.timedelta(days=2 * n + 1)), hours=Decimal("1.5") + n % 3,
            staff=staff[n % len(staff)], note="按服务计划上门服务"))
    for record in records[: len(records) // 2]:  # the township confirmed the older half; the rest wait
        purchase_services.service_confirm(actor=window, record=record)
    first = contract.milestones.get(sequence=1)
    indicators = {i.name: i.pk for i in contract.indicators.all()}
    purchase_services.evaluation_record(actor=officer, milestone=first, satisfaction=92, scores={
        indicators["服务数量完成率"]: 88, indicators["服务质量"]: 85, indicators["档案规范"]: 90})
    purchase_services.milestone_pay(actor=approver, milestone=first)
    return len(records)
