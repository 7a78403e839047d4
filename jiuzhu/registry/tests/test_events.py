"""The registry's events reach the handlers other apps register, whichever path wrote them."""

import datetime as dt

import pytest

from conftest import VILLAGE_A, VILLAGE_A2
from jiuzhu.core import events
from jiuzhu.core.events import handler_table
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Event, Region, RegionSetting
from jiuzhu.core.tasks import deliver_pending_events
from jiuzhu.registry import assessment, bulk
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import Household, TierDecision
from jiuzhu.registry.validation import HouseholdRow, MemberRow

SEEN = []


def remember(event):
    SEEN.append((event.kind, event.household_id))


@pytest.fixture
def seen():
    SEEN.clear()
    with handler_table({RegistryEvent.HOUSEHOLD_REGISTERED: [f"{__name__}.remember"],
                        RegistryEvent.TIER_ASSESSED: [f"{__name__}.remember"]}):
        yield SEEN


def test_registering_a_household_reaches_its_handler(register, seen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        household = register()
    assert len(callbacks) == 1
    assert seen == [(RegistryEvent.HOUSEHOLD_REGISTERED, household.pk)]


def _rows(count: int) -> list[HouseholdRow]:
    return [HouseholdRow(region_code=VILLAGE_A if i % 2 else VILLAGE_A2, address=f"{i}号", hukou_type="rural",
                         members=[MemberRow(id_number=make_id_number("430524", dt.date(1960, 1, 1), 100 + i),
                                            name=f"王{i}", relation="head", sex="M",
                                            birth_date=dt.date(1960, 1, 1))])
            for i in range(count)]


@pytest.mark.parametrize("orm_rows", [1000, 3], ids=["bulk_create", "executemany"])
def test_a_bulk_import_reaches_the_handler_for_every_household(persona, seen, monkeypatch, orm_rows,
                                                               django_capture_on_commit_callbacks):
    monkeypatch.setattr(events, "ORM_ROWS", orm_rows)  # 3: the plain executemany path of large imports
    rows = _rows(7)
    regions = bulk.regions_for({VILLAGE_A, VILLAGE_A2})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = bulk.write_households(rows, actor=persona("longhui_officer"), regions=regions,
                                        hashes=bulk.keyed_hashes(rows))
    assert len(callbacks) == 1  # one task for the set
    assert sorted(seen) == [(RegistryEvent.HOUSEHOLD_REGISTERED, h.pk) for h in sorted(created, key=lambda h: h.pk)]
    event = Event.objects.get(household_id=created[0].pk)
    assert (event.kind, event.subject_type, event.subject_id, event.person_id, event.summary, event.payload) == (
        RegistryEvent.HOUSEHOLD_REGISTERED, "registry.household", str(created[0].pk),
        Household.objects.get(pk=created[0].pk).head_id, "登记家庭，1 人", {"batch": None})


def test_an_import_whose_enqueue_was_lost_is_delivered_by_the_sweep(persona, seen,
                                                                   django_capture_on_commit_callbacks):
    rows = _rows(3)
    with django_capture_on_commit_callbacks(execute=False):
        created = bulk.write_households(rows, actor=persona("longhui_officer"),
                                        regions=bulk.regions_for({VILLAGE_A, VILLAGE_A2}),
                                        hashes=bulk.keyed_hashes(rows))
    assert seen == []
    assert deliver_pending_events.call() == {"events": 3, "handlers_run": 3, "failed": 0}
    assert deliver_pending_events.call() == {"events": 0, "handlers_run": 0, "failed": 0}
    assert sorted(seen) == sorted((RegistryEvent.HOUSEHOLD_REGISTERED, h.pk) for h in created)


def test_tier_assessment_events_reach_their_handler(register, persona, seen, django_capture_on_commit_callbacks):
    city = Region.objects.get(code="430500")
    for key, value in {"dibao_standard_rural": 600, "dibao_standard_urban": 780, "rigid_expense_ratio": "0.5",
                       "disposable_income_last_year": 30000}.items():
        RegionSetting.objects.create(key=key, region=city, effective_from=dt.date(2025, 1, 1), value=value)
    households = [register(), register(members=[{"id_number": make_id_number("430524", dt.date(1971, 2, 3), 31),
                                                 "name": "赵六", "relation": "head"}])]
    seen.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = assessment.assess(on=dt.date(2026, 6, 30), household_ids=[h.pk for h in households],
                                   actor=persona("longhui_officer"))
    assert result["written"] == 2 and len(callbacks) == 1
    assert sorted(seen) == sorted((RegistryEvent.TIER_ASSESSED, h.pk) for h in households)
    decision = TierDecision.objects.get(household=households[0])
    event = Event.objects.get(kind=RegistryEvent.TIER_ASSESSED, household_id=households[0].pk)
    assert (event.subject_type, event.subject_id, event.actor_id, event.payload) == (
        "registry.tierdecision", str(decision.pk), persona("longhui_officer").pk, {})
    assert event.summary.startswith("分层评估（基准日 2026-06-30）：建议认定为")
