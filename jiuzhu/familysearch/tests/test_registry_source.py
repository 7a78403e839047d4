"""Low-income registry persons as candidates of an unidentified client: blocked in SQL by the name's sound keys,
sex and birth years (living persons only), ranked with the same evidence, shown with name, sex, age and county
only, audited per person; a rejected person never comes back; confirming takes the registry's identity and opens
an escorted return through the outbox; a run without an actor who may ask the registry reads none."""

import datetime as dt

import pytest
from django.apps import apps

from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number, name_sound_key
from jiuzhu.core.models import AuditLog, Region
from jiuzhu.familysearch import review_services as svc
from jiuzhu.familysearch.models import CandidateStatus, MatchCandidate
from jiuzhu.registry.models import Person
from jiuzhu.rescue.models import DischargeKind, DischargePlan, RescueCase

pytestmark = pytest.mark.django_db
LI_ID = make_id_number("430525", dt.date(1958, 3, 9), 31)


def person(name: str, sex: str, born: dt.date, code: str = "430525", **extra) -> Person:
    number = make_id_number(code, born, 17 + Person.objects.count() * 2)
    number = LI_ID if (name, born) == ("李长林", dt.date(1958, 3, 9)) else number
    return Person.objects.create(region=Region.objects.get(code=code), hukou_region=Region.objects.get(code=code),
                                 id_number_cipher=encrypt_text(number), id_number_hash=keyed_hash(number), name=name,
                                 name_sound_key=name_sound_key(name), sex=sex, birth_date=born, **extra)


@pytest.fixture
def li(world):
    return person("李长林", "M", dt.date(1958, 3, 9))


def test_registry_persons_are_blocked_and_ranked(li, admit):
    person("李长琳", "M", dt.date(1959, 5, 1))  # a sound-alike: also a candidate
    other_sex = person("李长林", "F", dt.date(1958, 1, 1))
    too_old = person("李长林", "M", dt.date(1920, 1, 1))
    dead = person("李长林", "M", dt.date(1957, 1, 1), death_date=dt.date(2020, 1, 1))
    case = admit(name="李长林", estimated_age=66)
    found = dict(MatchCandidate.objects.filter(case=case, registry_person__isnull=False)
                 .values_list("registry_person_id", "explanation"))
    assert li.pk in found and len(found) == 2
    assert {other_sex.pk, too_old.pk, dead.pk}.isdisjoint(found)
    assert found[li.pk][0]["label"] == "姓名：姓名完全相同"
    # the automatic run without an actor who may ask the registry reads none
    assert svc._registry_rows(svc.client_columns(svc._case_rows(RescueCase.objects.filter(pk=case.pk))[0]),
                              case, None) == []


def test_review_page_privacy_audit_reject_and_confirm(li, admit, client_for, persona,
                                                      django_capture_on_commit_callbacks):
    case = admit(name="李长林", estimated_age=66)
    candidate = MatchCandidate.objects.get(case=case, registry_person=li)
    page = client_for("longhui_station").get(f"/familysearch/cases/{case.pk}/candidates/").content.decode()
    assert "低收入人口库人员" in page and "洞口县" in page and LI_ID not in page and LI_ID[-4:] not in page
    assert AuditLog.objects.filter(person_id=li.pk, detail__purpose="match_candidate").exists()
    # a rejected registry person is never written again
    sound = person("李长琳", "M", dt.date(1959, 5, 1))
    svc.match_case(case=case, actor=persona("longhui_station"))
    alike = MatchCandidate.objects.get(case=case, registry_person=sound)
    svc.candidate_reject(actor=persona("longhui_station"), candidate=alike, reason="年龄、口音不符")
    svc.match_case(case=case, actor=persona("longhui_station"))
    assert MatchCandidate.objects.get(pk=alike.pk).status == CandidateStatus.REJECTED
    assert MatchCandidate.objects.filter(case=case, registry_person=sound).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate)
    case.refresh_from_db()
    assert case.identity_confirmed and case.id_number_hash == keyed_hash(LI_ID)
    plan = DischargePlan.objects.get(case=case)
    assert plan.kind == DischargeKind.ESCORTED_RETURN and plan.reason == "寻亲比对确认（低收入人口库），身份已查明"


def test_an_at_risk_person_comes_through_the_core_declared_source(admit, client_for, persona, world,
                                                                   django_capture_on_commit_callbacks):
    # follow-up is a sibling: its model by name, as core reaches it (no import across the layers)
    at_risk = apps.get_model("followup", "AtRiskPerson")
    number = make_id_number("430525", dt.date(1961, 7, 1), 45)
    village = Region.objects.filter(code__startswith="430525").order_by("-code").first()
    listed = at_risk.objects.create(
        region=village, region_path=village.path, name="王小明", sex="M",
        id_number_cipher=encrypt_text(number), id_number_hash=keyed_hash(number), conditions=[],
        guardian="王大明 13900001111", address="某村某组 8 号", source="village", status="listed")
    at_risk.objects.create(region=village, region_path="", name="王小明", sex="M", source="village",
                           status="suggested")  # not listed: never a candidate
    case = admit(name="王小明", estimated_age=64)
    candidate = MatchCandidate.objects.get(case=case, source="followup.at_risk")
    assert candidate.source_id == listed.pk and candidate.explanation[0]["label"] == "姓名：姓名完全相同"
    page = client_for("longhui_station").get(f"/familysearch/cases/{case.pk}/candidates/").content.decode()
    assert "易流浪走失人员信息库人员" in page and "洞口县" in page
    assert number not in page and "13900001111" not in page and "某村某组" not in page
    assert AuditLog.objects.filter(object_type="followup.atriskperson", object_id=str(listed.pk),
                                   detail__purpose="match_candidate").exists()
    with django_capture_on_commit_callbacks(execute=True):
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate)
    case.refresh_from_db()
    assert case.identity_confirmed and case.id_number_hash == keyed_hash(number)
    assert DischargePlan.objects.get(case=case).reason == "寻亲比对确认（易流浪走失人员信息库），身份已查明"
