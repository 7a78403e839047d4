"""Writes validated households set-based: one statement per table per chunk, never one per row.

Used by single registration (a list of one), the Excel/CSV import and the demo generator, so the
three cannot drift apart."""

import json
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core.crypto import encrypt_text, keyed_hash, keyed_hash_many
from jiuzhu.core.events import EventRow, record_events
from jiuzhu.core.identity import name_pinyin, name_sound_key
from jiuzhu.core.models import Region
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import Household, Person, Relation
from jiuzhu.registry.validation import HouseholdRow, MemberRow, RowErrors

CHUNK = 5000


@lru_cache(maxsize=200_000)
def _name_keys(name: str) -> tuple[str, str]:
    # Names repeat a great deal in a population; pypinyin is the slow part of an import.
    return name_pinyin(name), name_sound_key(name)


@lru_cache(maxsize=50_000)
def _char_keys(char: str, first: bool) -> tuple[str, str] | None:
    """A character's pinyin and sound key as name_pinyin gives them (the first character with the surname
    readings); None when the character has more than one token or none."""
    pinyin, sound = name_pinyin(char + "之" if first else char), name_sound_key(char + "之" if first else char)
    if first:
        pinyin, sound = pinyin.rsplit(" ", 1)[0], sound.rsplit(" ", 1)[0]
    return None if not pinyin or " " in pinyin else (pinyin, sound)


def fast_name_keys(name: str) -> tuple[str, str]:
    """name_pinyin and name_sound_key of a name, character by character when no two of its characters form a
    word pypinyin reads differently (the same result, pinned by a test), else the whole name. ~20 times faster:
    a population has far fewer characters than names."""
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    if 2 <= len(name) <= 4 and all(ord(c) in PINYIN_DICT for c in name) and not any(
            name[i:j] in PHRASES_DICT for i in range(len(name)) for j in range(i + 2, len(name) + 1)):
        parts = [_char_keys(c, i == 0) for i, c in enumerate(name)]
        if all(parts):
            return " ".join(p[0] for p in parts), " ".join(p[1] for p in parts)
    return _name_keys(name)


def name_keys_for(households: list[HouseholdRow]) -> dict[str, tuple[str, str]]:
    """(pinyin, sound key) of every distinct name, once."""
    return name_keys_many({m.name for h in households for m in h.members})


def name_keys_many(names) -> dict[str, tuple[str, str]]:
    """{name: fast_name_keys(name)} for many names (a million-person roster: ~400,000 distinct), the same rule
    with the per-name work cut: the word check one C-level look-up of the name's pieces, each character's keys
    from a table of this call."""
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    is_word = PHRASES_DICT.__contains__
    names = names if isinstance(names, (set, frozenset, list, tuple)) else list(names)
    joined = "".join(names)
    # Each character's keys as a surname and elsewhere, once (None: the whole-name path).
    first = {c: _char_keys(c, True) if ord(c) in PINYIN_DICT else None for c in {n[0] for n in names if n}}
    other = {c: _char_keys(c, False) if ord(c) in PINYIN_DICT else None for c in set(joined)}
    out = {}
    for name in names:
        n = len(name)
        if n == 2:
            pieces = (name,)
        elif n == 3:
            pieces = (name[:2], name[1:], name)
        elif n == 4:
            pieces = (name[:2], name[1:3], name[2:], name[:3], name[1:], name)
        else:
            out[name] = _name_keys(name)
            continue
        if not any(map(is_word, pieces)):
            parts = [first[name[0]], *map(other.__getitem__, name[1:])]
            if None not in parts:
                out[name] = (" ".join([p[0] for p in parts]), " ".join([p[1] for p in parts]))
                continue
        out[name] = _name_keys(name)
    return out


def regions_for(codes: set[str]) -> dict[str, Region]:
    found: dict[str, Region] = {}
    codes = sorted(codes)
    for i in range(0, len(codes), 900):
        found.update({r.code: r for r in Region.objects.filter(code__in=codes[i:i + 900])})
    return found


def existing_hashes(hashes: Sequence[str]) -> dict[str, tuple[int, int | None, str, str]]:
    """id_number_hash -> (person id, household id, region name, region path) for hashes already registered.
    Set-based: the hashes go in as one parameter (a JSON array on SQLite, an array on PostgreSQL) and are
    joined in the database, 100,000 a query (a million-person roster: 10 queries, not 1,112 of 900); on
    SQLite the list drives the join (one look-up in the unique index per hash, no temporary index built)."""
    person, region = Person._meta.db_table, Region._meta.db_table
    if connection.vendor == "postgresql":
        listed, pack = "unnest(%s::text[]) AS given(value)", list
    else:
        listed, pack = "json_each(%s) AS given", json.dumps
    # Table names from the models, the hashes as the one parameter.
    sql = (f"SELECT p.id_number_hash, p.id, p.household_id, r.full_name, r.path FROM {listed} "  # noqa: S608
           f"CROSS JOIN {person} p LEFT JOIN {region} r ON r.id = p.region_id WHERE p.id_number_hash = given.value")
    found = {}
    with connection.cursor() as cursor:
        for i in range(0, len(hashes), 100_000):
            cursor.execute(sql, [pack(list(hashes[i:i + 100_000]))])
            found.update({h: (pk, hh, name, path) for h, pk, hh, name, path in cursor.fetchall()})
    return found


