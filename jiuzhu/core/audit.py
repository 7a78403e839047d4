"""Audit rows: sign-ins, every change, every person shown. Append-only and tamper-evident (see AuditLog).

- `audit()` writes one row; `audit_persons_shown()` writes one READ row per person of a list, a search or an
  export in one INSERT … SELECT (no Python loop), and `search_hash()` keeps search terms only as keyed hashes.
- `audit_person_set()` (a bank file's million payees): ONE chained READ row naming the list, its persons in the
  unchained side table core_auditpersonset (one INSERT … SELECT) whose count and SHA-256 the chained row holds;
  the auditor's person search (selectors.audit_search) finds the row through the side table's person index.
- The hash chain is kept by the database (migration 0005); `verify_chain()` recomputes it in SQL with the same
  database function the writer used, and `manage.py verify_audit` reports the first broken link.

On PostgreSQL a row in the audit log holds the chain's lock until its transaction commits: write audit rows
last in a long transaction, or every other writer of the log waits for it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections
from django.db.models import F, QuerySet
from django.utils import timezone

from jiuzhu.core.context_vars import current_ip, current_token_id
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.identity import IdNumberError, normalize_id_number
from jiuzhu.core.models import AuditAction, AuditLog

# The row's columns that its hash covers, in this order (migration 0005 uses the same list).
CONTENT_COLUMNS = ("id", "at", "actor_id", "username", "organization_id", "ip", "action", "object_type",
                   "object_id", "object_repr", "person_id", "detail")
# The triggers migration 0005 creates; verify_audit reports any that is missing or disabled.
CHAIN_TRIGGERS = {
    "sqlite": ("core_auditlog_chain", "core_auditlog_hash_once", "core_auditlog_no_delete",
               "core_auditlog_no_update"),
    "postgresql": ("core_auditlog_chain", "core_auditlog_no_delete", "core_auditlog_no_truncate",
                   "core_auditlog_no_update"),
}


def _object_fields(obj) -> dict:
    if obj is None:
        return {}
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }


def writer_fields(actor) -> dict:
    """Who wrote an audit row: the user (None for anonymous or unsaved), username, organisation, client IP.
    The one place every writer of the log (audit, audit_persons_shown, core/disclosure.py) takes them from."""
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    return {"actor": user, "username": user.username if user else "",
            "organization_id": getattr(user, "organization_id", None), "ip": current_ip.get()}


def with_token(detail: dict | None) -> dict:
    """The row's detail, naming the API token the request came with (if any)."""
    detail = dict(detail or {})
    token_id = current_token_id.get()
    if token_id is not None:
        detail.setdefault("api_token", token_id)
    return detail


def audit(action: str, *, actor=None, obj=None, person_id: int | None = None, username: str = "",
          detail: dict | None = None, ip: str | None = None) -> AuditLog:
    fields = writer_fields(actor)
    fields["username"] = username or fields["username"]
    fields["ip"] = ip or fields["ip"]
    return AuditLog.objects.create(action=action, person_id=person_id, detail=with_token(detail), **fields,
                                   **_object_fields(obj))


def audit_read(actor, obj, *, person_id: int | None = None, detail: dict | None = None) -> AuditLog:
    """Reading one person's record (page, API or export) is itself a fact worth keeping."""
    return audit(AuditAction.READ, actor=actor, obj=obj, person_id=person_id, detail=detail)


def audit_change(action: str, actor, obj, *, person_id: int | None = None, changes: dict | None = None):
    return audit(action, actor=actor, obj=obj, person_id=person_id, detail={"changes": changes or {}})


def search_hash(text: str) -> str:
    """A search term as the audit log keeps it: a keyed hash (crypto.keyed_hash), never the plain text.
    An ID number is hashed in its canonical form, so the hash equals that person's `id_hash` and an auditor
    can tell whose number was searched for without the log holding any number."""
    term = (text or "").strip()
    try:
        term = normalize_id_number(term)
    except IdNumberError:
        pass
    return keyed_hash(term)


