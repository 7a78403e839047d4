import datetime as dt
import itertools
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import APP_ROLE, ensure_app_role, member
from jiuzhu.core.audit import audit, audit_persons_shown, search_hash, verify_chain
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog

ROOT = Path(__file__).resolve().parents[3]
postgres_only = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                   reason="PostgreSQL 专项（DATABASE_URL=$(bash scripts/postgres.sh)）")


def test_audit_rows_cannot_be_changed_by_any_path(world):
    row = audit("read", username="someone", detail={"x": 1})
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).update(username="other")
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).delete()
    row.username = "other"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    # Even raw SQL is refused by the database's own triggers, the hashes included.
    for sql in ("UPDATE core_auditlog SET username = 'x' WHERE id = %s",
                "UPDATE core_auditlog SET row_hash = 'x', prev_hash = 'y' WHERE id = %s",
                "DELETE FROM core_auditlog WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AuditLog.objects.get(pk=row.pk).username == "someone"


def test_the_old_maintenance_switch_no_longer_opens_the_log(world):
    """Migration 0002 let a connection that set jiuzhu.audit_maintenance (PostgreSQL) or defined
    jiuzhu_audit_maintenance() = 1 (SQLite) delete rows. No switch remains."""
    row = audit("read", username="someone")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jiuzhu.audit_maintenance = 'on'")
        else:
            connection.connection.create_function("jiuzhu_audit_maintenance", 0, lambda: 1)
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [row.pk])
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_auditor_searches_within_jurisdiction_only(client_for, register):
    household = register("longhui_officer")
    client_for("longhui_officer").get(f"/registry/households/{household.pk}/")
    client_for("dongkou_officer").get("/registry/persons/")
    html = client_for("longhui_auditor").get("/audit/?action=read").content.decode()
    assert "longhui_officer" in html
    assert "dongkou_officer" not in html  # county B's activity is not county A's auditor's to see
    city = client_for("shaoyang_auditor").get("/audit/?username=dongkou_officer").content.decode()
    assert "dongkou_officer" in city


def test_non_auditor_cannot_open_the_audit_log(client_for):
    assert client_for("longhui_window").get("/audit/").status_code == 403


# ---- Persons shown: one row each, one statement ---------------------------------------------------

@pytest.fixture
def family(register):
    return register(members=[member("张建国", "head", seq=21), member("李秀英", "spouse", seq=42),
                             member("张小明", "child", seq=13)])


def test_a_list_of_three_persons_writes_three_read_rows_in_one_insert(family, persona):
    officer = persona("longhui_officer")
    persons = family.members.order_by("name")
    before = AuditLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        written = audit_persons_shown(actor=officer, persons=persons, purpose="person_list",
                                      query_hash="abc123")
    assert written == 3
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("INSERT INTO core_auditlog")
    assert "SELECT" in queries.captured_queries[0]["sql"]
    rows = AuditLog.objects.filter(pk__gt=0).order_by("-id")[:3]
    assert AuditLog.objects.count() == before + 3
    assert sorted(r.person_id for r in rows) == sorted(family.members.values_list("pk", flat=True))
    for r in rows:
        assert (r.action, r.actor_id, r.username, r.organization_id) == (
            "read", officer.pk, "longhui_officer", officer.organization_id)
        assert (r.object_type, r.object_id) == ("registry.person", str(r.person_id))
        assert r.detail == {"purpose": "person_list", "query_hash": "abc123"}
    assert verify_chain().intact


