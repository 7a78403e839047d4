"""API of the rules part: catalogue, a rule version with a Chinese error first, dry run, runs."""

import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.monitoring.tests.test_rules_sql import GOOD

pytestmark = pytest.mark.django_db


def test_rule_api(catalogue, client_for, media, django_capture_on_commit_callbacks):
    admin, officer = client_for("longhui_admin"), client_for("longhui_officer")
    listed = officer.get("/api/v1/monitoring/indicators?region=430524").json()
    assert len(listed) >= 16 and {i["indicator_class"] for i in listed} == {"active_discovery", "need", "dynamic",
                                                                           "policy"}
    body = {"region": "430524", "valid_from": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "rule": {**GOOD, "threshold": "很多"}}
    bad = admin.post("/api/v1/monitoring/indicators/med_oop_general/versions", body, content_type="application/json")
    assert bad.status_code == 400 and "阈值：应为数字" in bad.json()["message"]
    body["rule"]["threshold"] = 7000
    made = admin.post("/api/v1/monitoring/indicators/med_oop_general/versions", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["rule"]["threshold"] == 7000
    assert officer.post("/api/v1/monitoring/indicators/med_oop_general/versions", body,
                        content_type="application/json").status_code == 403
    dry = admin.post("/api/v1/monitoring/indicators/dry-run", {"region": "430524", "rule": GOOD},
                     content_type="application/json")
    assert dry.status_code == 200 and dry.json()["fired"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        started = officer.post("/api/v1/monitoring/runs", {"region": "430524",
                                                          "as_of": timezone.localdate().isoformat()},
                               content_type="application/json")
    assert started.status_code == 202
    runs = officer.get("/api/v1/monitoring/runs").json()
    assert [r["status"] for r in runs] == ["finished"]
    assert client_for("longhui_clerk").get("/api/v1/monitoring/runs").status_code == 403
