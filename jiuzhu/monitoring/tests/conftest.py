"""Monitoring fixtures. Rules part: the seeded catalogue (again after a flush), stored feed batches written
straight in the Parquet contract's layout, and registry persons to compare them with. Handling part:
indicators and a small warning factory (runs raise warnings in production; here they are created directly),
and the registry's confirmed 低保 household."""

import datetime as dt
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import COUNTY_A, member
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Organization, Region, Role, User, UserRole
from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus, Indicator, IndicatorVersion, Warning, WarningStatus
from jiuzhu.monitoring.rules_sources import SOURCES
from jiuzhu.registry.tests.conftest import dibao_household, standards  # noqa: F401 - fixtures

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

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def indicator(db):
    return Indicator.objects.get_or_create(code="need_medical_oop", defaults={
        "name": "医疗自付费用过高", "indicator_class": "need", "description": "近 12 个月个人自付医疗费用超过阈值"})[0]


@pytest.fixture
def death_indicator(db):
    return Indicator.objects.get_or_create(code="dynamic_death", defaults={
        "name": "死亡信息比对", "indicator_class": "dynamic"})[0]


@pytest.fixture
def discovery_indicator(db):
    return Indicator.objects.get_or_create(code="discovery_medical", defaults={
        "name": "未在库高额医疗支出人员", "indicator_class": "active_discovery"})[0]


@pytest.fixture
def make_warning(world, indicator):
    """Warning.objects.create for a household (its head), a person, or a person outside the registry."""
    def make(*, household=None, person=None, region=None, of=None, status=WarningStatus.OPEN,
             due_date=None, evidence=None, **fields) -> Warning:
        if household is not None and person is None:
            person = household.head
        if person is not None and household is None:
            household = person.household
        region = region or (person.region if person else household.region if household else None)
        return Warning.objects.create(
            indicator=of or indicator, person=person, household=household, region=region,
            warning_key=uuid.uuid4().hex, status=status,
            due_date=due_date or dt.date.today() + dt.timedelta(days=14),
            evidence=evidence if evidence is not None else {"feed": "medical_settlement", "out_of_pocket": 32000,
                                                            "threshold": 20000, "window_months": 12},
            **fields)
    return make


@pytest.fixture
def other_clerk(world):
    """A clerk of another department of 隆回县 (civil affairs' referrals go to one department at a time)."""
    org = Organization.objects.get(name="隆回县人力资源和社会保障局")
    user = User.objects.create(username="longhui_hrss", full_name="隆回县人社局经办员", organization=org,
                               region=Region.objects.get(code="430524"))
    UserRole.objects.create(user=user, role=Role.DEPARTMENT_CLERK)
    return User.objects.select_related("organization", "region").get(pk=user.pk)