def test_only_the_page_shown_is_audited_and_each_person_once(family, persona):
    officer = persona("longhui_officer")
    ids = sorted(family.members.values_list("pk", flat=True))
    assert audit_persons_shown(actor=officer, persons=family.members.order_by("pk")[:2], purpose="page") == 2
    assert sorted(AuditLog.objects.filter(detail__purpose="page").values_list("person_id", flat=True)) == ids[:2]
    # A list of ids, repeated: each person once.
    assert audit_persons_shown(actor=officer, persons=[ids[2], ids[2], ids[0]], purpose="ids") == 2
    assert sorted(AuditLog.objects.filter(detail__purpose="ids").values_list("person_id", flat=True)) == [
        ids[0], ids[2]]
    # A query reduced to one column of person ids that repeats them (every row above names a person).
    repeated = AuditLog.objects.filter(person_id__in=ids).values_list("person_id", flat=True)
    assert repeated.count() == 5  # the registration row, the page of two, the two ids
    assert audit_persons_shown(actor=officer, persons=repeated, purpose="members") == 3
    with CaptureQueriesContext(connection) as queries:
        assert audit_persons_shown(actor=officer, persons=[], purpose="nothing") == 0
    assert queries.captured_queries == []
    assert verify_chain().intact


def test_records_that_are_not_registry_persons_are_audited_by_object_only(family, persona):
    # A rescue client's record number is not a registry person's: "who read this person" must not find it.
    officer = persona("longhui_officer")
    ids = sorted(family.members.values_list("pk", flat=True))
    assert audit_persons_shown(actor=officer, persons=ids[:2], purpose="cases",
                               object_type="rescue.rescuecase") == 2
    rows = AuditLog.objects.filter(detail__purpose="cases")
    assert sorted(rows.values_list("object_id", flat=True)) == [str(i) for i in ids[:2]]
    assert set(rows.values_list("object_type", "person_id")) == {("rescue.rescuecase", None)}
    assert verify_chain().intact


def test_a_search_by_id_number_is_audited_by_its_keyed_hash_only(family, persona):
    head = family.members.get(relation="head")
    number = make_id_number("430524", head.birth_date, 21)
    typed = " " + number.lower() + " "
    assert search_hash(typed) == keyed_hash(number) == head.id_number_hash  # auditors can match it
    assert search_hash("张建国") == keyed_hash("张建国")
    audit_persons_shown(actor=persona("longhui_officer"), persons=family.members.filter(pk=head.pk),
                        purpose="search", query_hash=search_hash(typed))
    row = AuditLog.objects.get(detail__purpose="search")
    assert row.detail["query_hash"] == head.id_number_hash and row.person_id == head.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_auditlog WHERE CAST(detail AS text) LIKE %s", [f"%{number[6:]}%"])
        assert cursor.fetchone()[0] == 0


def test_an_api_token_is_named_in_every_row(family, persona):
    from jiuzhu.core.context_vars import current_token_id

    reset = current_token_id.set(77)
    try:
        audit_persons_shown(actor=persona("longhui_officer"), persons=family.members.all(), purpose="api")
    finally:
        current_token_id.reset(reset)
    assert [r.detail for r in AuditLog.objects.filter(detail__purpose="api")] == [
        {"purpose": "api", "api_token": 77}] * 3


# ---- The hash chain ---------------------------------------------------------------------------------

