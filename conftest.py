"""Shared fixtures: the demo world (regions, organisations, one user per role in 隆回县 and 洞口县)
and helpers to make households. Persona usernames are the demo accounts'."""

import datetime as dt
import io
import os
import re
from contextlib import contextmanager

import pytest
import requests
from django.test import Client

from jiuzhu.core.demo import DEMO_PASSWORD, build_world
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import User

COUNTY_A = "430524"  # 隆回县
COUNTY_B = "430525"  # 洞口县
VILLAGE_A = "430524100200"  # 桃洪镇 红星社区
VILLAGE_A2 = "430524101200"  # 小沙江镇, another township of county A
VILLAGE_B = "430525100200"  # 洞口镇


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run inline, whatever JIUZHU_TASKS_BACKEND says, so plain `pytest` behaves like scripts/test.sh.
    # A test that needs the database backend sets settings.TASKS itself.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Templates resolve static files without a collectstatic manifest in tests.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # Working-day overrides are cached per process (core/workdays.py): no test sees another test's rows.
    from jiuzhu.core.workdays import clear_override_cache

    clear_override_cache()
    # The matching run's prepared table is per process too (familysearch/prepared.py): rows of a rolled-back
    # test must not serve the next one.
    from jiuzhu.familysearch.prepared import reset as reset_prepared_matching

    reset_prepared_matching()


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_audit_triggers():
    """Transactional and browser tests end with Django's flush, which the audit log's append-only triggers
    refuse, as they refuse the application. Tests only: around each flush the triggers are lifted as the
    table's owner (SQLite: dropped and created again; PostgreSQL: disabled and enabled) and put back."""
    from contextlib import contextmanager

    from django.core.management.commands import flush
    from django.db import connections

    @contextmanager
    def lifted(alias):
        connection = connections[alias]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER USER")
                try:
                    yield
                finally:
                    cursor.execute("ALTER TABLE core_auditlog ENABLE TRIGGER USER")
                return
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = "
                           "'core_auditlog_no_delete'")
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
            try:
                yield
            finally:
                for _name, sql in triggers:
                    cursor.execute(sql)

    original = flush.Command.handle

    def handle(self, *args, **options):
        with lifted(options.get("database") or "default"):
            return original(self, *args, **options)

    patch = pytest.MonkeyPatch()
    patch.setattr(flush.Command, "handle", handle)
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def _sqlite_live_server_one_request_at_a_time():
    """The live server shares the test's one in-memory SQLite connection with every request thread (Django's
    connections_override). A browser loading several photos at once then ran requests side by side on that one
    connection, and a journey hung for good (seen once here; the likely cause of the CI timeout at 72 %). On
    SQLite the application is entered by one request at a time; a response's file body is still streamed by its
    own thread. PostgreSQL gives each thread its own connection and keeps the parallel server."""
    import threading

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    lock = threading.Lock()
    original = WSGIHandler.__call__

    def serial(self, environ, start_response):
        with lock:
            return original(self, environ, start_response)

    patch = pytest.MonkeyPatch()
    patch.setattr(WSGIHandler, "__call__", serial)
    yield
    patch.undo()


@pytest.fixture
def world(db):
    from jiuzhu.core.models import Region
    from jiuzhu.core.regions import load_national_regions

    if not Region.objects.filter(code=COUNTY_A).exists():  # flushed by a transactional test
        load_national_regions()
    from django.contrib.auth.models import Group

    if not Group.objects.exists():  # the role groups of migration 0004, flushed likewise
        from jiuzhu.core.permissions import sync_role_groups

        sync_role_groups()
    return build_world(villages_per_township=2)


@pytest.fixture
def persona(world):
    def get(username: str) -> User:
        return User.objects.select_related("organization", "region").get(username=username)
    return get


APP_ROLE = "jiuzhu_test_app"  # a production deployment's application role (README: not the tables' owner)


def ensure_app_role() -> str:
    """PostgreSQL: the application's role (LOGIN, trust on the test server) with grant_app_role's grants. Made as the
    tests' own role (the owner), also while the connection runs as the application's role (_application_role)."""
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        acting = cursor.fetchone()[0] == APP_ROLE
        if acting:
            cursor.execute("RESET ROLE")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
        call_command("grant_app_role", APP_ROLE, stdout=io.StringIO())
        if acting:
            cursor.execute(f"SET ROLE {APP_ROLE}")
    return APP_ROLE


