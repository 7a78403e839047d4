"""政策找人: the set logic of each rule (who is found, who is not once the item is received), the tier in
force, scope, the audit of the persons shown and the Excel export."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import VILLAGE_B, member
from jiuzhu.core.models import AuditLog, Organization
from jiuzhu.intake import policy_finder as finder
from jiuzhu.intake.services import today
from jiuzhu.registry.models import AssistanceGrant, Household, Person, TierDecision

pytestmark = pytest.mark.django_db


def confirm(household, tier="dibao", *, valid_from=None, valid_to=None, status="confirmed"):
    return TierDecision.objects.create(household=household, assessed_on=today(), recommended_tier=tier, tier=tier,
                                       status=status, decided_at=timezone.now(),
                                       valid_from=valid_from or today() - dt.timedelta(days=30), valid_to=valid_to)


def grant(household, category, person=None, *, period_end=None, status="active"):
    org = Organization.objects.filter(region__code="430524", kind="civil_affairs").first()
    return AssistanceGrant.objects.create(household=household, person=person, category=category,
                                          monthly_amount=100, period_start=today() - dt.timedelta(days=10),
                                          period_end=period_end, granting_organization=org, status=status)


@pytest.fixture
def family(register):
    """A 低保 household: head 45, grandmother 75, a son with grade-1 disability, a daughter at primary school."""
    household = register(members=[
        member("张建国", "head", born=dt.date(1981, 3, 1), seq=21),
        member("王桂兰", "parent", born=dt.date(1951, 2, 2), seq=42),
        member("张小军", "child", born=dt.date(2005, 6, 6), seq=11, disability_type="intellectual",
               disability_grade=1),
        member("张小红", "child", born=dt.date(2016, 9, 9), seq=22, schooling="primary"),
    ])
    confirm(household)
    return household


def found(actor, **kwargs) -> set[tuple]:
    return {(h, p, item) for h, p, item, _region in finder.finder_rows(actor, on=today(), **kwargs)}


def person(name):
    return Person.objects.get(name=name).pk


def test_each_rule_finds_what_is_missing(family, persona):
    officer = persona("longhui_officer")
    assert found(officer) == {(family.pk, None, "medical"),
                              (family.pk, person("张小军"), "disability_allowance"),
                              (family.pk, person("张小红"), "education"),
                              (family.pk, person("王桂兰"), "elderly")}
    assert found(officer, item="education") == {(family.pk, person("张小红"), "education")}


def test_what_is_received_is_not_found(family, persona):
    officer = persona("longhui_officer")
    grant(family, "medical")
    grant(family, "service", Person.objects.get(name="张小军"))
    grant(family, "education")  # a household grant covers the student
    assert found(officer) == {(family.pk, person("王桂兰"), "elderly")}
    grant(family, "service", Person.objects.get(name="王桂兰"))
    assert found(officer) == set()


def test_ended_grants_do_not_count_as_received(family, persona):
    grant(family, "medical", period_end=today() - dt.timedelta(days=1))
    grant(family, "medical", status="ended")
    assert (family.pk, None, "medical") in found(persona("longhui_officer"))


def test_only_decisions_in_force(register, persona):
    officer = persona("longhui_officer")
    old = register(members=[member("李老汉", "head", born=dt.date(1950, 1, 1), seq=31)])
    confirm(old, valid_to=today() - dt.timedelta(days=1))
    later = register(members=[member("赵老汉", "head", born=dt.date(1950, 1, 1), seq=33)])
    confirm(later, valid_from=today() + dt.timedelta(days=5))
    pending = register(members=[member("钱老汉", "head", born=dt.date(1950, 1, 1), seq=35)])
    confirm(pending, status="recommended")
    assert found(officer) == set()


def test_near_dibao_opens_education_only(register, persona):
    household = register(members=[member("孙大姐", "head", born=dt.date(1950, 1, 1), seq=62),
                                  member("孙小明", "child", born=dt.date(2012, 1, 1), seq=13, schooling="junior")])
    confirm(household, tier="near_dibao")
    assert found(persona("longhui_officer")) == {(household.pk, person("孙小明"), "education")}


def test_scope(family, register, persona):
    other = register(username="dongkou_officer", village=VILLAGE_B,
                     members=[member("周老汉", "head", region="430525", born=dt.date(1950, 1, 1), seq=51)])
    confirm(other)
    assert {h for h, _p, _i in found(persona("longhui_officer"))} == {family.pk}
    assert {h for h, _p, _i in found(persona("dongkou_officer"))} == {other.pk}
    assert found(persona("longhui_window")) == found(persona("longhui_officer"))  # 桃洪镇 holds the family
    assert found(persona("longhui_clerk")) == set()  # a department sees no households
    with pytest.raises(PermissionDenied):
        finder.finder_rows(persona("longhui_analyst"), on=today())


def test_page_counts_audits_and_links(family, client_for, persona):
    client = client_for("longhui_officer")
    before = AuditLog.objects.filter(action="read", object_type="registry.person").count()
    response = client.get("/intake/policy-finder/")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="finder-count">4<' in html
    assert f'/registry/households/{family.pk}/' in html and "张小红" in html
    shown = AuditLog.objects.filter(action="read", object_type="registry.person").order_by("-pk")
    assert shown.count() - before == 4  # head (household line), grandmother, son, daughter
    assert set(shown[:4].values_list("person_id", flat=True)) == set(
        Household.objects.get(pk=family.pk).members.values_list("pk", flat=True))
    filtered = client.get("/intake/policy-finder/?item=elderly").content.decode()
    assert 'id="finder-count">1<' in filtered and "王桂兰" in filtered


def test_export(family, client_for):
    client = client_for("longhui_officer")
    response = client.get("/intake/policy-finder/export/?item=medical")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    export = AuditLog.objects.filter(action="export").latest("pk")
    assert export.detail["count"] == 1 and export.detail["object_type"] == "intake.policy_finder"
    assert list(export.detail["filters"]) == ["可享未享事项"]  # the auditor reads Chinese labels


def test_pages_refuse_without_capability(world, client_for):
    assert client_for("longhui_analyst").get("/intake/policy-finder/").status_code == 403