@contextmanager
def triggers_lifted():
    """What an intruder holding the table owner's password (or the SQLite file) can do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER USER")
            yield cursor
            cursor.execute("ALTER TABLE core_auditlog ENABLE TRIGGER USER")
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditlog'")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        yield cursor
        for _name, sql in triggers:
            cursor.execute(sql)


def chain_rows():
    return list(AuditLog.objects.order_by("id").values_list("id", "prev_hash", "row_hash"))


def write_some(persona, family):
    officer = persona("longhui_officer")
    audit("sign_in", actor=officer, ip="10.0.0.7")
    audit_persons_shown(actor=officer, persons=family.members.all(), purpose="list")
    AuditLog.objects.bulk_create([AuditLog(action="export", username=f"bulk{i}", detail={"n": i}) for i in range(3)])
    audit("read", actor=officer, person_id=family.head_id, detail={"purpose": "页面"})


def test_every_writer_extends_one_chain(family, persona):
    write_some(persona, family)
    rows = chain_rows()
    assert len(rows) >= 8
    assert rows[0][1] == ""  # the first row starts the chain
    for (_, _, before), (_, prev, own) in itertools.pairwise(rows):
        assert prev == before and len(own) == 64 and own != before
    report = verify_chain()
    assert report.intact and report.rows == len(rows) and report.head_id == rows[-1][0]
    out = call_command_output("verify_audit")
    assert out.splitlines()[0] == f"审计日志完整：共 {len(rows)} 条"
    assert out.splitlines()[1].startswith(f"末条：{rows[-1][0]}:{rows[-1][2]}")


def test_the_hashed_form_of_a_row_is_pinned(db):
    """Changing how a row is hashed would make every existing chain fail verification."""
    import hashlib

    row = audit("read", username="张三", person_id=7, ip="10.0.0.7", detail={"purpose": "页面"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT at, prev_hash, row_hash FROM core_auditlog WHERE id = %s", [row.pk])
        at, prev, digest = cursor.fetchone()
    if connection.vendor == "postgresql":
        stamp = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        text = f'({row.pk},{stamp},,张三,,10.0.0.7,read,"","","",7,"{{""purpose"": ""页面""}}")'
    else:
        text = rf'[{row.pk},"{at}",null,"张三",null,"10.0.0.7","read","","","",7,"{{\"purpose\": \"\\u9875\\u9762\"}}"]'
    assert digest == hashlib.sha256((prev + text).encode()).hexdigest()


@postgres_only
def test_a_long_insert_reads_the_chain_head_through_the_index(db):
    """The trigger's plan is kept for the session; planned on a small log it was a sequential scan, so each row of
    a big INSERT … SELECT scanned the whole log (the bank file's 40,000 payees: 148 s). Migration 0016."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_auditlog")  # statistics of a small log, as on a fresh database
    audit("read", username="先写一条")  # the trigger's plan is made now, on them
    rows = 3000
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) INSERT INTO core_auditlog (at, username, action,"
                       " object_type, object_id, object_repr, detail, prev_hash, row_hash) SELECT now(), '', 'read',"
                       " 'registry.person', g::text, '', '{}', '', '' FROM generate_series(1, %s) g", [rows])
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else plan
    buffers = plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
    assert buffers < 25 * rows  # with the index about 16 a row; a scan of the log per row: rows² / 60 more


def test_bulk_create_returns_the_ids_the_chain_gave(world):
    made = AuditLog.objects.bulk_create([AuditLog(action="read", username=f"u{i}") for i in range(3)])
    assert [(m.pk, m.username) for m in made] == list(
        AuditLog.objects.filter(username__in=["u0", "u1", "u2"]).order_by("id").values_list("id", "username"))


def call_command_output(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def when(row) -> str:
    return timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.owner_role  # tampers as the tables' owner
def test_a_row_changed_behind_the_triggers_is_found(family, persona):
    write_some(persona, family)
    victim = AuditLog.objects.filter(action="read", detail__purpose="list").order_by("id")[1]
    with triggers_lifted() as cursor:
        cursor.execute("UPDATE core_auditlog SET username = 'nobody' WHERE id = %s", [victim.pk])
    report = verify_chain()
    assert (report.broken_id, report.reason, report.intact) == (victim.pk, "content", False)
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    assert str(failed.value) == (f"审计日志在第 {victim.pk} 条记录（{when(victim)}）断链："
                                 "该条内容与其哈希不符，记录在写入后被改动")


@pytest.mark.owner_role  # tampers as the tables' owner
def test_a_row_changed_and_rehashed_breaks_the_next_link(family, persona):
    write_some(persona, family)
    victim, after = AuditLog.objects.filter(action="export").order_by("id")[:2]
    with triggers_lifted() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE core_auditlog SET username = 'nobody' WHERE id = %s", [victim.pk])
            cursor.execute("UPDATE core_auditlog a SET row_hash = core_auditlog_row_hash(a.prev_hash, a) "
                           "WHERE id = %s", [victim.pk])
        else:
            cursor.execute("UPDATE core_auditlog SET username = 'nobody' WHERE id = %s", [victim.pk])
            cursor.execute("UPDATE core_auditlog SET row_hash = jiuzhu_audit_row_hash(prev_hash, id, at, actor_id,"
                           " username, organization_id, ip, action, object_type, object_id, object_repr, person_id,"
                           " detail) WHERE id = %s", [victim.pk])
    report = verify_chain()
    assert (report.broken_id, report.reason) == (after.pk, "link")


@pytest.mark.owner_role  # tampers as the tables' owner
def test_a_row_deleted_in_the_middle_is_found_at_the_next_row(family, persona):
    write_some(persona, family)
    rows = list(AuditLog.objects.order_by("id"))
    gone, next_row = rows[3], rows[4]
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [gone.pk])
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    assert str(failed.value) == (f"审计日志在第 {next_row.pk} 条记录（{when(next_row)}）断链："
                                 "其前一条记录被删除、插入或改动")