# scripts/test.sh's PostgreSQL half sets JIUZHU_TEST_APP_ROLE=1: every test then reads and writes as a production
# deployment's application role (README: grant_app_role's grants, not the tables' owner), so a statement only the
# owner may run (DROP INDEX, ANALYZE before PostgreSQL 17, a table without grants) fails in the suite as it would
# in production. The test database is made, and each transactional test's flush runs, as the owner; a test whose
# own set-up needs the owner (DDL of its own) is marked owner_role.
APP_ROLE_RUN = os.environ.get("JIUZHU_TEST_APP_ROLE") == "1"
_acting = {"on": False}  # new connections (the live server's request threads, read pools) take the role too


def _set_role_on_new_connection(sender, connection, **kwargs):
    if _acting["on"] and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database; in the application-role run, the role's grants made on it by the owner right
    after (not inside a test's transaction, whose rollback would take them back), and new connections set to act
    as the role while a test runs."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    if not APP_ROLE_RUN:
        yield
        return
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            ensure_app_role()
    connection_created.connect(_set_role_on_new_connection)
    yield
    connection_created.disconnect(_set_role_on_new_connection)


_DATABASE_FIXTURES = ("db", "transactional_db", "live_server", "django_db_reset_sequences")


@pytest.fixture(autouse=True)
def _application_role(request):
    names = request.fixturenames
    if not APP_ROLE_RUN or request.node.get_closest_marker("owner_role") or not (
            request.node.get_closest_marker("django_db") or any(n in names for n in _DATABASE_FIXTURES)):
        yield
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in names or "live_server" in names else "db")
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    _acting["on"] = True
    yield
    _acting["on"] = False
    try:  # a transactional test's flush runs as the owner; a plain test's rollback undoes the SET itself
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    except DatabaseError:
        pass  # an aborted transaction: its rollback resets the role


@pytest.fixture
def as_app_role(db):
    """PostgreSQL: a context manager whose block runs as the application's role of a production deployment
    (grant_app_role's grants, not the tables' owner), inside a savepoint; the tests' own role again after. Skips
    the test on SQLite (no roles)."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("数据库角色只在 PostgreSQL 上有")
    ensure_app_role()

    @contextmanager
    def block():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            before = cursor.fetchone()[0]  # the application's role already in the PostgreSQL half (APP_ROLE_RUN)
            cursor.execute(f"SET ROLE {APP_ROLE}")  # undone by the savepoint's rollback if the block fails
            yield
            cursor.execute(f"SET ROLE {APP_ROLE}" if before == APP_ROLE else "RESET ROLE")
    return block


@pytest.fixture
def client_for(persona):
    """A signed-in browser client for a demo account."""
    def make(username: str) -> Client:
        client = Client()
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return client
    return make


def signed_in_session(base_url: str, username: str, *, csrf_header: bool = True) -> requests.Session:
    """A real HTTP client signed in through the sign-in form (CSRF token and cookies as a browser sends them), for
    API tests against the live server; with csrf_header it sends the X-CSRFToken header on every request."""
    session = requests.Session()
    page = session.get(f"{base_url}/login/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signed = session.post(f"{base_url}/login/", data={"username": username, "password": DEMO_PASSWORD,
                                                      "csrfmiddlewaretoken": token},
                          allow_redirects=False, timeout=60)
    assert signed.status_code == 302, signed.text[:300]
    if csrf_header:
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def member(name: str, relation: str, *, region=COUNTY_A, born=dt.date(1970, 5, 17), seq=21, **extra) -> dict:
    return {"id_number": make_id_number(region, born, seq), "name": name, "relation": relation, **extra}


@pytest.fixture
def register(persona):
    """Registers a household through the service as `username`; returns the Household."""
    from jiuzhu.registry.services import household_register

    def make(username="longhui_officer", village=VILLAGE_A, members=None, **household):
        members = members or [member("张建国", "head")]
        data = {"region_code": village, "address": "红星社区3组12号", "hukou_type": "rural", **household}
        return household_register(actor=persona(username), household=data, members=members)
    return make


@pytest.fixture
def without_full_id(world):
    """The officer role without the full-ID capability, to show what a masked-number role sees."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.get(name="assistance_officer")
    perm = Permission.objects.get(content_type__app_label="core", codename="view_full_id")
    group.permissions.remove(perm)

    class Handle:
        @staticmethod
        def restore():
            group.permissions.add(perm)

    yield Handle
    Handle.restore()