_PERSON_ID = "audit_person_id"


def _person_ids_source(persons, vendor: str) -> tuple[str, list, str]:
    """SQL yielding one column `pid` of distinct person ids, its params, and the database alias."""
    if isinstance(persons, QuerySet):
        fields = persons.query.values_select
        if fields and len(fields) != 1:
            raise ValueError("audit_persons_shown: 查询集只能选出一列人员编号")
        ids = persons.values(**{_PERSON_ID: F(fields[0] if fields else "pk")})
        sql, params = ids.query.get_compiler(using=ids.db).as_sql()
        return f"SELECT DISTINCT t.{_PERSON_ID} AS pid FROM ({sql}) t", list(params), ids.db  # noqa: S608
    ids = sorted({int(i) for i in persons})
    if vendor == "postgresql":
        return "SELECT unnest(CAST(%s AS bigint[])) AS pid", [ids], "default"
    return "SELECT CAST(value AS INTEGER) AS pid FROM json_each(%s)", [json.dumps(ids)], "default"


def _persons_source(persons) -> tuple[str, list, str, str] | None:
    """(SQL of the distinct person ids, its params, database alias, vendor) for audit_persons_shown's and
    audit_person_set's `persons`; None for an empty list (nothing to audit)."""
    if not isinstance(persons, QuerySet) and not persons:
        return None
    vendor = connections[persons.db if isinstance(persons, QuerySet) else "default"].vendor
    return (*_person_ids_source(persons, vendor), vendor)


PERSON_OBJECT_TYPE = "registry.person"


def audit_persons_shown(*, actor, persons, purpose: str, query_hash: str = "",
                        object_type: str = PERSON_OBJECT_TYPE) -> int:
    """One READ row per person shown by a list, a search, an API answer or an export, written by ONE
    `INSERT INTO core_auditlog … SELECT … FROM (<persons' query>)`: the rows never pass through Python.

    `persons`: a QuerySet whose primary key is the person id (any filters, ordering and slicing: the page
    actually shown), a QuerySet reduced to one column of person ids (`values_list("person_id", flat=True)`),
    or a list of ints. Each person once, even if the query repeats it. Returns the number of rows written.

    Another `object_type` (a rescue client's record, who is not a registry person) writes the ids as object_id
    only: person_id is the registry person's number, and "who read this person" must not find a stranger's rows."""
    found = _persons_source(persons)
    if found is None:
        return 0
    source, source_params, alias, vendor = found
    detail = with_token({"purpose": purpose, **({"query_hash": query_hash} if query_hash else {})})
    writer = writer_fields(actor)
    connection = connections[alias]

    at = AuditLog._meta.get_field("at").get_db_prep_value(timezone.now(), connection)
    values = [at, getattr(writer["actor"], "pk", None), writer["username"], writer["organization_id"], writer["ip"],
              AuditAction.READ.value, object_type, json.dumps(detail, ensure_ascii=False)]
    cast = (lambda t: f"CAST(%s AS {t})") if vendor == "postgresql" else (lambda t: "%s")
    person_column = "s.pid" if object_type == PERSON_OBJECT_TYPE else "NULL"
    # The chain trigger gives each row its hashes (and on PostgreSQL its id): migration 0005.
    sql = ("INSERT INTO core_auditlog (at, actor_id, username, organization_id, ip, action, object_type,"  # noqa: S608
           " object_id, object_repr, person_id, detail, prev_hash, row_hash) "
           f"SELECT {cast('timestamptz')}, {cast('bigint')}, {cast('text')}, {cast('bigint')}, {cast('inet')},"
           f" {cast('text')}, {cast('text')}, CAST(s.pid AS text), '', {person_column}, {cast('jsonb')}, '', ''"
           f" FROM ({source}) s")
    with connection.cursor() as cursor:
        cursor.execute(sql, values + source_params)
        return cursor.rowcount


# ---- Bulk: one chained row for a large list of persons -------------------------------------------------------