def keyed_hashes(households: list[HouseholdRow]) -> dict[str, str]:
    numbers = list(dict.fromkeys(m.id_number for h in households for m in h.members))
    return dict(zip(numbers, keyed_hash_many(numbers), strict=True))


def check_against_registry(households: list[HouseholdRow], errors: RowErrors,
                           regions: dict[str, Region], actor) -> dict[str, str]:
    """Region codes known and in scope; persons not already registered. Returns number -> hash."""
    hashes = keyed_hashes(households)
    problems: dict[str, str] = {}  # region code -> what is wrong with it ("" when nothing), judged once per code
    for h in households:
        problem = problems.get(h.region_code)
        if problem is None:
            region = regions.get(h.region_code)
            if region is None:
                problem = f"区划代码 {h.region_code} 不存在"
            elif region.level not in ("village", "township"):
                problem = f"{region.full_name}不是乡镇或村（社区），请填写到村（社区）"
            elif not region_in_scope(actor, region):
                problem = f"{region.full_name}不在您的管辖范围内"
            else:
                problem = ""
            problems[h.region_code] = problem
        if problem:
            errors.add(h.source_row, "region_code", problem)
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
                if not hit:
                    continue
                number = by_hash[hashes[m.id_number]][:6]
                if actor.is_superuser or (actor.region_id and hit[3].startswith(actor.region.path)):
                    where = f"已在{hit[2]}登记（户号 {hit[1]}）"
                else:  # the other record is outside this officer's jurisdiction: say so, show nothing of it
                    where = "已在您管辖范围以外的地区登记"
                    errors.elsewhere.append(hashes[m.id_number])  # the caller discloses (core.disclosure)
                errors.add(m.source_row or h.source_row, "id_number",
                           f"{m.name}（{number}…）{where}，同一人不能在两户或两地登记，请先办理迁移")
    return hashes


def write_households(households: list[HouseholdRow], *, actor, regions: dict[str, Region],
                     hashes: dict[str, str], batch=None, event_kind: str = RegistryEvent.HOUSEHOLD_REGISTERED,
                     name_keys: dict | None = None, ciphers: dict | None = None) -> list:
    """Inserts households, members, memberships and one chain event per household (record_events, so the
    event's handlers run after commit). Caller validated. A roster import writes through
    registry.import_write instead (ids allocated first, COPY on PostgreSQL)."""
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
            members = _insert_persons([_person_values(m, row.pk, row.region_id, hashes, regions, batch, now,
                                                      name_keys, ciphers)
                                       for h, row in zip(chunk, rows, strict=True) for m in h.members], now)
            heads = {household_id: pk for pk, household_id, relation in members if relation == Relation.HEAD}
            _set_heads(heads)
            sizes = {row.pk: len(h.members) for h, row in zip(chunk, rows, strict=True)}
            payload = {"batch": batch.pk if batch else None}
            record_events(kind=event_kind, subject_model=Household, actor=actor, occurred_at=now, rows=[
                EventRow(subject_id=row.pk, person_id=heads.get(row.pk), household_id=row.pk, region_id=row.region_id,
                         summary=f"登记家庭，{sizes[row.pk]} 人" if batch is None
                         else f"批量导入登记家庭，{sizes[row.pk]} 人", payload=payload)
                for row in rows])
            for row in rows:
                row.head_id = heads.get(row.pk)
            if any(h.tier for h in chunk):
                _write_benefits(chunk, rows, members, actor=actor, batch=batch, now=now)
            created.extend(rows)
    return created


# ---- Benefits imported with a roster (issue 15) -------------------------------------------------

GRANT_CATEGORY = {"dibao": "basic_living", "tekun": "destitute_support"}


