"""Monitoring fixtures (rules part): the seeded catalogue (again after a flush), stored feed batches written
straight in the Parquet contract's layout, and registry persons to compare them with."""

import datetime as dt
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import COUNTY_A, member
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region
from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus, Indicator, IndicatorVersion
from jiuzhu.monitoring.rules_sources import SOURCES

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def catalogue(world):
    """The seeded indicators (migration 0003), seeded again when a transactional test flushed them."""
    from jiuzhu.monitoring.indicators_seed import seed_indicators

    seed_indicators(Indicator, IndicatorVersion, Region)
    return {i.code: i for i in Indicator.objects.all()}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    Path(settings.MEDIA_ROOT).mkdir()
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def store_feed(media, persona):
    """store_feed(kind, rows, region_code=COUNTY_A): one stored batch; each row is a dict with `id_number`
    (or `person_id`), optional `name`, `region_code` and the kind's own columns."""
    def store(kind: str, rows: list[dict], *, region_code: str = COUNTY_A, username: str = "longhui_clerk"):
        source = SOURCES[kind]
        schema = pa.schema([f for f in source.empty_schema() if f.name != "batch_region_id"])
        data = {f.name: [] for f in schema}
        for n, row in enumerate(rows, start=2):
            number = row.get("id_number")
            data["id_hash"].append(keyed_hash(number) if number else None)
            data["id_enc"].append(encrypt_text(number) if number else None)
            data["name"].append(row.get("name", "某某"))
            data["person_id"].append(row.get("person_id"))
            data["region_code"].append(row.get("region_code"))
            data["row_number"].append(n)
            for column in source.columns:
                data[column].append(row.get(column))
        relative = f"feeds/{kind}/{uuid.uuid4().hex}.parquet"
        path = media / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(data, schema=schema), path)
        user = persona(username)
        return FeedBatch.objects.create(kind=kind, organization=user.organization,
                                        region=Region.objects.get(code=region_code), uploaded_by=user,
                                        file_name=f"{kind}.parquet", batch_key=uuid.uuid4().hex,
                                        status=FeedBatchStatus.STORED, rows_total=len(rows),
                                        rows_stored=len(rows), data_path=relative)
    return store


@pytest.fixture
def person_in_registry(register):
    """A registered household of one (county A); returns (person, id_number)."""
    def make(seq: int = 31, name: str = "李秀英", born=dt.date(1968, 4, 2)):
        number = make_id_number(COUNTY_A, born, seq)
        household = register(members=[{**member(name, "head", born=born, seq=seq), "id_number": number}])
        return household.members.get(), number
    return make


def outsider_id(seq: int = 71, born=dt.date(1975, 1, 9)) -> str:
    return make_id_number(COUNTY_A, born, seq)


@pytest.fixture
def outsider():
    return outsider_id
