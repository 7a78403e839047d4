from jiuzhu.core.demo import PersonFactory, demo_villages
from jiuzhu.core.identity import is_valid_id_number
from jiuzhu.core.models import User
from jiuzhu.registry.demo import chunk_households, populate
from jiuzhu.registry.models import Household, Person


def test_demo_data_is_deterministic_by_seed(world):
    villages = demo_villages()
    first = chunk_households(7, 0, villages)
    again = chunk_households(7, 0, villages)
    other = chunk_households(8, 0, villages)
    ids = [m.id_number for h in first for m in h.members]
    assert ids == [m.id_number for h in again for m in h.members]
    assert ids != [m.id_number for h in other for m in h.members]
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert all(is_valid_id_number(n) for n in ids[:500])


def test_chunks_never_share_an_id_number():
    a = PersonFactory(1, 0)
    b = PersonFactory(1, 1)
    import datetime as dt
    day = dt.date(1980, 1, 1)
    assert a.person("430524", day, "M").id_number != b.person("430524", day, "M").id_number


def test_running_the_demo_twice_adds_nothing(world):
    villages = demo_villages()
    added = populate(seed=3, persons=10_000, villages=villages)
    assert added["persons"] == 10_000
    households = Household.objects.count()
    again = populate(seed=3, persons=10_000, villages=villages)
    assert again == {"households": 0, "persons": 0, "chunks_skipped": 1}
    assert Household.objects.count() == households and Person.objects.count() == 10_000
    assert Household.objects.filter(head__isnull=True).count() == 0


def test_world_has_every_role_in_both_counties(world):
    for prefix in ("longhui", "dongkou"):
        users = User.objects.filter(username__startswith=f"{prefix}_")
        roles = {r for u in users for r in u.role_codes}
        assert {"window_officer", "assistance_officer", "approver", "department_clerk", "coordinator",
                "station_worker", "station_manager", "analyst", "auditor", "administrator"} <= roles
    assert User.objects.get(username="shaoyang_regional").has_role("regional_officer")
    build_again = User.objects.count()
    from jiuzhu.core.demo import build_world
    build_world(villages_per_township=2)
    assert User.objects.count() == build_again