@pytest.mark.owner_role  # tampers as the tables' owner
def test_the_first_rows_deleted_are_found(family, persona):
    write_some(persona, family)
    first, second = AuditLog.objects.order_by("id")[:2]
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [first.pk])
    assert (verify_chain().broken_id, verify_chain().reason) == (second.pk, "link")


@pytest.mark.owner_role  # tampers as the tables' owner
def test_a_missing_trigger_and_a_rewritten_log_are_reported(family, persona):
    write_some(persona, family)
    head = verify_chain()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER core_auditlog_chain")
        else:
            cursor.execute("DROP TRIGGER core_auditlog_chain")
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    assert str(failed.value) == "审计日志的保护触发器缺失或被停用：core_auditlog_chain"
    # A log rewritten wholesale (every hash recomputed) no longer passes through a recorded anchor.
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", anchor=f"{head.head_id}:{'0' * 64}")
    assert "不再经过锚点第" in str(failed.value)
    assert verify_chain(anchor=(head.head_id, head.head_hash)).anchor_ok is True


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_writers_keep_one_chain(world):
    """Two connections write at once; the advisory lock orders them and ids follow the lock."""
    errors = []

    def writer(name):
        try:
            for i in range(40):
                with transaction.atomic():
                    audit("read", username=f"{name}{i}")
                    if i % 7 == 0:
                        AuditLog.objects.bulk_create([AuditLog(action="read", username=f"{name}b{i}")] * 1)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain()
    assert report.intact and report.rows == AuditLog.objects.count() >= 3 * 46


@postgres_only
def test_a_repeatable_read_writer_is_refused(db):
    """Under REPEATABLE READ a writer could miss the row committed just before it and fork the chain."""
    import psycopg

    with psycopg.connect(**pg_params()) as other, pytest.raises(psycopg.Error, match="READ COMMITTED"):
        other.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        other.execute("INSERT INTO core_auditlog (at, username, action, object_type, object_id, object_repr,"
                      " detail, prev_hash, row_hash) VALUES (now(), 'rr', 'read', '', '', '', '{}', '', '')")


def pg_params(**extra) -> dict:
    db = connection.settings_dict
    return {"host": db["HOST"], "port": db["PORT"], "dbname": db["NAME"], "user": db["USER"], **extra}


# ---- PostgreSQL: the application's role may only INSERT and SELECT the log -----------------------

