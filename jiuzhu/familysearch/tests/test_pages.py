"""The station's face page of a rescue record: enrol a photo, search, see the candidates as notices."""

import pytest

from jiuzhu.core.models import AuditLog
from jiuzhu.familysearch.models import FacePhoto, FaceSearchLog

from .conftest import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "fast_faces")]


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_enrol_search_and_see_the_candidate(client_for, admit, file_report):
    report = file_report("dongkou_station", region_code="430525", photo=photo_bytes("fr_biden.jpg"),
                         id_number="", features="戴眼镜")
    case = admit()
    web = client_for("longhui_station")
    url = f"/familysearch/cases/{case.pk}/faces/"
    page = web.get(url)
    assert page.status_code == 200 and "还没有采集照片" in page.content.decode()
    response = web.post(url + "enrol/", {"photo": upload("a.jpg", photo_bytes("fr_biden2.jpg"))})
    assert response.status_code == 302
    assert FacePhoto.objects.filter(case=case).count() == 1
    own = FacePhoto.objects.get(case=case)
    shown = web.get(f"/familysearch/cases/{case.pk}/faces/{own.pk}/")
    assert shown.status_code == 200 and shown.content == photo_bytes("fr_biden2.jpg")
    assert AuditLog.objects.filter(object_type="familysearch.facephoto", object_id=str(own.pk), action="read",
                                   detail__purpose="face_photo").count() == 1
    assert AuditLog.objects.filter(object_type="rescue.rescuecase", object_id=str(case.pk), action="read",
                                   detail__purpose="faces").count() >= 2  # the page and the photo, each audited
    assert client_for("dongkou_station").get(f"/familysearch/cases/{case.pk}/faces/{own.pk}/").status_code == 404
    response = web.post(url + "search/")
    assert response.status_code == 302
    log = FaceSearchLog.objects.get(case=case)
    page = web.get(url).content.decode()
    assert "必须人工核实" in page and "寻亲登记" in page and "戴眼镜" in page and "洞口县" in page
    assert f'{log.result[0]["distance"]:.2f}' in page
    assert "13800001234" not in page and "李梅" not in page  # the reporter's contact is never on the page
    thumb = web.get(f"/familysearch/searches/{log.pk}/photos/{log.result[0]['photo']}/")
    assert thumb.status_code == 200 and thumb["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(object_type="familysearch.missingreport", object_id=str(report.pk),
                                   action="read").exists()
    assert AuditLog.objects.filter(object_type="familysearch.facephoto", action="read",
                                   detail__purpose="face_thumbnail").count() == 1
    # a photo that is not a candidate of that search: 404, so photo numbers cannot be walked
    other = file_report("dongkou_station", region_code="430525", photo=photo_bytes("of_adams.jpg"))
    other_photo = FacePhoto.objects.get(report=other)
    assert web.get(f"/familysearch/searches/{log.pk}/photos/{other_photo.pk}/").status_code == 404
    # another county's station sees neither the record's page nor its search's photos
    stranger = client_for("dongkou_station")
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/familysearch/searches/{log.pk}/photos/{log.result[0]['photo']}/").status_code == 404


def test_a_faceless_photo_is_refused_on_the_page(client_for, admit, blank_jpeg):
    case = admit()
    web = client_for("longhui_station")
    response = web.post(f"/familysearch/cases/{case.pk}/faces/enrol/", {"photo": upload("a.jpg", blank_jpeg)})
    assert response.status_code == 400
    assert "照片中未检测到人脸，请上传正面清晰照片" in response.content.decode()
    assert not FacePhoto.objects.exists()
    response = web.post(f"/familysearch/cases/{case.pk}/faces/search/")
    assert response.status_code == 400 and "请先采集正面清晰照片" in response.content.decode()


def test_the_page_needs_the_capability(client_for, admit):
    case = admit()
    assert client_for("longhui_officer").get(f"/familysearch/cases/{case.pk}/faces/").status_code == 403


def test_the_rescue_record_links_to_its_face_page_for_those_who_may_open_it(client_for, admit, persona):
    from jiuzhu.core.links import related_links
    from jiuzhu.familysearch.related import RESCUE_CASE

    case = admit()
    page = client_for("longhui_station").get(f"/rescue/cases/{case.pk}/").content.decode()
    assert f'href="/familysearch/cases/{case.pk}/faces/"' in page and "人脸比对" in page
    assert ("人脸比对", f"/familysearch/cases/{case.pk}/faces/") not in related_links(
        persona("dongkou_station"), RESCUE_CASE, case)  # another county's station
    assert related_links(persona("longhui_officer"), RESCUE_CASE, case) == []  # no family-search capability
