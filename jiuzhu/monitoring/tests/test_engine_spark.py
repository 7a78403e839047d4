"""The same indicator SQL on Spark (local mode) raises exactly the warnings DuckDB raises."""

import datetime as dt
import shutil

import pytest

from jiuzhu.core.models import Region
from jiuzhu.monitoring.models import ComparisonRun, Warning
from jiuzhu.monitoring.runs import comparison_run
from jiuzhu.monitoring.tests.conftest import AS_OF

pytestmark = [pytest.mark.django_db, pytest.mark.spark,
              pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime (scripts/test.sh installs it)")]

FIELDS = ("indicator_id", "person_id", "household_id", "region_id", "subject_id_hash", "subject_name",
          "warning_key", "evidence_start", "evidence_end", "severity", "due_date", "evidence")


def _warnings():
    return sorted(Warning.objects.values_list(*FIELDS), key=repr)


def test_spark_raises_exactly_the_warnings_duckdb_raises(catalogue, store_feed, person_in_registry, outsider):
    people = [person_in_registry(seq=31 + i, name=n) for i, n in enumerate(["李秀英", "王建军", "陈桂花"])]
    (_p1, n1), (_p2, n2), (p3, n3) = people
    store_feed("medical_settlement", [
        {"id_number": n1, "discharge_date": dt.date(2026, 2, 1), "out_of_pocket": 6000.0},
        {"id_number": n1, "discharge_date": dt.date(2026, 8, 1), "out_of_pocket": 4000.01},
        {"id_number": n2, "discharge_date": dt.date(2026, 8, 1), "out_of_pocket": 9999.99},
        {"id_number": outsider(71), "name": "外一", "region_code": "430524100200",
         "discharge_date": dt.date(2026, 9, 1), "out_of_pocket": 15000.0},
        {"person_id": p3.pk, "discharge_date": dt.date(2026, 9, 1), "out_of_pocket": 20000.0},
    ])
    store_feed("disability", [
        {"id_number": n2, "issue_date": dt.date(2026, 10, 1), "disability_grade": 1.0},
        {"id_number": n3, "issue_date": dt.date(2026, 10, 1), "disability_grade": 3.0},
        {"id_number": outsider(72), "name": "外二", "issue_date": dt.date(2026, 11, 1), "disability_grade": 2.0},
    ])
    store_feed("register_change", [
        {"id_number": n1, "change_date": dt.date(2026, 11, 2), "change_kind": "迁出"},
        {"id_number": n2, "change_date": dt.date(2026, 11, 2), "change_kind": "迁入"},
    ])
    store_feed("death_cremation", [{"id_number": n3, "death_date": dt.date(2026, 11, 20)}])
    county = Region.objects.get(code="430524")
    duck_run = comparison_run(region=county, as_of=AS_OF, engine="duckdb")
    on_duckdb = _warnings()
    assert len(on_duckdb) == 7, on_duckdb
    Warning.objects.all().delete()
    ComparisonRun.objects.all().delete()
    spark_run = comparison_run(region=county, as_of=AS_OF, engine="spark")
    assert spark_run.engine == "spark" and spark_run.counts == duck_run.counts
    assert _warnings() == on_duckdb
