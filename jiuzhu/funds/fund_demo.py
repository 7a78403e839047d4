"""The demo's safety-net fund and purchase of services, through the funds app's services (load_demo calls
`populate()` after the registry's, intake's and monitoring's demos): the city's fund (邵阳市托底救助基金, opened and
fed by shaoyang_officer: the city budget brought forward, the red cross's and the charity federation's shares with
their available funds, donations) serving 隆回县 and 洞口县, whose officers propose disbursements for their own
county's decided cases (一事一议 or 先行救助, linked to the case) that shaoyang_approver approves (the last one still
waiting); and per county a provider, a contract with dispatched staff, service records in the window's township
(some confirmed, some waiting on the township's work list) and the first milestone evaluated and paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from stdnum.cn import uscc

from jiuzhu.core.demo import CITY_CODE
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, User
from jiuzhu.funds import fund_services, purchase_services
from jiuzhu.funds.fund_models import Fund, FundEntry
from jiuzhu.registry.models import Household, Person

# The stand-in scan of the minutes uses PDF's predefined Chinese font (STSong-Light with its Unicode CMap, not
# embedded: viewers draw it with a Song typeface of their own), so a valid one-page A4 PDF needs no PDF library.
_PDF_OBJECTS = (
    b"<</Type/Catalog/Pages 2 0 R>>",
    b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
    b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
    b"<</Type/Font/Subtype/Type0/BaseFont/STSong-Light/Encoding/UniGB-UCS2-H/DescendantFonts[6 0 R]>>",
    None,  # 5: the page's text
    b"<</Type/Font/Subtype/CIDFontType0/BaseFont/STSong-Light/FontDescriptor 7 0 R/W[1 95 500]"
    b"/CIDSystemInfo<</Registry(Adobe)/Ordering(GB1)/Supplement 2>>>>",
    b"<</Type/FontDescriptor/FontName/STSong-Light/Flags 6/FontBBox[-25 -254 1000 880]/ItalicAngle 0"
    b"/Ascent 880/Descent -120/CapHeight 880/StemV 93>>",
)


def decision_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF of the lines (the demo's scanned minutes): the first as the title."""
    width = 36  # 12-point Chinese characters between 1-inch margins; a longer line wraps
    rows = [line[i:i + width] for line in lines[1:] for i in range(0, max(len(line), 1), width)]
    text = "".join(f"<{row.encode('utf-16-be').hex()}> Tj T*\n" for row in rows)
    content = f"BT /F1 18 Tf 72 760 Td <{lines[0].encode('utf-16-be').hex()}> Tj /F1 12 Tf 0 -40 Td 24 TL\n{text}ET"
    stream = f"<</Length {len(content)}>>stream\n{content}\nendstream".encode()
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(_PDF_OBJECTS, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body or stream)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(out)


COUNTIES = (("longhui", "430524", "隆回县"), ("dongkou", "430525", "洞口县"))
PER_COUNTY = 2  # disbursements each county proposes


def _uscc(county: str, n: int) -> str:
    body = f"52{county}MJ{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def _user(username: str) -> User:
    return User.objects.select_related("region", "organization").get(username=username)


def populate(*, cases: Iterable[tuple[str, int]] = ()) -> dict:
    """Idempotent: does nothing once a fund exists. `cases` are the decided cases (kind, id) other apps' demos
    made (core/references.py kinds); each county's officer proposes for those of its own county. A county with
    none proposes for its first households with the decision attached but no case linked."""
    if Fund.objects.exists():
        return {"funds": 0, "entries": 0, "records": 0}
    today = timezone.localdate()
    city_officer, city_approver = _user("shaoyang_officer"), _user("shaoyang_approver")
    cases = list(cases)
    made = {"funds": 1, "entries": 0, "records": 0}
    with transaction.atomic():
        fund = _city_fund(city_officer, Region.objects.get(code=CITY_CODE), today)
    for prefix, code, name in COUNTIES:
        officer, approver, window = _user(f"{prefix}_officer"), _user(f"{prefix}_approver"), _user(f"{prefix}_window")
        with transaction.atomic():
            _disbursements(officer, city_approver, fund, Region.objects.get(code=code), cases, today)
            made["records"] += _services(officer, approver, window, code, name, today)
    made["entries"] = FundEntry.objects.filter(fund=fund).count()
    return made


def _city_fund(officer, city, today) -> Fund:
    fund = fund_services.fund_open(actor=officer, region=city)
    jan = today.replace(month=1, day=1)
    last_year = jan - dt.timedelta(days=20)
    book = fund_services.contribution_record
    book(actor=officer, fund=fund, source="city_budget", amount="1600000", entry_date=last_year,
         voucher="市财预〔上年〕12号", note="上年市级财政预算安排")
    book(actor=officer, fund=fund, source="city_budget", amount="1000000", entry_date=jan, voucher="市财预 1号")
    book(actor=officer, fund=fund, source="red_cross", amount="400000", available_funds="1200000",
         entry_date=min(today, jan + dt.timedelta(days=20)), voucher="红字 3号")
    book(actor=officer, fund=fund, source="charity", amount="200000", available_funds="900000",
         entry_date=min(today, jan + dt.timedelta(days=25)), voucher="慈总 5号", note="不足可用资金三分之一，待补足")
    book(actor=officer, fund=fund, source="donation", amount="72000",
         entry_date=min(today, jan + dt.timedelta(days=40)), note="爱心企业定向捐赠")
    return fund


def _county_cases(officer, cases):
    """The decided cases the county's officer may pay from the city's fund: in its jurisdiction (404 otherwise),
    decided and not paid yet."""
    found = []
    for kind, ref in cases:
        try:
            found.append(fund_services.decided_case(officer, kind, ref))
        except (Http404, DomainError):
            continue
        if len(found) == PER_COUNTY:
            break
    return found


def _disbursements(officer, city_approver, fund, county, cases, today) -> None:
    short = county.name[:2]
    linked = _county_cases(officer, cases)
    if linked:
        plans = [dict(household=Household.objects.get(pk=case.household_id), amount=case.amount or Decimal("3000"),
                      decision_kind=case.decision_kind, decided_on=case.decided_on, source_kind=case.kind,
                      source_id=case.id, note=case.label[:300]) for case in linked]
    else:
        heads = Household.objects.filter(region__path__startswith=county.path, head__isnull=False).order_by("pk")
        plans = [dict(household=h, amount=amount, decision_kind=kind, decided_on=today - dt.timedelta(days=3 * n),
                      note=note)
                 for n, (h, (kind, note, amount)) in enumerate(zip(heads[:PER_COUNTY], [
                     ("case_conference", "一事一议（重病、大额医疗费用）", "20000"),
                     ("assist_first", "先行救助（火灾，住房损毁）", "8000")], strict=False), start=1)]
    for n, plan in enumerate(plans, start=1):
        ref = f"{short}民议〔{today.year}〕{n}号"
        head = plan["household"].head
        decided = plan["decided_on"] or today
        scan = decision_pdf([f"{county.name}社会救助会议纪要", f"文号：{ref}", f"决定日期：{decided:%Y年%m月%d日}",
                             f"救助对象：{head.name if head else '—'}（户主）", f"事由：{plan['note']}",
                             f"会议决定：从{fund.name}支出 {plan['amount']} 元。"])
        entry = fund_services.disbursement_prepare(
            actor=officer, fund=fund, decision_ref=ref, decision_file=scan, decision_filename="决定文书.pdf", **plan)
        if n < len(plans) or county.code != COUNTIES[-1][1]:  # the very last waits for the city's approver
            fund_services.disbursement_approve(actor=city_approver, entry=entry)


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
