"""core.arrow_sql.one_state: reads run at once on other connections give the tables one by one gives, all of
one state of the database (a commit landing while they run is not half seen), and inside an atomic block (a
request, a TestCase test) they run one after another on the calling connection. Committed data: other
connections must see it (transaction=True)."""

import threading
import time

import pyarrow as pa
import pytest
from django.db import connection, connections, transaction

from jiuzhu.core.arrow_sql import one_state, query_arrow
from jiuzhu.core.models import Region

I64, STR = pa.int64(), pa.string()
QUERIES = {
    "numbers": ("SELECT id, length(code), parent_id FROM core_region WHERE code LIKE '99%%' ORDER BY id",
                {"id": I64, "code_length": I64, "parent_id": I64}),
    "texts": ("SELECT id, name FROM core_region WHERE code LIKE '99%%' ORDER BY id", {"id": I64, "name": STR}),
    "count": ("SELECT count(*) FROM core_region WHERE code LIKE '99%%'", {"n": I64}),
}


def regions(n: int, first: int = 0) -> None:
    top = Region.objects.create(code=f"99{first:04d}", name="测试省", full_name="测试省", level="province",
                                path=f"/99{first:04d}/")
    Region.objects.bulk_create([Region(code=f"99{first:04d}{k:04d}", name=f"测试{k}，“引号”", full_name="x",
                                       level="county", parent=top, path=f"{top.path}{k}/") for k in range(n)])


@pytest.mark.django_db(transaction=True)
def test_reads_at_once_give_the_tables_one_by_one_gives():
    regions(50)
    one_by_one = {name: query_arrow(sql, columns) for name, (sql, columns) in QUERIES.items()}
    where: dict[str, str] = {}

    def read(sql, columns):
        where[sql] = threading.current_thread().name
        time.sleep(0.2)  # each reader is busy long enough for the other to take the next query
        return query_arrow(sql, columns)

    timings = {}
    with one_state(workers=2) as reads:
        assert reads.parallel
        at_once = reads.many(QUERIES, read=read, timings=timings)
    assert list(at_once) == list(QUERIES) and set(timings) == {f"read_{name}" for name in QUERIES}
    for name in QUERIES:
        assert at_once[name].equals(one_by_one[name]), name
    assert at_once["count"].column(0).to_pylist() == [51]
    assert all(name.startswith("arrow-read-") for name in where.values())  # not the calling thread
    assert len(set(where.values())) == 2  # both readers read


@pytest.mark.django_db(transaction=True)
def test_a_reader_s_error_is_raised_in_the_caller_as_it_was():
    regions(2)

    def read(sql, columns):
        if "name" in sql:
            raise ValueError("第二个读取失败")
        return query_arrow(sql, columns)

    with pytest.raises(ValueError, match="第二个读取失败"), one_state(workers=2) as reads:
        assert reads.parallel
        reads.many(QUERIES, read=read)


@pytest.mark.django_db(transaction=True)
def test_a_commit_while_the_reads_run_is_not_seen_by_any_of_them():
    """A writer commits (or tries to) between two reads: SQLite holds it back (the caller's write lock),
    PostgreSQL lets it commit but every reader reads the caller's snapshot."""
    regions(3)
    first_done, writer_done = threading.Event(), threading.Event()
    outcome = {}

    def write():
        try:
            with transaction.atomic():
                regions(2, first=1)
            outcome["committed"] = True
        except Exception as error:  # SQLite's shared-cache test database refuses at once: also held back
            outcome["refused"] = repr(error)
        finally:
            connections.close_all()
            writer_done.set()

    def read(sql, columns):
        if "length(code)" in sql:  # the first read: a writer starts and is given time to commit
            table = query_arrow(sql, columns)
            writer = threading.Thread(target=write)
            writer.start()
            writer_done.wait(timeout=2)
            first_done.set()
            return table
        first_done.wait(timeout=10)
        return query_arrow(sql, columns)

    with one_state(workers=2) as reads:
        tables = reads.many(QUERIES, read=read)
    writer_done.wait(timeout=30)
    assert tables["count"].column(0).to_pylist() == [4]
    assert len(tables["texts"]) == len(tables["numbers"]) == 4
    if connection.vendor == "postgresql":
        assert outcome == {"committed": True}  # it was not held back, just not seen
    assert Region.objects.filter(code__startswith="99").count() == (7 if "committed" in outcome else 4)


@pytest.mark.django_db
def test_inside_an_atomic_block_the_reads_run_here_one_after_another():
    """A TestCase test (and a request) is inside a transaction: other connections would not see its rows."""
    regions(5)
    with transaction.atomic(), one_state(workers=2) as reads:
        assert not reads.parallel
        tables = reads.many(QUERIES)
    assert tables["count"].column(0).to_pylist() == [6]
    with one_state(workers=2) as reads:  # the test's own transaction is an atomic block too
        assert not reads.parallel
        assert reads.many(QUERIES)["count"].column(0).to_pylist() == [6]
