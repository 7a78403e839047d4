"""Each jurisdiction boundary, for pages and API: out of scope is 404, never a leak."""

import datetime as dt

import pytest

from conftest import VILLAGE_A2, VILLAGE_B, member
from jiuzhu.core.models import AuditLog


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


def test_city_analyst_sees_both_counties(households, client_for):
    a, _, b = households
    client = client_for("shaoyang_analyst")
    assert client.get(f"/api/v1/registry/persons/{a.head_id}").status_code == 200
    assert client.get(f"/api/v1/registry/persons/{b.head_id}").status_code == 200


def test_every_read_of_a_person_is_audited(households, client_for):
    a, _, _ = households
    client_for("longhui_officer").get(f"/registry/persons/{a.head_id}/")
    client_for("longhui_officer").get(f"/api/v1/registry/persons/{a.head_id}")
    reads = AuditLog.objects.filter(action="read", person_id=a.head_id, username="longhui_officer")
    assert reads.count() == 2
    assert {r.detail["purpose"] for r in reads} == {"page", "api"}
    assert all(r.ip == "127.0.0.1" and r.organization_id for r in reads)


def test_out_of_scope_write_is_refused(persona):
    from jiuzhu.core.errors import DomainError
    from jiuzhu.registry.services import household_register

    with pytest.raises(DomainError) as exc:
        household_register(actor=persona("dongkou_officer"),
                           household={"region_code": "430524100200", "address": "x", "hukou_type": "rural"},
                           members=[member("赵四", "head", seq=41)])
    assert "不在您的管辖范围内" in exc.value.message
