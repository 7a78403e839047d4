"""A query's rows as an Arrow table, without a Python object per value where the database allows it: the
way set-based jobs (the tier assessment, comparison runs) hand the database's rows to DuckDB or Spark.

PostgreSQL streams the rows as CSV through COPY, parsed by Arrow in C++. SQLite writes a query of numbers as
CSV text itself (printf and group_concat, in C: one value back to Python for the whole result), which Arrow
parses; a query with text columns goes through fetchall. NULL comes back as null in numeric columns.
"""

# ruff: noqa: S608 - `sql` is the caller's query, built by the caller from constants, ints and checked dates

import io

import pyarrow as pa
from django.db import connection
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
