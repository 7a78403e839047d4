"""The review side of family search: the client's profile, matching runs writing candidates (once), a rejected
pair never coming back, confirm (identity established through rescue's service, the report found, the family
told, other candidates moot), and the review page's evidence, photos, privacy and audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.familysearch import review_services as svc
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import (
    CandidateStatus,
    ClientProfile,
    FacePhoto,
    FamilyNotification,
    MatchCandidate,
    ReportStatus,
)
from jiuzhu.rescue.events import RescueEvent
from jiuzhu.rescue.models import RescueCase

from .conftest import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "fast_faces")]
LI_ID = make_id_number("430524", dt.date(1958, 3, 9), 31)


def runs(subject) -> int:
    return Event.objects.filter(kind=FamilySearchEvent.MATCH_RUN, subject_id=str(subject.pk),
                                subject_type=subject._meta.label_lower).count()


def li_report(file_report, **extra):
    data = {"hukou_region": None, "features": "左眉有痣，灰色夹克", "id_number": LI_ID, "height_cm": 168}
    return file_report("dongkou_station", region_code="430525", **{**data, **extra})


def test_admission_ranks_the_client_once_and_a_rerun_writes_nothing(admit, file_report, persona, region):
    report = li_report(file_report, last_seen_region=region("430524"))
    decoy = file_report("dongkou_station", region_code="430525", name="王桂芝", sex="F", birth_year=1990)
    case = admit(name="", estimated_age=66, check_note="左眉有痣")
    found = MatchCandidate.objects.get(case=case, report=report)  # the handler ran after the admission
    assert found.status == CandidateStatus.PENDING and found.by_attributes and not found.by_face
    assert not MatchCandidate.objects.filter(report=decoy).exists()  # a woman born 1990: excluded by sex and age
    assert {e["evidence"] for e in found.explanation} >= {"name", "sex", "age", "place", "time", "features"}
    assert found.score == pytest.approx(sum(e["weight"] for e in found.explanation), abs=0.01)
    assert runs(case) == 1
    again = svc.match_case(case=case)
    assert (again.created, again.updated) == (0, 0) and runs(case) == 1  # nothing written, no event
    assert MatchCandidate.objects.filter(case=case).count() == 1
    # the profile: the client now gives a name; the same pair is updated, not duplicated
    before = found.score
    svc.profile_save(actor=persona("longhui_station"), case=case, stated_name="李长林", stated_home="湖南隆回县人",
                     height_cm="170", clothing="灰色夹克")
    found.refresh_from_db()
    assert found.score > before + 5 and MatchCandidate.objects.filter(case=case).count() == 1
    profile = ClientProfile.objects.get(case=case)
    assert profile.accent_region.code == "430524"  # cpca read the stated home
    assert profile.found_on == case.admitted_on and profile.found_region == case.station.region  # the defaults
    labels = [e["label"] for e in found.explanation]
    assert "姓名：姓名完全相同" in labels
    assert runs(case) == 2


def test_profile_rules(admit, persona):
    case = admit()
    actor = persona("longhui_station")
    with pytest.raises(DomainError, match="发现日期不能晚于入站日期"):
        svc.profile_save(actor=actor, case=case, found_on=case.admitted_on + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="身高应在"):
        svc.profile_save(actor=actor, case=case, height_cm=300)
    with pytest.raises(Http404):
        svc.profile_save(actor=persona("dongkou_station"), case=case, accent="河南口音")
    with pytest.raises(PermissionDenied):
        svc.profile_save(actor=persona("longhui_officer"), case=case, accent="河南口音")
    assert not ClientProfile.objects.exists()


def test_a_rejected_pair_never_comes_back(admit, file_report, persona):
    report = li_report(file_report)
    case = admit(name="李长林", estimated_age=67)
    candidate = MatchCandidate.objects.get(case=case, report=report)
    with pytest.raises(DomainError, match="请填写排除理由"):
        svc.candidate_reject(actor=persona("longhui_station"), candidate=candidate, reason=" ")
    svc.candidate_reject(actor=persona("longhui_station"), candidate=candidate, reason="家属看照片后确认不是")
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED and candidate.decided_by == persona("longhui_station")
    # both directions: the library is told the pair is excluded, nothing is written or proposed again
    assert svc.match_case(case=case).candidates == 0
    assert svc.match_report(report=report).candidates == 0
    assert svc.match_run(actor=persona("longhui_station"), case=case).created == 0
    assert MatchCandidate.objects.filter(case=case).count() == 1
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED
    assert Event.objects.filter(kind=FamilySearchEvent.MATCH_REJECTED, subject_id=str(candidate.pk)).exists()
    with pytest.raises(DomainError, match="已排除"):
        svc.candidate_reject(actor=persona("longhui_station"), candidate=candidate, reason="再次")


def test_a_new_report_is_ranked_against_current_and_past_clients(admit, file_report):
    case = admit(name="", estimated_age=66, check_note="左眉有痣")
    other = admit(name="", sex="F", estimated_age=30)
    report = li_report(file_report)
    assert not MatchCandidate.objects.filter(report=report).exists()  # the handler runs after the report's commit
    result = svc.match_report(report=report)
    assert result.created == 1
    assert MatchCandidate.objects.get(report=report).case == case
    assert not MatchCandidate.objects.filter(case=other).exists()
    assert svc.match_report(report=report).created == 0


def test_confirm_establishes_the_identity_finds_the_report_and_tells_the_family(admit, file_report, persona):
    report = li_report(file_report)
    second = file_report("dongkou_station", region_code="430525", name="李长林", birth_year=1957)
    case = admit(name="", estimated_age=66, check_note="左眉有痣")
    svc.profile_save(actor=persona("longhui_station"), case=case, stated_name="李长林")
    candidate = MatchCandidate.objects.get(case=case, report=report)
    moot = MatchCandidate.objects.get(case=case, report=second)
    with pytest.raises(PermissionDenied):
        svc.candidate_confirm(actor=persona("longhui_officer"), candidate=candidate)
    with pytest.raises(Http404):
        svc.candidate_confirm(actor=persona("dongkou_station"), candidate=candidate)
    svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate, note="家属电话核实，特征相符")
    candidate.refresh_from_db()
    case.refresh_from_db()
    report.refresh_from_db()
    moot.refresh_from_db()
    assert candidate.status == CandidateStatus.CONFIRMED and candidate.reason == "家属电话核实，特征相符"
    assert case.identity_confirmed and case.name == "李长林" and case.birth_date == dt.date(1958, 3, 9)
    assert report.status == ReportStatus.FOUND
    assert moot.status == CandidateStatus.SUPERSEDED
    note = FamilyNotification.objects.get(candidate=candidate)
    assert note.channel == "电话/短信" and note.phone_last4 == "1234" and "李梅" in note.text
    assert "13800001234" not in note.text and not note.delivered
    assert Event.objects.filter(kind=FamilySearchEvent.MATCH_CONFIRMED, subject_id=str(candidate.pk)).exists()
    assert Event.objects.filter(kind=RescueEvent.CLIENT_IDENTIFIED, subject_id=str(case.pk)).exists()
    with pytest.raises(DomainError, match="已确认，不能再次处理"):
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate)
    with pytest.raises(DomainError, match="不能再次处理"):  # moot: never a second identity for one client
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=moot, id_number=LI_ID)


def test_confirm_without_a_known_number_asks_for_one(admit, file_report, persona):
    report = li_report(file_report, id_number="")
    case = admit(name="李长林", estimated_age=67)
    candidate = MatchCandidate.objects.get(case=case, report=report)
    with pytest.raises(DomainError, match="请核实家属提供的户口簿或身份证件后填写"):
        svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING
    svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate, id_number=LI_ID)
    assert RescueCase.objects.get(pk=case.pk).identity_confirmed


def test_a_repeat_client_is_a_candidate_and_confirming_takes_the_earlier_identity(admit, persona):
    number = make_id_number("430524", dt.date(1961, 7, 1), 45)
    earlier = admit(name="王小明", id_number=number, estimated_age=None, check_note="右手缺一指")
    case = admit(name="王小明", estimated_age=64, check_note="右手缺一指")
    candidate = MatchCandidate.objects.get(case=case, other_case=earlier)
    assert candidate.explanation[0]["label"] == "姓名：姓名完全相同"
    assert not MatchCandidate.objects.filter(case=earlier).exists()  # only earlier records are repeat candidates
    svc.candidate_confirm(actor=persona("longhui_station"), candidate=candidate)
    case.refresh_from_db()
    assert case.identity_confirmed and case.birth_date == dt.date(1961, 7, 1)
    assert not FamilyNotification.objects.exists()  # no family contact on a rescue record


def test_face_candidates_are_merged_with_their_distance(admit, file_report):
    report = file_report("dongkou_station", region_code="430525", name="", sex="M", birth_year=None,
                         photo=photo_bytes("fr_biden.jpg"))
    case = admit(name="", estimated_age=70, photo=photo_bytes("fr_biden2.jpg"))
    candidate = MatchCandidate.objects.get(case=case, report=report)
    assert candidate.by_face and candidate.face_distance < 0.6
    assert candidate.score == pytest.approx(candidate.attribute_score + svc.face_weight(candidate.face_distance),
                                            abs=0.01)


def test_the_review_page_shows_why_audits_and_decides(client_for, admit, file_report, persona):
    report = li_report(file_report, photo=photo_bytes("fr_biden.jpg"))
    case = admit(name="", estimated_age=66, check_note="左眉有痣", photo=photo_bytes("fr_biden2.jpg"))
    candidate = MatchCandidate.objects.get(case=case, report=report)
    web = client_for("longhui_station")
    url = f"/familysearch/cases/{case.pk}/candidates/"
    page = web.get(url).content.decode()
    assert f"寻亲登记 #{report.pk}" in page and "性别：性别相同" in page and "比对依据" in page
    assert "人脸距离" in page and "李长林" in page and "1958" not in page  # the notice: age, not birth year
    assert "13800001234" not in page and "李梅" not in page and LI_ID not in page
    assert AuditLog.objects.filter(object_type="familysearch.missingreport", object_id=str(report.pk),
                                   action="read", detail__purpose="match_candidate").exists()
    assert AuditLog.objects.filter(object_type="rescue.rescuecase", object_id=str(case.pk), action="read",
                                   detail__purpose="match_review").exists()
    theirs = FacePhoto.objects.get(report=report)
    thumb = web.get(f"/familysearch/candidates/{candidate.pk}/photos/{theirs.pk}/")
    assert thumb.status_code == 200 and thumb["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(object_type="familysearch.facephoto", object_id=str(theirs.pk),
                                   detail__purpose="candidate_thumbnail").count() == 1
    stranger = client_for("dongkou_station")
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/familysearch/candidates/{candidate.pk}/photos/{theirs.pk}/").status_code == 404
    assert stranger.post(f"/familysearch/candidates/{candidate.pk}/confirm/").status_code == 404
    assert client_for("longhui_officer").post(f"/familysearch/candidates/{candidate.pk}/confirm/").status_code == 403
    assert client_for("longhui_officer").get(url).status_code == 403
    refused = web.post(f"/familysearch/candidates/{candidate.pk}/reject/", {"reason": ""})
    assert refused.status_code == 400 and "请填写排除理由" in refused.content.decode()
    done = web.post(f"/familysearch/candidates/{candidate.pk}/confirm/", {"note": "核实无误"})
    assert done.status_code == 302
    page = web.get(url).content.decode()
    assert "身份已查明" in page and "13800001234" in page and "李梅" in page  # the confirming station only
    assert "已记录通知家属" in page
    again = web.post(f"/familysearch/candidates/{candidate.pk}/confirm/", {"note": "再次"})
    assert again.status_code == 400 and "不能再次处理" in again.content.decode()
    # another station of the same region above (the regional centre) sees the notice, not the contact
    centre = client_for("shaoyang_regional").get(url)
    assert centre.status_code == 200 and "13800001234" not in centre.content.decode()


def test_the_profile_page_and_the_rematch_button(client_for, admit, file_report):
    report = li_report(file_report)
    case = admit(name="", sex="M", estimated_age=40)  # too young for a man born 1958: no candidate yet
    assert not MatchCandidate.objects.filter(case=case).exists()
    web = client_for("longhui_station")
    url = f"/familysearch/cases/{case.pk}/profile/"
    page = web.get(url).content.decode()
    assert "甄别信息" in page and case.admitted_on.isoformat() in page  # the found date defaults to the admission
    bad = web.post(url, {"height_cm": "abc", "found_on": case.admitted_on.isoformat()})
    assert bad.status_code == 400 and "身高应为整数" in bad.content.decode()
    ok = web.post(url, {"stated_name": "李长林", "stated_home": "湖南邵阳隆回人", "features": "左眉有痣",
                        "found_on": case.admitted_on.isoformat(), "found_region": "430524"})
    assert ok.status_code == 302 and ok["Location"].endswith(f"/familysearch/cases/{case.pk}/candidates/")
    assert ClientProfile.objects.get(case=case).stated_name == "李长林"
    # estimated age 40 still excludes a man born 1958; the rematch button answers and writes nothing
    response = web.post(f"/familysearch/cases/{case.pk}/candidates/rematch/")
    assert response.status_code == 302
    assert not MatchCandidate.objects.filter(case=case, report=report).exists()
    detail = web.get(f"/rescue/cases/{case.pk}/").content.decode()
    assert "寻亲比对候选（0 名待核实）" in detail and f"/familysearch/cases/{case.pk}/profile/" in detail


def test_a_face_candidate_outside_the_attribute_blocking_still_comes_without_attribute_score(admit, file_report):
    report = file_report("dongkou_station", region_code="430525", name="", sex="M", birth_year=1990,
                         photo=photo_bytes("fr_biden.jpg"))  # a misestimated age: 36 against 70
    case = admit(name="", estimated_age=70, photo=photo_bytes("fr_biden2.jpg"))
    candidate = MatchCandidate.objects.get(case=case, report=report)
    assert candidate.by_face and not candidate.by_attributes
    assert candidate.attribute_score is None and candidate.explanation == []
    assert candidate.score == svc.face_weight(candidate.face_distance)
    assert svc.match_case(case=case).created == 0


def test_earlier_records_are_blocked_in_sql_exactly_as_the_library_blocks_them(admit):
    """_earlier_block reads only the earlier records the library's blocking keeps (birth year from the birth date,
    else the admission year less the estimated age, or unknown): the same set, at the window's edges too."""
    from jiuzhu.familysearch.matching import ReportTable
    from jiuzhu.familysearch.matching.comparators import AGE_HI, AGE_LO
    from jiuzhu.familysearch.matching.records import read_client

    ages = [None, 60 - AGE_HI - 2, 60 - AGE_HI - 1, 60, 60 - AGE_LO + 1, 60 - AGE_LO + 2]
    for n, age in enumerate(ages):
        made = admit(name=f"李{'一二三四五六'[n]}", estimated_age=age or 30)
        if age is None:  # admission asks for an age; an older record may have none
            RescueCase.objects.filter(pk=made.pk).update(estimated_age=None)
    year = dt.date.today().year
    for born in (year - 60, year - 80):  # a birth date (from the ID number) outweighs an estimated age
        admit(name="李七", id_number=make_id_number("430524", dt.date(born, 3, 1), 45), estimated_age=30)
    case = admit(name="李四", estimated_age=60)
    client = svc.client_columns(svc._case_rows(RescueCase.objects.filter(pk=case.pk))[0])
    everyone = RescueCase.objects.filter(svc._earlier(case))
    table = ReportTable(svc._frame([svc.case_as_report(r) for r in svc._case_rows(everyone)]))
    library = {str(table.report_id[i]) for i in table.block(read_client(client))}
    sql = {f"c{r['pk']}" for r in svc._case_rows(svc._earlier_block(everyone, client))}
    assert sql == library
    assert len(sql) == 5  # unknown, the two ages at the edges inside, 60 itself, the birth date 60 years ago
