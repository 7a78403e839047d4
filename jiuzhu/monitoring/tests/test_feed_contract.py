"""The Parquet contract between feeds (what is stored) and rules (what a rule reads): every column a rule may
name is stored by its feed kind, as a type the rule's comparison accepts."""

import pyarrow as pa
import pytest

from jiuzhu.monitoring.feeds_schema import schema_for
from jiuzhu.monitoring.rules_sources import DATE, FEED_SOURCES, NUMBER, TEXT

ACCEPTS = {NUMBER: lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t),
           DATE: pa.types.is_date, TEXT: pa.types.is_string}


@pytest.mark.parametrize("source", FEED_SOURCES, ids=lambda s: s.key)
def test_every_column_a_rule_reads_is_stored(source):
    stored = schema_for(source.key).arrow_schema()
    for column in ("id_hash", "id_enc", "name", "person_id", "region_code", "row_number"):
        assert column in stored.names
    for column, (_label, kind) in source.columns.items():
        assert column in stored.names, f"{source.key}.{column}"
        assert ACCEPTS[kind](stored.field(column).type), f"{source.key}.{column}: {stored.field(column).type}"
    assert source.date_column in source.columns