PERSON_SET_TYPE = "core.auditpersonset"


def person_set_digest(person_ids) -> str:
    """SHA-256 of a set's person ids, sorted ascending, as little-endian 8-byte integers: what the set's chained
    row records (detail.person_set.sha256) and what verify_chain recomputes from core_auditpersonset."""
    import numpy as np

    ids = np.unique(np.asarray(person_ids, dtype=np.int64))
    return hashlib.sha256(ids.astype("<i8").tobytes()).hexdigest()


def _set_ids(set_id: int):
    import pyarrow as pa

    from jiuzhu.core.arrow_sql import query_arrow

    return query_arrow(f"SELECT person_id FROM core_auditpersonset WHERE set_id = {int(set_id)}",  # noqa: S608
                       {"person_id": pa.int64()})["person_id"].to_numpy()


def audit_person_set(*, actor, persons, purpose: str, label: str) -> AuditLog | None:
    """The persons of a large list (a bank's payment file of a million payees) audited as ONE chained READ row
    plus one unchained core_auditpersonset row per person, written by one INSERT … SELECT; for lists of any size
    where audit_persons_shown's row per person (each through the chain trigger) costs too much.

    Why a side table and not a resolver naming a "frozen" set (roll X, bank Y): the set stays exact whatever
    happens to the lines afterwards (a re-export after the bank's return file holds only the lines still
    waiting; a correction batch grows), any app can use it without registering anything, and the chained row
    holds the count and SHA-256 of the sorted ids (person_set_digest), so removing, adding or changing a side
    row breaks verify_chain just as changing a chained row does. "Who saw person X" (selectors.audit_search)
    finds the chained row through the side table's person index.

    `persons`: as audit_persons_shown (a QuerySet reduced to one column of person ids, or a list of ints).
    `label`: what the list was, in Chinese (kept as the row's object_repr), e.g.
    "银行代发文件（花名册 #3，农村商业银行）".
    Returns the chained row (None: the list is empty, nothing written)."""
    import secrets

    from django.db import transaction

    found = _persons_source(persons)
    if found is None:
        return None
    source, source_params, alias, _vendor = found
    set_id = secrets.randbits(62) or 1
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(f"INSERT INTO core_auditpersonset (set_id, person_id) SELECT %s, s.pid FROM ({source}) s"  # noqa: S608
                       " WHERE s.pid IS NOT NULL", [set_id, *source_params])
        if cursor.rowcount == 0:
            return None
        ids = _set_ids(set_id)
        detail = {"purpose": purpose, "person_set": {"persons": len(ids), "sha256": person_set_digest(ids)}}
        # written last: on PostgreSQL the chained row holds the chain's lock until commit
        return AuditLog.objects.create(action=AuditAction.READ, detail=with_token(detail), object_type=PERSON_SET_TYPE,
                                       object_id=str(set_id), object_repr=label[:200], **writer_fields(actor))


def person_set_rows_q(persons):
    """Q over AuditLog: the set rows (audit_person_set) whose lists hold any of `persons` (a queryset of person
    ids or a list of ints)."""
    from django.db.models import CharField, Q
    from django.db.models.functions import Cast

    from jiuzhu.core.models import AuditPersonSet

    keys = AuditPersonSet.objects.filter(person_id__in=persons).annotate(key=Cast("set_id", CharField()))
    return Q(object_type=PERSON_SET_TYPE, object_id__in=keys.values("key"))


def _broken_set(connection) -> tuple[int, object] | None:
    """The first set row (by id) whose side rows no longer match its recorded count and digest: (id, at)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, at, object_id, detail FROM core_auditlog WHERE object_type = %s ORDER BY id",
                       [PERSON_SET_TYPE])
        sets = cursor.fetchall()
    for row_id, at, set_id, detail in sets:
        recorded = (json.loads(detail) if isinstance(detail, str) else detail or {}).get("person_set") or {}
        ids = _set_ids(int(set_id))
        if recorded.get("persons") != len(ids) or recorded.get("sha256") != person_set_digest(ids):
            return row_id, at
    return None


# ---- The hash chain ------------------------------------------------------------------------------

def row_hash(prev: str, *content) -> str:
    """SQLite's hash of one row, registered on every connection as `jiuzhu_audit_row_hash(prev, <columns>)`
    and called by the chain trigger and by the verifier alike: SHA-256 over the previous row's hash and the
    row's CONTENT_COLUMNS as stored (compact JSON array). Changing it would break every existing chain."""
    return hashlib.sha256(((prev or "") + _canonical(content)).encode("utf-8")).hexdigest()


