"""Demo households built from core's deterministic persons, written through the import's bulk path.

The persons are fixed per seed (ages as of AS_OF); their means test is current: every income and expense
covers the 12 months before the day the demo is built (so an assessment on that day, or in the weeks
after, sees a full income record). Each household is drawn into one band, deterministically per seed and
batch. Measured with the default seed (20261123) and 10,000 persons (3,668 households), an assessment on the
build day suggests:
- 不符合 72 % (per-capita income 1.6–9 × the 低保 standard, larger deposits, some cars);
- 其他困难 8 % (a severely disabled or seriously ill member, income below the average disposable income),
  刚性支出困难 1 % (large medical costs), 防止返贫监测 3 % (flagged households);
- 低保 6 % (0.3–0.95 × the standard, small deposits), plus 65 单人户 from 低保边缘 households;
- 低保边缘 6 % (1.05–1.45 × the standard, small deposits);
- 特困 3 % (every member 60 or older or under 16, no able supporter, at most the basic pension; the 23 with
  no pension have no income record and carry the coverage warning).
Standards are the city's (DEMO_STANDARDS). Re-running adds nothing: each batch of 10,000 persons has its key."""

import datetime as dt
import random
import time

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.demo import PersonFactory
from jiuzhu.core.models import Region
from jiuzhu.registry import bulk
from jiuzhu.registry.models import Asset, Expense, ImportBatch, IncomeItem, Person
from jiuzhu.registry.validation import HouseholdRow, MemberRow

CHUNK_PERSONS = 10_000
AS_OF = dt.date(2026, 1, 1)  # fixed, so the same seed gives the same people on any day
SIZES = [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5]  # ≈2.8 persons per household


def _member(p, relation: str, rng, county_code: str) -> MemberRow:
    age = AS_OF.year - p.birth_date.year
    disability = rng.random() < 0.08
    return MemberRow(
        id_number=p.id_number, name=p.name, relation=relation, sex=p.sex, birth_date=p.birth_date,
        disability_type=rng.choice(["physical", "visual", "intellectual", "mental", "hearing"]) if disability else "",
        disability_grade=rng.randint(1, 4) if disability else None,
        serious_illness=rng.choice(["尿毒症", "恶性肿瘤", "重性精神病", "白血病"]) if rng.random() < 0.05 else "",
        labour_capacity="none" if age >= 60 or age < 16 or disability else rng.choice(["full", "full", "partial"]),
        schooling="primary" if 6 <= age < 12 else "junior" if 12 <= age < 15 else "senior" if 15 <= age < 18 else "",
        employment="" if age < 16 else rng.choice(["farming", "flexible", "unemployed", "employed", "none"]),
        phone=f"13{rng.randint(100000000, 999999999)}" if relation == "head" else "",
        hukou_region_code=county_code,
    )


def chunk_households(seed: int, chunk: int, villages: list[Region]) -> list[HouseholdRow]:
    factory = PersonFactory(seed, chunk)
    rng = factory.rng
    rows: list[HouseholdRow] = []
    count = 0
    while count < CHUNK_PERSONS:
        village = rng.choice(villages)
        county = village.code[:6]
        size = min(rng.choice(SIZES), CHUNK_PERSONS - count)
        head_sex = "M" if rng.random() < 0.7 else "F"
        head = factory.person(county, factory.birth_date(28, 88, AS_OF), head_sex)
        surname = head.name[0]
        members = [_member(head, "head", rng, county)]
        head_age = AS_OF.year - head.birth_date.year
        for k in range(1, size):
            if k == 1 and head_age < 80:
                spouse_birth = head.birth_date + dt.timedelta(days=rng.randint(-1500, 1500))
                p = factory.person(county, min(spouse_birth, AS_OF - dt.timedelta(days=18 * 366)),
                                   "F" if head_sex == "M" else "M")
                relation = "spouse"
            elif head_age > 45 and k == size - 1 and rng.random() < 0.3:
                p = factory.person(county, factory.birth_date(0, 12, AS_OF), rng.choice("MF"), surname)
                relation = "grandchild"
            else:
                youngest = max(0, head_age - 45)
                p = factory.person(county, factory.birth_date(youngest, max(youngest, head_age - 20), AS_OF),
                                   rng.choice("MF"), surname)
                relation = "child"
            members.append(_member(p, relation, rng, county))
        rows.append(HouseholdRow(region_code=village.code, address=f"{village.full_name}{rng.randint(1, 99)}组"
                                 f"{rng.randint(1, 60)}号", hukou_type="urban" if "社区" in village.name else "rural",
                                 members=members, relapse_watch=rng.random() < 0.03))
        count += size
    return rows


# 邵阳市 demo standards (illustrative values of the right size, not the city's published figures).
DEMO_STANDARDS = {"dibao_standard_urban": 680, "dibao_standard_rural": 470, "rigid_expense_ratio": "0.5",
                  "disposable_income_last_year": 28000}


