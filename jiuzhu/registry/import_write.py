"""Writing an imported roster (issue 15, "Speed"): households, persons, memberships, events and benefits as
few statements as the database allows, in the caller's transaction (all or nothing).

Ids are allocated before anything is written (PostgreSQL: from each table's sequence; SQLite: above the
table's largest id and AUTOINCREMENT counter, under the write lock the IMMEDIATE transaction already holds),
so nothing is read back: a household's head is written with the household (no database constraint on the
keys of households, persons and memberships: the bulk-write FK rule, this job writes every parent),
persons, memberships, decisions, grants, support and accounts reference ids known in advance.
PostgreSQL receives every table through binary COPY, each column's dumper fixed from its type; SQLite one
executemany per table, values already in the text form Django's own adapters would give (a Python adapter call
per cell cost more than the insert), with a page cache big enough for the load while the import runs
(durability at commit unchanged). Columns the same in every row are not carried by the rows (_write's `fixed`).
Memberships are made by the database from the person rows (INSERT ... SELECT). On both databases a load at least
as large as the tables drops their secondary indexes (persons, memberships, the benefit tables; on PostgreSQL the
ID hash's unique constraint too) and creates them again after the rows (indexes_rebuilt; PostgreSQL builds them
with its parallel maintenance workers: the server's second core inside the one transaction, which a second COPY
stream could not use, a COPY taking the connection).

Tried and left (session 35, measured): a producer thread making the next rows while the main thread inserts. A
micro-benchmark of 200,000 26-column rows into SQLite: 3.42 s in one thread, 3.72 s with a producer thread and
chunks of 2,000 (4.76 s row by row from a queue): sqlite3 releases the GIL for each sqlite3_step only, and taking
it back from a thread running Python waits for the switch interval; on PostgreSQL the client already waits on the
server (psycopg's wait was 4.0 s of the 5.5 s COPY at 200,000 persons), so a faster client gains nothing.

Memory (issue 15: peak under 2 GiB at a million persons): no row of any table is held whole. Persons and
memberships are made as they are written, ID numbers encrypted a chunk of households at a time as the person
rows are made (no dictionary of a million ciphers), and the benefits (decisions, grants, support, accounts)
come from generators over the validated households too.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from functools import cache
from itertools import repeat
from json.encoder import encode_basestring  # json.dumps' own string encoder (C), ensure_ascii=False
from operator import add, itemgetter
from time import perf_counter

from django.db import connection
from django.utils import timezone
from psycopg.types.json import JsonbBinaryDumper

from jiuzhu.core.bulk_indexes import highest_id, indexes_rebuilt, large_cache
from jiuzhu.core.crypto import encrypt_many, keyed_hash_many
from jiuzhu.core.events import record_events_by_query
from jiuzhu.core.tabular import row_label
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import Household, Relation
from jiuzhu.registry.validation import HouseholdRow

GRANT_CATEGORY = {"dibao": "basic_living", "tekun": "destitute_support"}
ENCRYPT_CHUNK = 20_000  # households whose members' ID numbers (or accounts) are encrypted at a time
_BENEFIT_TABLES = ("registry_tierdecision", "registry_assistancegrant", "registry_destitutesupport",
                   "registry_paymentaccount")

_HOUSEHOLD = ("id", "region_id", "address", "hukou_type", "relapse_watch", "is_active", "created_at", "updated_at",
              "import_batch_id", "head_id")
_PERSON = ("id", "household_id", "relation", "region_id", "id_number_cipher", "id_number_hash", "name",
           "name_pinyin", "name_sound_key", "sex", "birth_date", "hukou_region_id", "residence_region_id",
           "disability_type", "disability_grade", "serious_illness", "labour_capacity", "schooling", "employment",
           "phone", "supporter_able", "death_date", "import_batch_id", "created_at", "updated_at", "ethnicity")
_MEMBERSHIP = ("person_id", "household_id", "relation", "joined_at")
_DECISION = ("id", "household_id", "assessed_on", "recommended_tier", "tier", "status", "members",
             "per_capita_income", "dibao_standard", "facts", "reasons", "override_reason", "decided_by_id",
             "decided_at", "valid_from", "created_at", "run_key", "source", "benefit_class", "import_batch_id",
             "import_row")
_GRANT = ("household_id", "person_id", "category", "monthly_amount", "service", "period_start",
          "granting_organization_id", "tier_decision_id", "status", "end_reason", "created_by_id", "created_at")
_SUPPORT = ("person_id", "household_id", "tier_decision_id", "support_mode", "institution", "self_care",
            "basic_standard", "care_standard", "import_batch_id", "created_at")
_ACCOUNT = ("household_id", "person_id", "bank_name", "account_cipher", "account_hash", "account_tail",
            "is_active", "import_batch_id", "created_at")
# (subject, person, household, region, time, summary, payload) of each household of the batch, in id order,
# as record_events wrote them one by one before (summary “批量导入登记家庭，3 人”, payload {"batch": id}).
_EVENTS_SQL = (
    "SELECT CAST(h.id AS TEXT), h.head_id, h.id, h.region_id, %s, "
    "'批量导入登记家庭，' || CAST(COUNT(p.id) AS TEXT) || ' 人', {payload} "
    "FROM registry_household h JOIN registry_person p ON p.household_id = h.id "
    "WHERE h.import_batch_id = %s GROUP BY h.id, h.head_id, h.region_id ORDER BY h.id"
)


def _allocate(table: str, count: int) -> list[int]:
    """`count` new ids for `table`, in ascending order."""
    if not count:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence's name first, then nextval of a constant regclass: nextval(pg_get_serial_sequence(..))
            # looked the name up in the catalogue for every row (1M ids: 4.8 s; a constant: 0.4 s).
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            # Only the bounds travel when the values are one run (no one else drew from the sequence meanwhile:
            # the usual case), not a million rows to the client (~3 s at 1M).
            cursor.execute("WITH v AS MATERIALIZED (SELECT nextval(CAST(%s AS regclass)) AS id "
                           "FROM generate_series(1, %s)) SELECT MIN(id), MAX(id), CASE WHEN MAX(id) - MIN(id) + 1 "
                           "= COUNT(*) THEN NULL ELSE array_agg(id ORDER BY id) END FROM v", [sequence, count])
            low, high, scattered = cursor.fetchone()
            return list(range(low, high + 1)) if scattered is None else scattered
        # SQLite: the transaction began IMMEDIATE, so no one else writes until it ends.
        top = highest_id(table)
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(top, found[0] if found else 0) + 1
    return list(range(start, start + count))


class _Values:
    """Turns Python values into what the database gets. SQLite: text for dates, times and amounts, as
    Django's registered sqlite3 adapters would make them, computed once per distinct value."""

    def __init__(self):
        self.sqlite = connection.vendor == "sqlite"
        self._dates: dict = {}
        # SQLite: True/False as 1/0, as sqlite3 stores them. sqlite3 binds only exact int, float, str and bytes
        # directly; a bool first goes through its adapter look-up (a tuple built, a dict probed, two attribute
        # look-ups), a fifth of the bind time of a person row.
        self.flag = {True: 1, False: 0} if self.sqlite else {True: True, False: False}

    def date(self, value):
        if value is None or not self.sqlite:
            return value
        found = self._dates.get(value)
        if found is None:
            found = self._dates[value] = value.isoformat()
        return found

    def amount(self, value):
        return str(value) if value is not None and self.sqlite else value

    def json(self, value):
        """A JSON column's value: its text, as json.dumps(value, ensure_ascii=False) writes it."""
        return self.json_text(json.dumps(value, ensure_ascii=False))

    def json_text(self, text: str):
        """A JSON column's value from its text: the text on SQLite; PostgreSQL's binary jsonb (a version byte,
        then the text) as _copy's dumper passes it on (bytes), so no row's value is encoded again."""
        return text if self.sqlite else b"\x01" + text.encode()

    def moment(self, value):
        return connection.ops.adapt_datetimefield_value(value) if self.sqlite else value