@pytest.mark.owner_role  # tampers as the tables' owner
@pytest.mark.django_db(transaction=True)
@postgres_only
def test_the_application_role_cannot_alter_disable_or_empty_the_log(world):
    import psycopg

    ensure_app_role()  # the role made if missing (its grants again below: running it twice is harmless)
    out = call_command_output("grant_app_role", APP_ROLE)
    assert out.strip() == f"已为角色 {APP_ROLE} 授权：业务表可增删改查，审计日志表只可插入和查询"
    row = audit("read", username="before")
    with connection.cursor() as cursor:  # a table a later migration creates, as the owner
        cursor.execute("DROP TABLE IF EXISTS core_later; CREATE TABLE core_later (x int)")
    with psycopg.connect(**pg_params(user=APP_ROLE), autocommit=True) as app:
        app.execute("INSERT INTO core_later VALUES (1)")  # default privileges cover it
        app.execute("INSERT INTO core_auditpersonset (set_id, person_id) VALUES (1, 1)")  # bulk audit writes
        app.execute("INSERT INTO core_auditlog (at, username, action, object_type, object_id, object_repr,"
                    " detail, prev_hash, row_hash) VALUES (now(), 'app', 'read', '', '', '', '{}', 'x', 'y')")
        assert app.execute("SELECT count(*) FROM core_auditlog").fetchone()[0] == AuditLog.objects.count()
        app.execute("UPDATE core_region SET name = name WHERE false")  # business tables: read and write
        refused = {
            "UPDATE core_auditlog SET username = 'x'": "permission denied",
            "DELETE FROM core_auditlog": "permission denied",
            "DELETE FROM core_auditpersonset": "permission denied",  # a bulk row's person list
            "UPDATE core_auditpersonset SET person_id = 0": "permission denied",
            "TRUNCATE core_auditlog": "permission denied",
            "ALTER TABLE core_auditlog DISABLE TRIGGER ALL": "must be owner",
            "ALTER TABLE core_auditlog DISABLE TRIGGER core_auditlog_chain": "must be owner",
            "DROP TRIGGER core_auditlog_no_update ON core_auditlog": "must be owner",
            "SET session_replication_role = replica": "permission denied",
        }
        for sql, message in refused.items():
            with pytest.raises(psycopg.Error, match=message):
                app.execute(sql)
        # The old maintenance switch: settable by anyone, and now it opens nothing.
        app.execute("SET jiuzhu.audit_maintenance = 'on'")
        for sql in ("DELETE FROM core_auditlog", "TRUNCATE core_auditlog"):
            with pytest.raises(psycopg.Error, match="permission denied"):
                app.execute(sql)
    assert AuditLog.objects.get(pk=row.pk).username == "before"
    report = verify_chain()
    assert report.intact and AuditLog.objects.get(username="app").row_hash != "y"  # the chain set it


@postgres_only
def test_grant_app_role_refuses_the_owner(world):
    with pytest.raises(CommandError, match="不能作为应用角色"):
        call_command("grant_app_role", connection.settings_dict["USER"])


def test_migrate_connects_as_the_owner_and_everything_else_as_the_application(monkeypatch):
    path = ROOT / "config" / "settings.py"
    code = compile(path.read_text(), str(path), "exec")
    monkeypatch.setenv("DATABASE_URL", "postgres://jiuzhu_app:a@db.local/jiuzhu")
    monkeypatch.setenv("DATABASE_MIGRATE_URL", "postgres://jiuzhu_owner:o@db.local/jiuzhu")

    def user_for(*argv):
        monkeypatch.setattr(sys, "argv", list(argv))
        namespace = {"__file__": str(path), "__name__": "settings_probe"}
        exec(code, namespace)  # the project's own settings file, read fresh
        return namespace["DATABASES"]["default"]["USER"]

    assert user_for("manage.py", "migrate") == "jiuzhu_owner"
    assert user_for("/srv/jiuzhu/manage.py", "grant_app_role") == "jiuzhu_owner"
    assert user_for("manage.py", "runserver") == "jiuzhu_app"
    assert user_for("manage.py", "verify_audit") == "jiuzhu_app"
    assert user_for("gunicorn", "migrate") == "jiuzhu_app"
    monkeypatch.delenv("DATABASE_MIGRATE_URL")
    assert user_for("manage.py", "migrate") == "jiuzhu_app"
