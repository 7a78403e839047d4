"""The face-use ledger page (人脸比对使用台账) and the portal's family-search links. Ledger rows are written
directly (no face model): the page reads FaceSearchLog, it does not search."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiuzhu.core.models import AuditLog
from jiuzhu.familysearch.models import FaceSearchLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def logs(admit, persona, region):
    """A manual search of a 隆回 client, and a public photo search shown in 洞口 (another station's row)."""
    worker, case = persona("longhui_station"), admit()
    own = FaceSearchLog.objects.create(
        day=timezone.localdate(), case=case, operator=worker, organization=worker.organization,
        region=case.station.region, purpose="人工比对", photos=1, candidates=2, best_distance=0.41,
        result=[{"kind": "case", "id": 1, "distance": 0.41}, {"kind": "report", "id": 2, "distance": 0.5}])
    dongkou = persona("dongkou_station").organization
    public = FaceSearchLog.objects.create(
        day=timezone.localdate() - dt.timedelta(days=3), organization=dongkou, region=region("430525"),
        purpose="网上以图寻亲", photos=1, candidates=1, best_distance=0.38, client_hash="h" * 16,
        result=[{"kind": "case", "id": 9, "distance": 0.38, "notice": "X1"}])
    return case, own, public


def test_the_ledger_shows_the_scope_and_links_the_case(logs, client_for):
    case = logs[0]
    html = client_for("longhui_station").get("/familysearch/ledger/").content.decode()
    assert f"救助记录 {case.number}" in html and f"/familysearch/cases/{case.pk}/faces/" in html
    assert "候选：救助记录 1 条、寻亲登记 1 条" in html
    assert "显示寻亲公告 1 份" not in html and "公众（网上）" not in html  # 洞口's row: out of 隆回's scope
    regional = client_for("shaoyang_regional")
    html = regional.get("/familysearch/ledger/").content.decode()
    assert "显示寻亲公告 1 份" in html and "公众（网上）" in html and case.number in html
    filtered = regional.get("/familysearch/ledger/", {"purpose": "网上以图寻亲"}).content.decode()
    assert case.number not in filtered and "显示寻亲公告 1 份" in filtered
    today = timezone.localdate().isoformat()
    dated = regional.get("/familysearch/ledger/", {"day_from": today, "day_to": "不是日期"}).content.decode()
    assert case.number in dated and "显示寻亲公告 1 份" not in dated


def test_the_ledger_needs_the_family_search_capability(world, client_for):
    officer = client_for("longhui_officer")
    assert officer.get("/familysearch/ledger/").status_code == 403
    assert officer.get("/familysearch/ledger/export/").status_code == 403


def test_the_export_is_audited_with_its_filters(logs, client_for, persona):  # 1 row: 洞口's is out of scope
    response = client_for("longhui_station").get("/familysearch/ledger/export/", {"purpose": "人工比对"})
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    row = AuditLog.objects.filter(action="export", actor=persona("longhui_station")).latest("pk")
    assert row.detail["object_type"] == "familysearch.facesearchlog" and row.detail["count"] == 1
    assert row.detail["filters"] == {"比对事由": "人工比对"}  # the auditor reads the form's own labels


def test_the_portal_links_the_family_search_forms(world):
    anonymous = Client()
    listing = anonymous.get("/xunqin/").content.decode()
    home = anonymous.get("/portal/").content.decode()
    for url in (reverse("xunqin_forms:report_start"), reverse("xunqin_forms:photo_search"),
                reverse("xunqin_push:subscribe")):
        assert f'href="{url}"' in listing
    for path in ("/xunqin/report/", "/xunqin/photo/"):  # intake links by path (a lower layer): they still resolve
        assert f'href="{path}"' in home and anonymous.get(path).status_code == 200
