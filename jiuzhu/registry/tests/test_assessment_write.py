"""The assessment's write (issue 14, speed): the new rows are made by DuckDB in a producer thread while the
database takes the ones before (assessment._produced). A failure on either side leaves nothing behind: the run is
one transaction, and the producer never outlives the write."""

import itertools
import threading

import pytest

from conftest import member
from jiuzhu.core.models import Event
from jiuzhu.registry import assessment
from jiuzhu.registry.models import AssessmentBasis, IncomeItem, TierDecision
from jiuzhu.registry.tests.conftest import ON, WINDOW


def households(register, n):
    made = []
    for k in range(n):
        household = register(address=f"测试地址{k}", members=[member(f"张{k}号", "head", seq=40 + k)])
        IncomeItem.objects.create(household=household, kind="wage", amount=1200 * (k + 1), period_start=WINDOW[0],
                                  period_end=WINDOW[1])
        made.append(household)
    return made


def test_an_error_in_the_producer_mid_way_rolls_the_whole_run_back(standards, register, monkeypatch):
    """Rows already taken by the database when the producer fails are rolled back with the superseded marks, the
    basis rows and the events: the run is all or nothing."""
    made = households(register, 3)
    ids = [h.pk for h in made]
    assessment.assess(on=ON, household_ids=ids)
    pending = dict(TierDecision.objects.values_list("pk", "status"))
    IncomeItem.objects.filter(household__in=made).update(amount=50)  # new figures: three new suggestions
    before = (TierDecision.objects.count(), Event.objects.count(), AssessmentBasis.objects.count())
    monkeypatch.setattr(assessment, "WRITE_BATCH", 1)
    real = assessment._postgres_batches if assessment._postgres() else assessment._sqlite_batches
    name = "_postgres_batches" if assessment._postgres() else "_sqlite_batches"

    def fails_after_one(*args):
        batches = real(*args)
        yield next(batches)
        yield next(batches)
        raise RuntimeError("DuckDB 中途失败")

    monkeypatch.setattr(assessment, name, fails_after_one)
    with pytest.raises(RuntimeError, match="中途失败"):
        assessment.assess(on=ON, household_ids=ids)
    assert (TierDecision.objects.count(), Event.objects.count(), AssessmentBasis.objects.count()) == before
    assert dict(TierDecision.objects.values_list("pk", "status")) == pending  # none marked superseded
    assert not [t for t in threading.enumerate() if t.name == "assess-writer"]


def test_a_write_that_fails_stops_the_producer():
    """The database refusing a row ends the producer too (it would otherwise wait on a full queue forever)."""
    made = []

    def endless():
        for n in itertools.count():
            made.append(n)
            yield n

    outcome = {}

    def write():
        try:
            with assessment._produced(endless, depth=2) as batches:
                for batch in batches:
                    if batch == 3:
                        raise ValueError("数据库拒绝")
        except ValueError as error:
            outcome["error"] = error

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=10)
    assert not writer.is_alive(), "the producer kept the write waiting"
    assert "error" in outcome
    assert not [t for t in threading.enumerate() if t.name == "assess-writer"]
    assert len(made) <= 3 + 2 + 2  # the batches handed over, the queue's depth and the one it was putting


def test_the_rows_come_in_order_and_all_of_them(standards, register, monkeypatch):
    """Small batches through the producer: every household's row written once, in household order."""
    made = households(register, 5)
    monkeypatch.setattr(assessment, "WRITE_BATCH", 2)
    counts = assessment.assess(on=ON, household_ids=[h.pk for h in made])
    assert counts["written"] == 5
    rows = list(TierDecision.objects.order_by("pk").values_list("household_id", flat=True))
    assert rows == sorted(h.pk for h in made)
    assert Event.objects.filter(subject_type="registry.tierdecision").count() == 5


def _dropped(queries) -> list[str]:
    from jiuzhu.registry.tests.test_import_write import dropping

    return dropping(queries)


def test_a_first_run_writes_the_decisions_without_their_indexes_and_makes_them_again(standards, register,
                                                                                      monkeypatch):
    """As many new rows as the table holds (PostgreSQL: ten times): the decisions' secondary indexes and unique
    constraints are dropped for the insert and made again, the very same, before commit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiuzhu.core import bulk_indexes
    from jiuzhu.registry.tests.test_import_write import _indexes

    monkeypatch.setattr(bulk_indexes, "REBUILD_MIN_ROWS", 1)  # three households count as a large run here
    made = households(register, 3)
    before = _indexes(("registry_tierdecision",))
    assert len(before) >= 4
    with CaptureQueriesContext(connection) as queries:
        counts = assessment.assess(on=ON, household_ids=[h.pk for h in made])
    assert counts["written"] == 3
    if connection.vendor == "sqlite":  # PostgreSQL: one call drops them all (core tests: test_bulk_indexes)
        assert len(_dropped(queries)) == len([i for i in before if not i[0].endswith("_pkey")])  # the key stays
    else:
        assert [s for s in _dropped(queries) if "registry_tierdecision" in s]
    assert _indexes(("registry_tierdecision",)) == before
    assert TierDecision.objects.filter(household__in=made, status="recommended").count() == 3
    assert assessment.assess(on=ON, household_ids=[h.pk for h in made])["written"] == 0  # the run key still found


def test_the_application_role_rebuilds_for_a_first_assessment_as_the_owner_does(standards, register, as_app_role,
                                                                                  monkeypatch):
    """A production deployment's role does not own the tables (only the owner may drop an index): its first run
    drops and makes the decisions' indexes through the owner's functions (migration core 0020)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiuzhu.core import bulk_indexes
    from jiuzhu.registry.tests.test_import_write import _indexes

    monkeypatch.setattr(bulk_indexes, "REBUILD_MIN_ROWS", 1)
    monkeypatch.setitem(bulk_indexes.REBUILD_FACTOR, connection.vendor, 0)
    made = households(register, 3)
    before = _indexes(("registry_tierdecision",))
    with CaptureQueriesContext(connection) as queries, as_app_role():
        counts = assessment.assess(on=ON, household_ids=[h.pk for h in made])
    assert counts["written"] == 3 and [s for s in _dropped(queries) if "registry_tierdecision" in s]
    assert _indexes(("registry_tierdecision",)) == before
    assert TierDecision.objects.filter(household__in=made, status="recommended").count() == 3


def test_a_run_smaller_than_the_table_writes_into_the_indexes_as_they_are(standards, register, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiuzhu.core import bulk_indexes

    monkeypatch.setattr(bulk_indexes, "REBUILD_MIN_ROWS", 1)
    made = households(register, 3)
    assessment.assess(on=ON, household_ids=[h.pk for h in made])
    IncomeItem.objects.filter(household=made[0]).update(amount=50)  # one new suggestion into a table of three
    with CaptureQueriesContext(connection) as queries:
        assert assessment.assess(on=ON, household_ids=[h.pk for h in made])["written"] == 1
    assert not _dropped(queries)
