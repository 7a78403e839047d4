"""A query's rows as an Arrow table, without a Python object per value where the database allows it: the
way set-based jobs (the tier assessment, comparison runs) hand the database's rows to DuckDB or Spark.

PostgreSQL streams the rows as CSV through COPY, parsed by Arrow in C++. SQLite writes a query of numbers as
CSV text itself (printf and group_concat, in C: one value back to Python for the whole result), which Arrow
parses; a query with text columns goes through fetchall. NULL comes back as null in numeric columns.

`one_state` runs several such reads at once on other connections (threads; each mostly one core inside SQLite or
one PostgreSQL server process, the GIL released), all seeing one state of the database: PostgreSQL's exported
snapshot, SQLite's write lock held by the caller while they read.
"""

# ruff: noqa: S608 - `sql` is the caller's query, built by the caller from constants, ints and checked dates

import contextlib
import io
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pyarrow as pa
from django.db import connection, connections, transaction
from pyarrow import csv as pa_csv


def _empty(columns: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({name: pa.array([], type=kind) for name, kind in columns.items()})


def _csv(data: bytes, columns: dict[str, pa.DataType], empty_text_is_null: bool) -> pa.Table:
    return pa_csv.read_csv(io.BytesIO(data), read_options=pa_csv.ReadOptions(column_names=list(columns)),
                           convert_options=pa_csv.ConvertOptions(column_types=columns,
                                                                 strings_can_be_null=empty_text_is_null))


def query_arrow(sql: str, columns: dict[str, pa.DataType], *, empty_text_is_null: bool = False,
                params: list | None = None) -> pa.Table:
    """The rows of `sql` (its columns in the order of `columns`) typed as `columns` says; `params` fill its %s
    (bound by the driver, COPY included).
    empty_text_is_null: on PostgreSQL an empty text field reads as null (COPY writes NULL and '' alike as an
    empty field unless quoted); leave False where '' is a value."""
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)",
                                                                   params) as copy:
            for chunk in copy:
                buffer.write(chunk)
        return _csv(buffer.getvalue(), columns, empty_text_is_null) if buffer.tell() else _empty(columns)
    if pa.string() not in columns.values():
        names = [f"c{j}" for j in range(len(columns))]
        slot = "%s" if params is None else "%%s"  # with params the driver reads %s as a placeholder
        line = "printf('" + ",".join(slot for _ in names) + "', " + ", ".join(names) + ")"
        with connection.cursor() as cursor:
            cursor.execute(f"WITH q({', '.join(names)}) AS ({sql}) "
                           f"SELECT CAST(group_concat({line}, char(10)) AS BLOB) FROM q", params)
            (text,), = cursor.fetchall()
        return _csv(text, columns, empty_text_is_null) if text else _empty(columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return _empty(columns)
    return pa.table({name: pa.array(list(values), type=kind)
                     for (name, kind), values in zip(columns.items(), zip(*rows, strict=True), strict=True)})


# ---- Several reads at once, all of one state of the database --------------------------------------------

_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f-]+$")  # pg_export_snapshot()'s text, e.g. 00000003-0000001B-1


class Reads:
    """What `one_state` yields: `many(queries)` reads {name: (sql, columns)} into {name: Arrow table}, in the
    order given (put the longest first); `parallel` says whether they run at once on other connections."""

    def __init__(self, parallel: bool, workers: int, snapshot: str | None):
        self.parallel, self.workers, self._snapshot = parallel, workers, snapshot

    def many(self, queries: dict[str, tuple[str, dict[str, pa.DataType]]], *,
             read: Callable[[str, dict[str, pa.DataType]], pa.Table] = query_arrow,
             setup: Sequence[str] = (), timings: dict | None = None, parallel: bool = True) -> dict[str, pa.Table]:
        """`read(sql, columns)` reads one query on the connection of the thread it runs in (default
        `query_arrow`). `setup`: statements each other connection runs first (e.g. its own temporary table
        the queries name: a temporary table of the calling connection is not theirs); not run serially, where
        the calling connection already has it. `timings` receives each read's seconds as `read_<name>`.
        `parallel` False: one after another here (a few rows are not worth other connections)."""
        timings = timings if timings is not None else {}

        def timed(name: str) -> pa.Table:
            clock = time.monotonic()
            sql, columns = queries[name]
            table = read(sql, columns)
            timings[f"read_{name}"] = time.monotonic() - clock
            return table

        if not (self.parallel and parallel) or len(queries) < 2:
            return {name: timed(name) for name in queries}
        waiting = queue.SimpleQueue()
        for name in queries:
            waiting.put(name)
        tables: dict[str, pa.Table] = {}
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                with contextlib.ExitStack() as stack:
                    if connection.vendor == "postgresql":
                        # The calling connection's snapshot: every reader sees what it sees.
                        stack.enter_context(transaction.atomic())
                        with connection.cursor() as cursor:
                            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                            cursor.execute(f"SET TRANSACTION SNAPSHOT '{self._snapshot}'")
                    # SQLite: autocommit reads (a transaction here would wait for the caller's write lock).
                    with connection.cursor() as cursor:
                        for statement in setup:
                            cursor.execute(statement)
                    while not errors:
                        try:
                            name = waiting.get_nowait()
                        except queue.Empty:
                            break
                        tables[name] = timed(name)
            except BaseException as error:  # handed to the calling thread, raised there
                errors.append(error)
            finally:
                connections.close_all()  # this thread's connections only (they are per thread)

        threads = [threading.Thread(target=worker, name=f"arrow-read-{n}")
                   for n in range(min(self.workers, len(queries)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return {name: tables[name] for name in queries}


@contextlib.contextmanager
def one_state(*, parallel: bool = True, workers: int = 2) -> Iterator[Reads]:
    """Reads that must all see one state of the database, run at once on `workers` other connections (threads;
    the database does the work, the GIL is released) when `parallel` and the calling connection is not inside an
    atomic block (an officer's request, a TestCase test: there the reads run one after another on it, as does a
    SQLite connection not configured to take the write lock at BEGIN, `transaction_mode` IMMEDIATE).
    While the block runs:
    - PostgreSQL: the calling connection holds a REPEATABLE READ transaction and exports its snapshot; every reader
      imports it (SET TRANSACTION SNAPSHOT), so all see the state the block started with;
    - SQLite (WAL): the calling connection holds the write lock (BEGIN IMMEDIATE): no commit can land until the
      block ends, so the readers (autocommit, one read transaction per query) see one state. A writer waits (its
      busy timeout) until then: keep the block to the reads.
    Statements run on the calling connection inside the block (a scope's temporary table) see the same state."""
    if (not parallel or workers < 2 or connection.in_atomic_block
            or (connection.vendor == "sqlite" and connection.transaction_mode != "IMMEDIATE")):
        yield Reads(False, 1, None)
        return
    with transaction.atomic():
        snapshot = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,), = cursor.fetchall()
            if not _SNAPSHOT_ID.match(snapshot):
                raise ValueError(f"unexpected snapshot id {snapshot!r}")
        yield Reads(True, workers, snapshot)
