"""Registry and at-risk persons as candidates follow the registry's rule for other departments: proposed only on
strong evidence (whole name, agreeing sex and age; at most 3), shown only to users who may ask the registry,
each person shown counted once a day against the user's disclosure cap, the rest withheld; a changed stated name
withdraws the old persons and counts the new ones (no bypass)."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.core.permissions import Capability
from jiuzhu.familysearch import review_services as svc
from jiuzhu.familysearch.models import MatchCandidate
from jiuzhu.familysearch.tests.test_registry_source import person
from jiuzhu.rescue.models import RescueCase

WEIGHTS = json.loads((Path(svc.__file__).parent / "matching" / "weights.json").read_text())["weights"]
PAGE = "/familysearch/cases/{}/candidates/"


def persons_of(case) -> set[int]:
    return set(MatchCandidate.objects.filter(case=case, registry_person__isnull=False)
               .values_list("registry_person_id", flat=True))


def test_the_threshold_separates_a_whole_name_from_a_partial_one():
    def weigh(name, sex, age):
        return WEIGHTS["name"][name] + WEIGHTS["sex"][sex] + WEIGHTS["age"][age]
    assert weigh("sound", "same", "close") >= svc.PERSON_MIN_IDENTITY_SCORE
    for weak in (("given_exact", "same", "exact"), ("surname", "same", "exact"), ("exact", "same", "near"),
                 ("exact", "same", "unknown"), ("exact", "unknown", "close")):
        assert weigh(*weak) < svc.PERSON_MIN_IDENTITY_SCORE, weak


@pytest.mark.django_db
def test_only_strong_evidence_proposes_a_person_and_at_most_three(world, admit, persona):
    li = person("李长林", "M", dt.date(1958, 3, 9))
    surname_only = admit(name="老李", estimated_age=66)
    client = svc.client_columns(svc._case_rows(RescueCase.objects.filter(pk=surname_only.pk))[0])
    assert svc._registry_rows(client, surname_only, persona("longhui_station"))  # read, ranked, not proposed
    assert persons_of(surname_only) == set()
    alike = [person(n, "M", dt.date(1958 + i, 1, 1)) for i, n in enumerate(("李长琳", "李长霖", "黎长林"))]
    case = admit(name="李长林", estimated_age=66)  # four persons read the same: the three best are proposed
    found = persons_of(case)
    assert len(found) == 3 and li.pk in found and found < {li.pk, *(p.pk for p in alike)}


@pytest.fixture
def li_case(world, admit):
    li = person("李长林", "M", dt.date(1958, 3, 9))
    return li, admit(name="李长林", estimated_age=66)


@pytest.mark.django_db
def test_without_lookup_registry_the_person_is_not_shown_nor_confirmed(li_case, client_for, persona):
    li, case = li_case
    Group.objects.get(name="station_worker").permissions.remove(
        Permission.objects.get(codename=Capability.LOOKUP_REGISTRY))
    page = client_for("longhui_station").get(PAGE.format(case.pk)).content.decode()
    assert "李长林" not in page.split("</h1>", 1)[1].split("重新比对", 1)[1]  # the client's own name is in the heading
    assert "低收入人口库人员" not in page
    assert not AuditLog.objects.filter(action=AuditAction.DISCLOSURE).exists()
    candidate = MatchCandidate.objects.get(case=case, registry_person=li)
    with pytest.raises(Exception, match="查询受助人员是否在低收入人口库"):
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate)


@pytest.mark.django_db
def test_past_the_cap_persons_are_withheld(li_case, client_for, persona, settings):
    li, case = li_case
    sound = person("李长琳", "M", dt.date(1959, 5, 1))
    svc.match_case(case=case, actor=persona("longhui_station"))
    assert persons_of(case) == {li.pk, sound.pk}
    settings.DISCLOSURE_DAILY_LIMIT = 1
    page = client_for("longhui_station").get(PAGE.format(case.pk)).content.decode()
    assert page.count("低收入人口库人员") == 1 and "另有 1 名" in page and "明日可查看" in page
    assert AuditLog.objects.filter(action=AuditAction.DISCLOSURE_LIMIT).count() == 1
    # the withheld person cannot be confirmed by posting the candidate's number
    li_row = MatchCandidate.objects.get(case=case, registry_person=li)
    withheld = MatchCandidate.objects.get(case=case, registry_person=sound if f"candidate-{li_row.pk}" in page else li)
    with pytest.raises(Exception, match="今日未向您显示"):
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=withheld)


@pytest.mark.django_db
def test_each_person_counts_once_a_day_and_a_new_name_does_not_bypass(li_case, client_for, persona, settings):
    _li, case = li_case
    settings.DISCLOSURE_DAILY_LIMIT = 1
    browser = client_for("longhui_station")
    for _ in range(2):
        assert "低收入人口库人员" in browser.get(PAGE.format(case.pk)).content.decode()
    assert AuditLog.objects.filter(action=AuditAction.DISCLOSURE).count() == 1
    # the worker types another name and re-runs: the old person is withdrawn, the new one is past the cap
    wang = person("王秀英", "M", dt.date(1958, 6, 1))
    RescueCase.objects.filter(pk=case.pk).update(name="王秀英")
    svc.match_run(actor=persona("longhui_station"), case=case)
    assert persons_of(case) == {wang.pk}
    page = browser.get(PAGE.format(case.pk)).content.decode()
    assert "低收入人口库人员" not in page and "另有 1 名" in page and "洞口县" not in page
    assert AuditLog.objects.filter(action=AuditAction.DISCLOSURE).count() == 1
    # back to the first name: a new candidate row, the same person, already counted today
    RescueCase.objects.filter(pk=case.pk).update(name="李长林")
    svc.match_run(actor=persona("longhui_station"), case=case)
    page = browser.get(PAGE.format(case.pk)).content.decode()
    assert "低收入人口库人员" in page and "另有" not in page