@cache
def _column_types(table: str, columns: tuple[str, ...]) -> tuple[int, ...]:
    """PostgreSQL: the type oid of each of `columns` of `table` (built-in types: the same oid in every database)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = CAST(%s AS regclass) "
                       "AND attnum > 0 AND NOT attisdropped", [table])
        oids = dict(cursor.fetchall())
    return tuple(oids[c] for c in columns)


class _JsonbAsGiven(JsonbBinaryDumper):
    """COPY's jsonb dumper: bytes are the binary jsonb already (_Values.json_text); anything else is dumped as
    psycopg's own dumper does."""

    def dump(self, obj):
        return obj if obj.__class__ is bytes else super().dump(obj)


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    """PostgreSQL: COPY in binary form, each column's dumper fixed up front from its type (set_types), so psycopg's
    C code turns a row into bytes without looking at a cell's Python type: at 200,000 person rows 0.13 s of client
    CPU against 1.46 s for the former csv text (a Python str() per date and datetime), and 14% less server CPU (no
    date, timestamp or number text to parse). Values go as Python has them (dates, aware datetimes, Decimal, bool,
    None is NULL and '' the empty text; JSON columns take the dict or list itself)."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    types = _column_types(table, columns)  # before the COPY: no other statement can run on its connection then
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
        raw.adapters.register_dumper(None, _JsonbAsGiven)  # this cursor only: by the column's type (set_types)
        with raw.copy(sql) as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)


def _literal(value) -> str:
    """SQLite: a value this module made (an id, a time, a label, a JSON text) as SQL text."""
    if value is None:
        return "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _write(table: str, columns: tuple[str, ...], rows, *, fixed: dict | None = None) -> None:
    """Rows (a list or a generator) into `table`. `fixed` columns, {column: value} the same in every row or
    {column: SAME_AS + (other column,)}, are left out of the rows, which carry the other columns in `columns`'
    order. SQLite writes them in the statement (literals, or the other column's numbered parameter again), so
    fewer values are bound per row (binding is a good part of an insert's cost there); PostgreSQL's COPY rows
    get them back by one tuple concatenation and one itemgetter a row (C)."""
    fixed = fixed or {}
    bound = [c for c in columns if c not in fixed]
    if connection.vendor == "postgresql":
        if fixed:
            constants = tuple(value for value in fixed.values() if not _same(value))
            where = {c: len(bound) + k for k, c in enumerate(c for c, value in fixed.items() if not _same(value))}
            where.update({c: i for i, c in enumerate(bound)})
            pick = itemgetter(*(where[fixed[c][1]] if _same(fixed.get(c)) else where[c] for c in columns))
            rows = map(pick, map(add, rows, repeat(constants)))
        _copy(table, columns, rows)
        return
    number = {c: i for i, c in enumerate(bound, start=1)}
    marks = ", ".join(f"?{number[fixed[c][1]]}" if _same(fixed.get(c)) else
                      _literal(fixed[c]) if c in fixed else f"?{number[c]}" for c in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - constants only
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # sqlite3's own executemany: Django's peeks at the first row through itertools.tee and keeps that
        # copy alive, so the tee held every row of a generator (a million person tuples, ~750 MB) to the end.
        sqlite3.Cursor.executemany(cursor.cursor, sql, rows)


SAME_AS = ("same as",)


def _same(value) -> bool:
    return isinstance(value, tuple) and value[:1] == SAME_AS


def write_import(households: list[HouseholdRow], *, actor, regions: dict, hashes: dict[str, str], batch,
                 name_keys: dict[str, tuple[str, str]], timings: dict | None = None) -> int:
    """Writes validated households of an import batch with their members and benefits. The caller holds the
    transaction. Returns the number of households written. The seconds spent encrypting (ID numbers and
    accounts, done as the rows are made) are added to timings["encryption"]."""
    timings = {} if timings is None else timings
    timings.setdefault("encryption", 0.0)
    clock, spent = perf_counter(), timings["encryption"]

    def step(name: str) -> None:  # each step's seconds (encryption aside), so the next bottleneck shows
        nonlocal clock, spent
        now_ = perf_counter()
        timings[name] = now_ - clock - (timings["encryption"] - spent)
        spent, clock = timings["encryption"], now_

    v = _Values()
    now = timezone.now()
    at = v.moment(now)
    batch_id = batch.pk
    household_ids = _allocate("registry_household", len(households))
    person_ids = _allocate("registry_person", sum(len(h.members) for h in households))
    region_pk = {code: r.pk for code, r in regions.items()}
    active, flag = v.flag[True], v.flag
    firsts: list[int] = []  # index of each household's first member in person_ids
    heads: list[int | None] = []
    household_rows = []
    offset = 0
    for h, household_id in zip(households, household_ids, strict=True):
        region_id = region_pk[h.region_code]
        head = next((person_ids[offset + j] for j, m in enumerate(h.members) if m.relation == Relation.HEAD), None)
        firsts.append(offset)
        heads.append(head)
        offset += len(h.members)
        household_rows.append((household_id, region_id, h.address, h.hukou_type, flag[h.relapse_watch], head))

    def persons():  # made as they are written: a million rows (or their ciphers) are not held at once
        ids = iter(person_ids)
        for start in range(0, len(households), ENCRYPT_CHUNK):
            chunk = households[start:start + ENCRYPT_CHUNK]
            tick = perf_counter()
            ciphers = iter(encrypt_many([m.id_number for h in chunk for m in h.members]))
            timings["encryption"] += perf_counter() - tick
            yield from _person_rows(chunk, household_ids[start:start + ENCRYPT_CHUNK], ids, ciphers)

    def _person_rows(chunk, chunk_ids, ids, ciphers):
        for h, household_id in zip(chunk, chunk_ids, strict=True):
            region_id = region_pk[h.region_code]
            for m in h.members:
                pinyin, sound = name_keys[m.name]
                hukou = region_pk.get(m.hukou_region_code) if m.hukou_region_code else None
                # residence (= region), batch and times are fixed columns (_write)
                yield (next(ids), household_id, m.relation, region_id, next(ciphers), hashes[m.id_number],
                       m.name, pinyin, sound, m.sex, v.date(m.birth_date), hukou, m.disability_type,
                       m.disability_grade, m.serious_illness, m.labour_capacity, m.schooling, m.employment,
                       m.phone, flag[m.supporter_able], v.date(m.death_date), m.ethnicity)

    step("write_ids")  # the ids allocated, the household rows made
    with large_cache():
        # The ids below ours were allocated to rows that exist or existed: an upper bound of the table's size.
        existing = household_ids[0] - 1 if household_ids else 0
        with indexes_rebuilt(("registry_household",), len(household_ids), existing):
            _write("registry_household", _HOUSEHOLD, household_rows,
                   fixed={"is_active": active, "created_at": at, "updated_at": at, "import_batch_id": batch_id})
        del household_rows
        step("write_households")
        existing = person_ids[0] - 1 if person_ids else 0
        with indexes_rebuilt(("registry_person", "registry_householdmembership"), len(person_ids), existing):
            # SQLite binds 22 values a row, not 26.
            _write("registry_person", _PERSON, persons(), fixed={
                "residence_region_id": (*SAME_AS, "region_id"), "import_batch_id": batch_id, "created_at": at,
                "updated_at": at})
            _memberships_from_persons(person_ids, batch_id, at)
            step("write_persons")
        step("write_person_indexes")
        # One chain event per household, made by the database from the rows just written.
        payload = "CAST(%s AS JSONB)" if connection.vendor == "postgresql" else "%s"
        record_events_by_query(kind=RegistryEvent.HOUSEHOLD_REGISTERED, subject_model=Household, actor=actor,
                               queries=[(_EVENTS_SQL.format(payload=payload),
                                         [at, json.dumps({"batch": batch_id}), batch_id])])
        step("write_events")
        if any(h.tier for h in households):
            _write_benefits(households, household_ids, person_ids, firsts, heads, v, actor=actor, batch=batch,
                            now=now, first_region=region_pk[households[0].region_code], timings=timings)
            step("write_benefits")
    return len(households)


def _memberships_from_persons(person_ids: list[int], batch_id: int, at) -> None:
    """Each imported person's open membership, made by the database from the person rows just written (their
    id range and batch): a million rows the client neither builds nor sends nor binds (SQLite: 1M fewer
    executemany rows; PostgreSQL: 1M fewer COPY rows)."""
    if not person_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO registry_householdmembership ({', '.join(_MEMBERSHIP)}) "  # noqa: S608
                       "SELECT id, household_id, relation, %s FROM registry_person "
                       "WHERE id BETWEEN %s AND %s AND import_batch_id = %s ORDER BY id",
                       [at, person_ids[0], person_ids[-1], batch_id])


def _granting_organization(actor, region_id: int):
    from jiuzhu.core.models import Organization, OrganizationKind, Region

    if getattr(actor, "organization_id", None):
        return actor.organization_id
    # A superuser has no organisation: the civil affairs bureau nearest above the first household's village.
    region = Region.objects.get(pk=region_id)
    return (Organization.objects.filter(kind=OrganizationKind.CIVIL_AFFAIRS, region__code__in=region.ancestor_codes())
            .order_by("-region__path").values_list("pk", flat=True).first())


def _write_benefits(households: list[HouseholdRow], household_ids: list[int], person_ids: list[int],
                    firsts: list[int], heads: list[int | None], v: _Values, *, actor, batch, now,
                    first_region: int, timings: dict) -> None:
    """The roster's benefits as the households' current decisions (confirmed, source imported, with the batch
    and row), monthly grants from the roster's month, 特困 support and payment accounts (account encrypted).
    Each table's rows come from a generator over the households (nothing held for all of them)."""
    picked = [i for i, h in enumerate(households) if h.tier]
    decision_ids = _allocate("registry_tierdecision", len(picked))
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    batch_id = batch.pk
    filename = batch.filename
    at = v.moment(now)
    today = now.date()
    reasons = v.json(["按原有保障名册导入"])
    # Each decision's facts as JSON text from a template, as json.dumps(facts, ensure_ascii=False) writes it:
    # json.dumps of 367,000 dicts (and psycopg's jsonb dumper doing it again per row) cost ~2.4 s at 1M persons.
    facts_head = '{"source": "roster", "file": ' + encode_basestring(filename) + ', "row": '
    zero = v.amount(Decimal(0))
    org = _granting_organization(actor, first_region)
    active = v.flag[True]

    def decisions():
        for i, decision in zip(picked, decision_ids, strict=True):
            h = households[i]
            label = row_label(h.source_row)
            yield (decision, household_ids[i], v.date(h.roster_month or today), h.tier,
                   h.covered_persons or len(h.members), v.amount(h.dibao_standard or Decimal(0)),
                   v.json_text(f'{facts_head}{encode_basestring(label)}, "monthly_amount": '
                               f'{encode_basestring(str(h.monthly_amount or ""))}, "family_size": '
                               f'{int(h.family_size or len(h.members))}}}'),
                   v.date(h.roster_month), h.benefit_class, label[:80])

    def grants_and_support(support: bool):
        for i, decision in zip(picked, decision_ids, strict=True):
            h, household_id = households[i], household_ids[i]
            category = GRANT_CATEGORY.get(h.tier)
            start = v.date(h.roster_month or today.replace(day=1))
            if not support and category == "basic_living" and h.monthly_amount is not None:
                yield (household_id, None, category, v.amount(h.monthly_amount), start, decision)
            if category != "destitute_support" and h.tier != "tekun":
                continue
            persons = person_ids[firsts[i]:firsts[i] + len(h.members)]
            for m, person_id in zip(h.members, persons, strict=True):
                if not support:
                    amount = m.member_amount if m.member_amount is not None else (
                        sum(x for x in (m.basic_amount, m.care_amount) if x is not None)
                        if (m.basic_amount is not None or m.care_amount is not None) else
                        h.monthly_amount if len(h.members) == 1 else None)
                    if category == "destitute_support" and amount is not None:
                        yield (household_id, person_id, category, v.amount(amount), start, decision)
                elif h.tier == "tekun" and (m.support_mode or m.self_care or m.basic_standard is not None
                                            or m.care_standard is not None or m.institution):
                    yield (person_id, household_id, decision, m.support_mode, m.institution, m.self_care,
                           v.amount(m.basic_standard), v.amount(m.care_standard))

    def accounts():
        paying = [i for i in picked if households[i].bank_account]
        for start in range(0, len(paying), ENCRYPT_CHUNK):
            chunk = paying[start:start + ENCRYPT_CHUNK]
            numbers = [households[i].bank_account for i in chunk]
            tick = perf_counter()
            ciphers, hashes = encrypt_many(numbers), keyed_hash_many(numbers)
            timings["encryption"] += perf_counter() - tick
            for i, number, cipher, digest in zip(chunk, numbers, ciphers, hashes, strict=True):
                yield (household_ids[i], heads[i], households[i].bank_name, cipher, digest, number[-4:])

    # The benefit tables' indexes (the decisions' twelve, the accounts' random-order hash) rebuilt as the
    # persons' are when the load is at least as large as what the tables hold (ids below ours: an upper bound).
    existing = max([decision_ids[0] - 1 if decision_ids else 0,
                    *(highest_id(t) for t in ("registry_assistancegrant", "registry_paymentaccount"))])
    with indexes_rebuilt(_BENEFIT_TABLES, len(picked), existing):
        # Columns the same in every row (or equal to another) are fixed, not carried by each row (_write).
        _write("registry_tierdecision", _DECISION, decisions(), fixed={
            "recommended_tier": (*SAME_AS, "tier"), "status": "confirmed", "per_capita_income": zero,
            "reasons": reasons, "override_reason": "", "decided_by_id": actor_id, "decided_at": at, "created_at": at,
            "run_key": "", "source": "imported", "import_batch_id": batch_id})
        _write("registry_assistancegrant", _GRANT, grants_and_support(False), fixed={
            "service": "", "granting_organization_id": org, "status": "active", "end_reason": "",
            "created_by_id": actor_id, "created_at": at})
        _write("registry_destitutesupport", _SUPPORT, grants_and_support(True),
               fixed={"import_batch_id": batch_id, "created_at": at})
        _write("registry_paymentaccount", _ACCOUNT, accounts(),
               fixed={"is_active": active, "import_batch_id": batch_id, "created_at": at})
