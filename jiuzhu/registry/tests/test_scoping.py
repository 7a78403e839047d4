"""Each jurisdiction boundary, for pages and API: out of scope is 404, never a leak."""

import datetime as dt

import pytest

from conftest import VILLAGE_A2, VILLAGE_B, member
from jiuzhu.core.models import AuditLog, User
from jiuzhu.registry.models import Person
from jiuzhu.registry.services import household_member_add


@pytest.fixture
def households(register):
    a = register("longhui_officer", members=[member("张建国", "head", seq=21)])
    a2 = register("longhui_officer", village=VILLAGE_A2, members=[member("李秀英", "head", seq=22)])
    b = register("dongkou_officer", village=VILLAGE_B,
                 members=[member("王德福", "head", region="430525", born=dt.date(1955, 3, 2), seq=31)])
    return a, a2, b


def test_county_b_cannot_read_county_a_person_page_or_api(households, client_for):
    a, _, b = households
    client = client_for("dongkou_officer")
    assert client.get(f"/registry/persons/{a.head_id}/").status_code == 404
    assert client.get(f"/registry/households/{a.pk}/").status_code == 404
    api = client.get(f"/api/v1/registry/persons/{a.head_id}")
    assert api.status_code == 404
    assert api.json()["code"] == "not_found" and "管辖范围" in api.json()["message"]
    assert client.get(f"/registry/persons/{b.head_id}/").status_code == 200
    assert "张建国" not in client.get("/registry/persons/").content.decode()


def test_township_window_officer_sees_only_their_township(households, client_for):
    a, a2, _ = households
    client = client_for("longhui_window")  # 桃洪镇
    assert client.get(f"/registry/persons/{a.head_id}/").status_code == 200
    assert client.get(f"/registry/persons/{a2.head_id}/").status_code == 404  # 小沙江镇, same county
    # The county officer sees both townships.
    county = client_for("longhui_officer")
    assert county.get(f"/registry/persons/{a2.head_id}/").status_code == 200


def test_department_clerk_sees_no_person_that_was_not_sent_to_the_department(households, client_for):
    a, _, _ = households
    client = client_for("longhui_clerk")
    assert client.get(f"/registry/persons/{a.head_id}/").status_code == 404
    assert client.get(f"/api/v1/registry/households/{a.pk}").status_code == 404
    assert "张建国" not in client.get("/registry/persons/").content.decode()


def test_city_officer_sees_both_counties(households, persona, client_for):
    from jiuzhu.core.models import UserRole

    a, _, b = households
    city = persona("shaoyang_analyst")  # a city civil-affairs account, given the officer role here
    UserRole.objects.create(user=city, role="assistance_officer")
    client = client_for("shaoyang_analyst")
    assert client.get(f"/api/v1/registry/persons/{a.head_id}").status_code == 200
    assert client.get(f"/api/v1/registry/persons/{b.head_id}").status_code == 200


@pytest.mark.parametrize("username", ["longhui_station", "longhui_stationmgr", "longhui_analyst", "longhui_auditor",
                                      "longhui_admin", "shaoyang_analyst", "shaoyang_regional"])
def test_roles_without_the_registry_capability_see_no_person(households, client_for, username):
    """Finding 11: inside their own county, station staff, analysts, auditors and administrators list, open
    and export no person (ROLES.md), on pages and in the API: 403 with a Chinese message."""
    a, _, _ = households
    client = client_for(username)
    for url in ("/registry/persons/", "/registry/households/", f"/registry/persons/{a.head_id}/",
                f"/registry/households/{a.pk}/", "/registry/persons/export.xlsx", "/registry/households/export.xlsx",
                "/registry/report/assistance/"):
        response = client.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert "张建国" not in response.content.decode()
    api = client.get(f"/api/v1/registry/persons/{a.head_id}")
    assert api.status_code == 403 and api.json()["code"] == "forbidden" and "权限" in api.json()["message"]
    assert not AuditLog.objects.filter(action="read", person_id=a.head_id, username=username).exists()


def test_window_officer_may_not_export_lists_of_persons(households, client_for):
    assert client_for("longhui_window").get("/registry/persons/export.xlsx").status_code == 403
    assert client_for("longhui_officer").get("/registry/persons/export.xlsx").status_code == 200


def test_lists_and_exports_audit_every_person_shown(households, client_for):
    """Finding 3: one audit row per person shown, for a household's members, a list and an export."""
    a, a2, _ = households
    spouse = member("刘桂兰", "spouse", born=dt.date(1972, 1, 9), seq=24)
    client = client_for("longhui_officer")
    wife = household_member_add(actor=User.objects.get(username="longhui_officer"), household=a, member=spouse)
    client.get(f"/registry/households/{a.pk}/")
    reads = AuditLog.objects.filter(action="read", username="longhui_officer")
    assert set(reads.values_list("person_id", flat=True)) == {a.head_id, wife.pk}
    client.get("/registry/persons/?name=李")
    listed = AuditLog.objects.filter(action="read", detail__purpose="list")
    assert list(listed.values_list("person_id", flat=True)) == [a2.head_id]
    assert listed.get().detail["query_hash"]  # the search itself is kept, as a hash
    client.get("/registry/persons/export.xlsx")
    exported = AuditLog.objects.filter(action="read", detail__purpose="export")
    assert sorted(exported.values_list("person_id", flat=True)) == sorted(
        Person.objects.filter(region__path__startswith="/430000/430500/430524/").values_list("pk", flat=True))


def test_searching_by_id_number_audits_its_hash_not_the_number(households, client_for):
    a, _, _ = households
    number = Person.objects.get(pk=a.head_id).id_number
    client_for("longhui_officer").get(f"/registry/persons/?id_number={number}")
    row = AuditLog.objects.get(action="read", detail__purpose="list")
    assert row.person_id == a.head_id
    assert number not in str(row.detail) and len(row.detail["query_hash"]) == 64


def test_every_read_of_a_person_is_audited(households, client_for):
    a, _, _ = households
    client_for("longhui_officer").get(f"/registry/persons/{a.head_id}/")
    client_for("longhui_officer").get(f"/api/v1/registry/persons/{a.head_id}")
    reads = AuditLog.objects.filter(action="read", person_id=a.head_id, username="longhui_officer")
    assert reads.count() == 2
    assert {r.detail["purpose"] for r in reads} == {"page", "api"}
    assert {(r.object_type, r.object_id) for r in reads} == {("registry.person", str(a.head_id))}
    assert all(r.ip == "127.0.0.1" and r.organization_id for r in reads)


def test_out_of_scope_write_is_refused(persona):
    from jiuzhu.core.errors import DomainError
    from jiuzhu.registry.services import household_register

    with pytest.raises(DomainError) as exc:
        household_register(actor=persona("dongkou_officer"),
                           household={"region_code": "430524100200", "address": "x", "hukou_type": "rural"},
                           members=[member("赵四", "head", seq=41)])
    assert "不在您的管辖范围内" in exc.value.message
