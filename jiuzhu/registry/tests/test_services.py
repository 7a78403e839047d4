import datetime as dt
import io

import pytest
from django.db import connection
from openpyxl import load_workbook

from conftest import member
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Event
from jiuzhu.registry import selectors
from jiuzhu.registry.models import HouseholdMembership, Person


def test_id_number_is_encrypted_at_rest_with_a_keyed_hash_for_lookup(register):
    household = register()
    number = make_id_number("430524", dt.date(1970, 5, 17), 21)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_cipher, id_number_hash FROM registry_person WHERE id = %s",
                       [household.head_id])
        cipher, digest = cursor.fetchone()
    assert number not in cipher and number[:6] not in cipher
    assert digest == keyed_hash(number)
    assert Person.objects.get(id_number_hash=keyed_hash(number)).id_number == number


def test_masked_unless_the_role_may_see_it(register, client_for):
    household = register()
    head = Person.objects.get(pk=household.head_id)
    number = head.id_number
    officer = client_for("longhui_officer").get(f"/registry/persons/{household.head_id}/").content.decode()
    assert number in officer and "1970-05-17" in officer
    # Analysts work with aggregates only: no person's record at all (ROLES.md).
    assert client_for("longhui_analyst").get(f"/registry/persons/{household.head_id}/").status_code == 403
    assert client_for("shaoyang_analyst").get(f"/api/v1/registry/persons/{household.head_id}").status_code == 403


def test_a_masked_number_is_never_shown_beside_the_birth_date(register, client_for, without_full_id):
    """The mask hides exactly the eight birth-date digits: whoever sees the mask sees the age instead,
    in the person page, the household page, the list, the API and the export."""
    household = register()
    number = Person.objects.get(pk=household.head_id).id_number
    masked = f"{number[:6]}********{number[-4:]}"
    age = f"{selectors.age_on(dt.date(1970, 5, 17), dt.date.today())}岁"
    client = client_for("longhui_officer")
    for url in (f"/registry/persons/{household.head_id}/", f"/registry/households/{household.pk}/",
                "/registry/persons/"):
        page = client.get(url).content.decode()
        assert masked in page and number not in page, url
        assert "1970-05-17" not in page and "19700517" not in page and age in page, url
    api = client.get(f"/api/v1/registry/persons/{household.head_id}").json()
    assert api["id_number"] == masked and api["birth_date"] is None and api["age"] == int(age[:-1])
    for shown in client.get(f"/api/v1/registry/households/{household.pk}").json()["members"]:
        assert shown["birth_date"] is None
    export = client.get("/registry/persons/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.values)
    assert "出生日期" not in rows[0] and "年龄" in rows[0]
    assert rows[1][1] == masked and age in rows[1]


def test_the_same_person_cannot_be_registered_in_two_households(register):
    register()
    with pytest.raises(DomainError) as exc:
        register(members=[member("张建国", "head")])
    assert "同一人不能在两户或两地登记" in exc.value.message


def test_household_needs_exactly_one_head(register):
    with pytest.raises(DomainError) as exc:
        register(members=[member("张建国", "spouse")])
    assert "没有户主" in exc.value.message
    assert not Person.objects.exists()


def test_moving_a_member_keeps_history_and_both_chains(register, persona):
    from jiuzhu.registry.services import person_move

    a = register(members=[member("张建国", "head"), member("张小军", "child", seq=33)])
    b = register(members=[member("李春花", "head", seq=44)])
    son = Person.objects.get(name="张小军")
    person_move(actor=persona("longhui_officer"), person=son, to_household=b, relation="other")
    son.refresh_from_db()
    assert son.household_id == b.pk
    history = list(HouseholdMembership.objects.filter(person=son).order_by("joined_at"))
    assert history[0].household_id == a.pk and history[0].left_at is not None
    assert history[1].household_id == b.pk and history[1].left_at is None
    assert Event.objects.filter(kind="registry.person_moved", household_id=a.pk).exists()
    assert Event.objects.filter(kind="registry.person_moved", household_id=b.pk).exists()


def test_duplicate_person_in_another_county_is_reported_without_its_details(register, persona):
    from conftest import VILLAGE_B
    from jiuzhu.registry.services import household_register

    a = register()
    with pytest.raises(DomainError) as exc:
        household_register(actor=persona("dongkou_officer"),
                           household={"region_code": VILLAGE_B, "address": "洞口镇1组", "hukou_type": "rural"},
                           members=[member("张建国", "head")])
    assert "管辖范围以外" in exc.value.message
    assert str(a.pk) not in exc.value.message and "隆回" not in exc.value.message
