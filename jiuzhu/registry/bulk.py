"""Writes validated households set-based: one statement per table per chunk, never one per row.

Used by single registration (a list of one), the Excel/CSV import and the demo generator, so the
three cannot drift apart."""

from collections.abc import Sequence
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import name_pinyin, name_sound_key
from jiuzhu.core.models import Event, Region
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.registry.models import Household, HouseholdMembership, Person, Relation
from jiuzhu.registry.validation import HouseholdRow, MemberRow, RowErrors

CHUNK = 5000


@lru_cache(maxsize=200_000)
def _name_keys(name: str) -> tuple[str, str]:
    # Names repeat a great deal in a population; pypinyin is the slow part of an import.
    return name_pinyin(name), name_sound_key(name)


def regions_for(codes: set[str]) -> dict[str, Region]:
    found: dict[str, Region] = {}
    codes = sorted(codes)
    for i in range(0, len(codes), 900):
        found.update({r.code: r for r in Region.objects.filter(code__in=codes[i:i + 900])})
    return found


def existing_hashes(hashes: Sequence[str]) -> dict[str, tuple[int, int | None, str]]:
    """id_number_hash -> (person id, household id, region name) for hashes already in the registry."""
    found = {}
    for i in range(0, len(hashes), 900):
        rows = Person.objects.filter(id_number_hash__in=hashes[i:i + 900]).values_list(
            "id_number_hash", "pk", "household_id", "region__full_name")
        found.update({h: (pk, hh, region) for h, pk, hh, region in rows})
    return found


def keyed_hashes(households: list[HouseholdRow]) -> dict[str, str]:
    return {m.id_number: keyed_hash(m.id_number) for h in households for m in h.members}


def check_against_registry(households: list[HouseholdRow], errors: RowErrors,
                           regions: dict[str, Region], actor) -> dict[str, str]:
    """Region codes known and in scope; persons not already registered. Returns number -> hash."""
    hashes = keyed_hashes(households)
    for h in households:
        region = regions.get(h.region_code)
        if region is None:
            errors.add(h.source_row, "region_code", f"区划代码 {h.region_code} 不存在")
        elif region.level not in ("village", "township"):
            errors.add(h.source_row, "region_code", f"{region.full_name}不是乡镇或村（社区），请填写到村（社区）")
        elif not region_in_scope(actor, region):
            errors.add(h.source_row, "region_code", f"{region.full_name}不在您的管辖范围内")
        for m in h.members:
            if m.hukou_region_code and m.hukou_region_code not in regions:
                errors.add(m.source_row or h.source_row, "hukou_region_code",
                           f"区划代码 {m.hukou_region_code} 不存在")
    taken = existing_hashes(list(hashes.values()))
    if taken:
        by_hash = {v: k for k, v in hashes.items()}
        for h in households:
            for m in h.members:
                hit = taken.get(hashes[m.id_number])
                if hit:
                    errors.add(m.source_row or h.source_row, "id_number",
                               f"{m.name}（{by_hash[hashes[m.id_number]][:6]}…）已在{hit[2]}登记"
                               f"（户号 {hit[1]}），同一人不能在两户或两地登记，请先办理迁移")
    return hashes


def write_households(households: list[HouseholdRow], *, actor, regions: dict[str, Region],
                     hashes: dict[str, str], batch=None, event_kind: str = "registry.household_registered")\
        -> list[Household]:
    """Inserts households, members, memberships and one chain event per household. Caller validated."""
    now = timezone.now()
    created: list[Household] = []
    with transaction.atomic():
        for start in range(0, len(households), CHUNK):
            chunk = households[start:start + CHUNK]
            rows = Household.objects.bulk_create([
                Household(region=regions[h.region_code], address=h.address, hukou_type=h.hukou_type,
                          relapse_watch=h.relapse_watch, import_batch=batch, created_at=now)
                for h in chunk
            ])
            persons = [_person(m, row, hashes, regions, batch, now) for h, row in zip(chunk, rows, strict=True)
                       for m in h.members]
            persons = _insert_persons(persons, now)
            heads = {p.household_id: p.pk for p in persons if p.relation == Relation.HEAD}
            _set_heads(heads)
            for row in rows:
                row.head_id = heads.get(row.pk)
            Event.objects.bulk_create([
                Event(kind=event_kind, subject_type="registry.household", subject_id=str(row.pk),
                      household_id=row.pk, person_id=row.head_id, region_id=row.region_id,
                      actor=actor if getattr(actor, "pk", None) else None,
                      organization_id=getattr(actor, "organization_id", None), occurred_at=now,
                      summary=f"登记家庭，{sum(1 for p in persons if p.household_id == row.pk)} 人"
                      if len(chunk) == 1 else "批量导入登记家庭",
                      payload={"batch": batch.pk if batch else None})
                for row in rows
            ], batch_size=2000)
            created.extend(rows)
    return created


def _person(m: MemberRow, household: Household, hashes, regions, batch, now) -> Person:
    pinyin, sound = _name_keys(m.name)
    return Person(
        household=household, relation=m.relation, region_id=household.region_id,
        id_number_cipher=encrypt_text(m.id_number), id_number_hash=hashes[m.id_number],
        name=m.name, name_pinyin=pinyin, name_sound_key=sound, sex=m.sex, birth_date=m.birth_date,
        hukou_region=regions.get(m.hukou_region_code) if m.hukou_region_code else None,
        residence_region_id=household.region_id, disability_type=m.disability_type,
        disability_grade=m.disability_grade, serious_illness=m.serious_illness, labour_capacity=m.labour_capacity,
        schooling=m.schooling, employment=m.employment, phone=m.phone, supporter_able=m.supporter_able,
        death_date=m.death_date, import_batch=batch, created_at=now,
    )


def _insert_persons(persons: list[Person], now) -> list[Person]:
    persons = Person.objects.bulk_create(persons, batch_size=1000)
    HouseholdMembership.objects.bulk_create(
        [HouseholdMembership(person=p, household_id=p.household_id, relation=p.relation, joined_at=now)
         for p in persons], batch_size=2000)
    return persons


def write_members(household: Household, members: list[MemberRow], *, hashes, regions) -> list[Person]:
    """Adds validated members to an existing household (its head too, if it had none)."""
    now = timezone.now()
    persons = _insert_persons([_person(m, household, hashes, regions, None, now) for m in members], now)
    heads = {p.household_id: p.pk for p in persons if p.relation == Relation.HEAD}
    if heads:
        _set_heads(heads)
    return persons


def _set_heads(heads: dict[int, int]) -> None:
    """household.head_id for many households in one statement per 500 (CASE on the primary key)."""
    items = list(heads.items())
    table = Household._meta.db_table
    for i in range(0, len(items), 500):
        part = items[i:i + 500]
        cases = " ".join("WHEN %s THEN %s" for _ in part)
        params = [v for pair in part for v in pair] + [k for k, _ in part]
        placeholders = ",".join("%s" for _ in part)
        with connection.cursor() as cursor:
            # Only the table name and placeholders are interpolated; values are parameters.
            sql = f"UPDATE {table} SET head_id = CASE id {cases} END WHERE id IN ({placeholders})"  # noqa: S608
            cursor.execute(sql, params)
