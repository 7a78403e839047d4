"""The suite's PostgreSQL half acts as a production deployment's application role (conftest.APP_ROLE_RUN, set by
scripts/test.sh): the test's connection and every connection opened meanwhile (the live server's request threads,
read pools) run as that role, not as the tables' owner."""

import threading

import pytest
from django.db import connection, connections

from conftest import APP_ROLE, APP_ROLE_RUN

pytestmark = pytest.mark.skipif(not APP_ROLE_RUN, reason="只在以应用角色运行的 PostgreSQL 部分检查")


def _current_user(conn) -> str:
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


def test_a_test_and_a_thread_it_starts_act_as_the_application_role(db):
    assert _current_user(connection) == APP_ROLE
    seen = []

    def other():
        try:
            seen.append(_current_user(connections["default"]))  # a connection of this thread's own
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [APP_ROLE]


@pytest.mark.owner_role
def test_a_test_marked_owner_role_acts_as_the_owner(db):
    assert _current_user(connection) != APP_ROLE


def test_the_application_role_may_not_drop_an_index(db):
    """What the role stands for: the statements only the owner may run fail here as in production."""
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="must be owner"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP INDEX person_household")