def seed_standards(city: Region) -> None:
    """Set by the city's administrator through the one settings service (validated, audited, on the chain),
    as an office would; versions already there are kept, so a re-run adds nothing."""
    from jiuzhu.core.models import RegionSetting, User
    from jiuzhu.registry.standards import standard_set

    admin = User.objects.get(username="shaoyang_admin")
    have = set(RegionSetting.objects.filter(region=city, effective_from=dt.date(2025, 1, 1))
               .values_list("key", flat=True))
    for key, value in DEMO_STANDARDS.items():
        if key not in have:
            standard_set(actor=admin, region=city, key=key, value=value, effective_from=dt.date(2025, 1, 1),
                         note="演示数据")


BANDS = ((0.07, "dibao", 0.30, 0.95), (0.06, "near_dibao", 1.05, 1.45))  # share, band, × the standard
TEKUN_SHARE = 0.15  # of the households whose every member is 60 or older or under 16


def _twelve_months_before(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today.replace(year=today.year - 1) if not (today.month == 2 and today.day == 29) \
        else dt.date(today.year - 1, 2, 28)
    return start, today - dt.timedelta(days=1)


def means_rows(rows: list[HouseholdRow], households: list, rng, today: dt.date) -> tuple[list, list, list, list]:
    """Declared incomes for the 12 months before `today` by band (module docstring), some deposits,
    vehicles and medical costs. Returns incomes, assets, expenses and the 特困 households (no able supporter)."""
    start, end = _twelve_months_before(today)
    incomes, assets, expenses, tekun = [], [], [], []
    for row, household in zip(rows, households, strict=True):
        size = len(row.members)
        ages = [today.year - m.birth_date.year for m in row.members]
        standard = DEMO_STANDARDS["dibao_standard_urban" if row.hukou_type == "urban" else "dibao_standard_rural"]
        pension = 1800 * sum(1 for a in ages if a >= 60) if rng.random() < 0.8 else 0
        draw = rng.random()
        if all(a >= 60 or a < 16 for a in ages) and rng.random() < TEKUN_SHARE:
            band, low, high = "tekun", 0, 0
            tekun.append(household.pk)
        elif draw < BANDS[0][0]:
            band, low, high = BANDS[0][1:]
        elif draw < BANDS[0][0] + BANDS[1][0]:
            band, low, high = BANDS[1][1:]
        else:
            band, low, high = "above", 1.6, 9.0
        yearly = round(rng.uniform(low, high) * standard * size * 12, 2)
        if band != "tekun":
            incomes.append(IncomeItem(household=household, kind=rng.choice(["wage", "farming", "business"]),
                                      amount=max(0, round(yearly - pension, 2)), period_start=start,
                                      period_end=end))
        if pension:
            incomes.append(IncomeItem(household=household, kind="basic_pension", amount=pension, period_start=start,
                                      period_end=end, source="department"))
        below = band != "above"
        if rng.random() < (0.3 if below else 0.5):
            value = rng.uniform(0, 6000) if below else rng.uniform(5000, 150_000)
            assets.append(Asset(household=household, kind="deposit", value=round(value * size, 2),
                                recorded_on=start))
        if not below and rng.random() < 0.06:
            assets.append(Asset(household=household, kind="vehicle", value=round(rng.uniform(8000, 90000), 2),
                                description="小型汽车", recorded_on=start))
        if rng.random() < 0.12:
            expenses.append(Expense(household=household, kind="medical", amount=round(rng.uniform(2000, 60000), 2),
                                    period_start=start, period_end=end, source="department"))
    return incomes, assets, expenses, tekun


def populate(*, seed: int, persons: int, villages: list[Region], actor=None, progress=None,
             today: dt.date | None = None) -> dict:
    """Loads `persons` demo persons in chunks of 10,000, each under its own batch key, so a second run
    (or a larger one) adds only the chunks that are missing. Means-test periods end the day before `today`
    (the day the demo is built unless given)."""
    today = today or timezone.localdate()
    chunks = -(-persons // CHUNK_PERSONS)
    regions = {v.code: v for v in villages}
    regions.update(bulk.regions_for({v.code[:6] for v in villages}))
    added = {"households": 0, "persons": 0, "chunks_skipped": 0}
    for chunk in range(chunks):
        key = f"demo:{seed}:{chunk}"
        if ImportBatch.objects.filter(key=key).exists():
            added["chunks_skipped"] += 1
            continue
        started = time.monotonic()
        rows = chunk_households(seed, chunk, villages)
        hashes = bulk.keyed_hashes(rows)
        with transaction.atomic():
            batch = ImportBatch.objects.create(key=key, filename=f"演示数据（种子 {seed}，第 {chunk + 1} 批）",
                                               region=villages[0].parent.parent, created_by=actor)
            created = bulk.write_households(rows, actor=actor, regions=regions, hashes=hashes, batch=batch)
            incomes, assets, expenses, tekun = means_rows(rows, created, random.Random(f"means:{seed}:{chunk}"),
                                                          today)
            Person.objects.filter(household_id__in=tekun).update(supporter_able=False)
            IncomeItem.objects.bulk_create(incomes, batch_size=2000)
            Asset.objects.bulk_create(assets, batch_size=2000)
            Expense.objects.bulk_create(expenses, batch_size=2000)
            batch.households = len(rows)
            batch.persons = sum(len(r.members) for r in rows)
            batch.seconds = time.monotonic() - started
            batch.save()
        added["households"] += batch.households
        added["persons"] += batch.persons
        if progress:
            progress(chunk + 1, chunks)
    return added