def _granting_organization(actor, households: list[Household]):
    from jiuzhu.core.models import Organization, OrganizationKind

    if getattr(actor, "organization_id", None):
        return actor.organization_id
    # A superuser has no organisation: the civil affairs bureau nearest above the first household's village.
    region = Region.objects.get(pk=households[0].region_id)
    org = (Organization.objects.filter(kind=OrganizationKind.CIVIL_AFFAIRS,
                                       region__code__in=region.ancestor_codes())
           .order_by("-region__path").values_list("pk", flat=True).first())
    return org


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple], *, json_columns: tuple[str, ...] = ()) -> None:
    """Plain executemany INSERT (constant table and column names; values are parameters). JSON columns are
    sent as text, cast on PostgreSQL."""
    if not rows:
        return
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join(f"%s{cast}" if c in json_columns else "%s" for c in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - constants only
    with connection.cursor() as cursor:
        for i in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[i:i + CHUNK])


_DECISION_COLUMNS = ("household_id", "assessed_on", "recommended_tier", "tier", "status", "members",
                     "per_capita_income", "dibao_standard", "facts", "reasons", "override_reason", "decided_by_id",
                     "decided_at", "valid_from", "created_at", "run_key", "source", "benefit_class",
                     "import_batch_id", "import_row")
_GRANT_COLUMNS = ("household_id", "person_id", "category", "monthly_amount", "service", "period_start",
                  "granting_organization_id", "tier_decision_id", "status", "end_reason", "created_by_id",
                  "created_at")
_SUPPORT_COLUMNS = ("person_id", "household_id", "tier_decision_id", "support_mode", "institution", "self_care",
                    "basic_standard", "care_standard", "import_batch_id", "created_at")
_ACCOUNT_COLUMNS = ("household_id", "person_id", "bank_name", "account_cipher", "account_hash", "account_tail",
                    "is_active", "import_batch_id", "created_at")


def _write_benefits(chunk: list[HouseholdRow], rows: list[Household], members: list[tuple[int, int, str]], *,
                    actor, batch, now) -> None:
    """The roster's benefits as the households' current decisions (confirmed, source imported, with the batch
    and row), monthly grants from the roster's month, 特困 support and payment accounts (account encrypted).
    Plain INSERTs, one statement per table per chunk: model instances cost more than the rest of the import."""
    import json

    from jiuzhu.core.tabular import row_label
    from jiuzhu.registry.models import TierDecision

    by_household: dict[int, list[int]] = {}
    for pk, household_id, _relation in sorted(members):
        by_household.setdefault(household_id, []).append(pk)
    pairs = [(h, row) for h, row in zip(chunk, rows, strict=True) if h.tier]
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    batch_id = batch.pk if batch else None
    filename = batch.filename if batch else ""
    reasons = json.dumps(["按原有保障名册导入"], ensure_ascii=False)
    _insert("registry_tierdecision", _DECISION_COLUMNS, [
        (row.pk, h.roster_month or now.date(), h.tier, h.tier, "confirmed", h.covered_persons or len(h.members),
         Decimal(0), h.dibao_standard or Decimal(0),
         json.dumps({"source": "roster", "file": filename, "row": row_label(h.source_row),
                     "monthly_amount": str(h.monthly_amount or ""), "family_size": h.family_size or len(h.members)},
                    ensure_ascii=False),
         reasons, "", actor_id, now, h.roster_month, now, "", "imported", h.benefit_class, batch_id,
         row_label(h.source_row)[:80])
        for h, row in pairs], json_columns=("facts", "reasons"))
    ids = [row.pk for _, row in pairs]
    decision_of: dict[int, int] = {}
    for i in range(0, len(ids), 900):
        decision_of.update(TierDecision.objects.filter(household_id__in=ids[i:i + 900], source="imported",
                                                       import_batch_id=batch_id)
                           .values_list("household_id", "pk"))
    org = _granting_organization(actor, rows)
    grants, supports, accounts = [], [], []
    for h, row in pairs:
        decision = decision_of[row.pk]
        category = GRANT_CATEGORY.get(h.tier)
        start = h.roster_month or now.date().replace(day=1)
        if category == "basic_living" and h.monthly_amount is not None:
            grants.append((row.pk, None, category, h.monthly_amount, "", start, org, decision, "active", "",
                           actor_id, now))
        persons = by_household.get(row.pk, [])
        for i, m in enumerate(h.members):
            person_id = persons[i] if i < len(persons) else None
            amount = m.member_amount if m.member_amount is not None else (
                sum(v for v in (m.basic_amount, m.care_amount) if v is not None)
                if (m.basic_amount is not None or m.care_amount is not None) else
                h.monthly_amount if len(h.members) == 1 else None)
            if category == "destitute_support" and amount is not None:
                grants.append((row.pk, person_id, category, amount, "", start, org, decision, "active", "",
                               actor_id, now))
            if h.tier == "tekun" and (m.support_mode or m.self_care or m.basic_standard is not None
                                      or m.care_standard is not None or m.institution):
                supports.append((person_id, row.pk, decision, m.support_mode, m.institution, m.self_care,
                                 m.basic_standard, m.care_standard, batch_id, now))
        if h.bank_account:
            accounts.append((row.pk, row.head_id, h.bank_name, encrypt_text(h.bank_account),
                             keyed_hash(h.bank_account), h.bank_account[-4:], True, batch_id, now))
    _insert("registry_assistancegrant", _GRANT_COLUMNS, grants)
    _insert("registry_destitutesupport", _SUPPORT_COLUMNS, supports)
    _insert("registry_paymentaccount", _ACCOUNT_COLUMNS, accounts)