# Exactly json.dumps(content, ensure_ascii=False, separators=(",", ":")), without building an encoder per call.
_canonical = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Gives each SQLite connection the function the chain trigger calls (migration 0005). A client without
    it (the sqlite3 shell) cannot insert into the audit log: the trigger fails, and so does the INSERT."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("jiuzhu_audit_row_hash", 1 + len(CONTENT_COLUMNS), row_hash,
                                              deterministic=True)


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_id: int | None = None
    broken_at: datetime | None = None
    reason: str = ""  # "content": the row was changed; "link": a row before it was removed, added or changed;
    # "persons": the list of persons of a bulk row (audit_person_set) was changed
    head_id: int | None = None
    head_hash: str = ""
    missing_triggers: tuple[str, ...] = ()
    anchor_ok: bool | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None and not self.missing_triggers and self.anchor_ok is not False


def verify_chain(*, using: str = "default", anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walks the whole chain in one SQL query (lag() over id) with the writer's own hash function and
    returns the first row where it breaks. `anchor` = (id, row_hash) recorded earlier from a report: the
    chain must still pass through it (a wholesale rewrite of the log would not)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        computed = "core_auditlog_row_hash(a.prev_hash, a)"
    else:
        computed = "jiuzhu_audit_row_hash(a.prev_hash, {})".format(", ".join(f"a.{c}" for c in CONTENT_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT c.id, c.at, c.prev_hash <> c.before FROM (
                SELECT a.id, a.at, a.prev_hash, a.row_hash, {computed} AS computed,
                       coalesce(lag(a.row_hash) OVER (ORDER BY a.id), '') AS before
                FROM core_auditlog a) c
            WHERE c.prev_hash <> c.before OR c.row_hash <> c.computed
            ORDER BY c.id LIMIT 1""")  # noqa: S608 - no user input
        broken = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM core_auditlog")
        rows = cursor.fetchone()[0]
        cursor.execute("SELECT id, row_hash FROM core_auditlog ORDER BY id DESC LIMIT 1")
        head = cursor.fetchone() or (None, "")
        anchor_ok = None
        if anchor is not None:
            cursor.execute("SELECT row_hash FROM core_auditlog WHERE id = %s", [anchor[0]])
            found = cursor.fetchone()
            anchor_ok = found is not None and found[0] == anchor[1]
        if connection.vendor == "postgresql":
            cursor.execute("""SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditlog'::regclass
                              AND NOT tgisinternal AND tgenabled <> 'D'""")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditlog'")
        present = {name for (name,) in cursor.fetchall()}
    reason = ("link" if broken[2] else "content") if broken else ""
    if broken is None and (found_set := _broken_set(connection)) is not None:
        broken, reason = (*found_set, False), "persons"  # a bulk row's list of persons was changed
    at = broken[1] if broken else None
    if isinstance(at, str):  # SQLite: the stored text (UTC), or a naive UTC datetime
        at = datetime.fromisoformat(at) if at else None
    if at is not None and timezone.is_naive(at):
        at = at.replace(tzinfo=UTC)
    return ChainReport(
        rows=rows,
        broken_id=broken[0] if broken else None,
        broken_at=at,
        reason=reason,
        head_id=head[0],
        head_hash=head[1],
        missing_triggers=tuple(t for t in CHAIN_TRIGGERS[connection.vendor] if t not in present),
        anchor_ok=anchor_ok,
    )