# Plain INSERTs for persons and memberships (events: core's record_events does the same): an import writes
# hundreds of thousands of rows, and building a model instance per row cost more than reading and validating
# the file.
_PERSON_COLUMNS = ("household_id", "relation", "region_id", "id_number_cipher", "id_number_hash", "name",
                   "name_pinyin", "name_sound_key", "sex", "birth_date", "hukou_region_id", "residence_region_id",
                   "disability_type", "disability_grade", "serious_illness", "labour_capacity", "schooling",
                   "employment", "phone", "supporter_able", "death_date", "import_batch_id", "created_at",
                   "updated_at", "ethnicity")
_PERSON_SQL = (f"INSERT INTO registry_person ({', '.join(_PERSON_COLUMNS)}) "  # noqa: S608 - constant columns
               f"VALUES ({', '.join(['%s'] * len(_PERSON_COLUMNS))})")
_MEMBERSHIP_SQL = ("INSERT INTO registry_householdmembership (person_id, household_id, relation, joined_at) "
                   "VALUES (%s, %s, %s, %s)")


def _person_values(m: MemberRow, household_id: int, region_id: int, hashes, regions, batch, now, name_keys=None,
                   ciphers=None) -> tuple:
    pinyin, sound = name_keys[m.name] if name_keys else _name_keys(m.name)
    hukou = regions.get(m.hukou_region_code) if m.hukou_region_code else None
    cipher = ciphers[m.id_number] if ciphers else encrypt_text(m.id_number)
    return (household_id, m.relation, region_id, cipher, hashes[m.id_number], m.name, pinyin,
            sound, m.sex, m.birth_date, hukou.pk if hukou else None, region_id, m.disability_type,
            m.disability_grade, m.serious_illness, m.labour_capacity, m.schooling, m.employment, m.phone,
            m.supporter_able, m.death_date, batch.pk if batch else None, now, now, m.ethnicity)


def _insert_persons(values: list[tuple], now) -> list[tuple[int, int, str]]:
    """Inserts persons and their open memberships; returns (id, household id, relation) of each."""
    hash_index = _PERSON_COLUMNS.index("id_number_hash")
    with connection.cursor() as cursor:
        cursor.executemany(_PERSON_SQL, values)
    written: list[tuple[int, int, str]] = []
    hashes = [v[hash_index] for v in values]
    for i in range(0, len(hashes), 900):  # ids back by the unique hash index
        written.extend(Person.objects.filter(id_number_hash__in=hashes[i:i + 900])
                       .values_list("pk", "household_id", "relation"))
    with connection.cursor() as cursor:
        cursor.executemany(_MEMBERSHIP_SQL, [(pk, household_id, relation, now)
                                             for pk, household_id, relation in written])
    return written


def write_members(household: Household, members: list[MemberRow], *, hashes, regions) -> list[Person]:
    """Adds validated members to an existing household (its head too, if it had none)."""
    now = timezone.now()
    written = _insert_persons([_person_values(m, household.pk, household.region_id, hashes, regions, None, now)
                               for m in members], now)
    heads = {household_id: pk for pk, household_id, relation in written if relation == Relation.HEAD}
    if heads:
        _set_heads(heads)
    return list(Person.objects.filter(pk__in=[pk for pk, _, _ in written]).order_by("pk"))


def _set_heads(heads: dict[int, int]) -> None:
    """household.head_id for many households in one statement per 500 (CASE on the primary key)."""
    items = list(heads.items())
    table = Household._meta.db_table
    for i in range(0, len(items), 500):
        part = items[i:i + 500]
        cases = " ".join("WHEN %s THEN %s" for _ in part)
        # changed_at too: a raw UPDATE sets the change stamp itself (core.changestamp).
        params = [v for pair in part for v in pair] + [timezone.now()] + [k for k, _ in part]
        placeholders = ",".join("%s" for _ in part)
        with connection.cursor() as cursor:
            # Only the table name and placeholders are interpolated; values are parameters.
            sql = (f"UPDATE {table} SET head_id = CASE id {cases} END, changed_at = %s "  # noqa: S608
                   f"WHERE id IN ({placeholders})")
            cursor.execute(sql, params)
