"""The auditors' search: its jurisdiction (by the acting user's region or organisation) and every filter."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jiuzhu.core.models import AuditLog, Organization
from jiuzhu.core.selectors import audit_search


@pytest.fixture
def rows(persona):
    officer = persona("longhui_officer")
    dongkou = persona("dongkou_officer")
    org_a = Organization.objects.get(name="隆回县民政局")
    now = timezone.now()
    made = {
        "by_org": AuditLog.objects.create(action="read", organization=org_a, username="svc", person_id=1,
                                          object_type="registry.person"),
        "by_actor": AuditLog.objects.create(action="update", actor=officer, username="longhui_officer",
                                            person_id=2, object_type="registry.household"),
        "old": AuditLog.objects.create(action="read", actor=officer, username="longhui_officer", person_id=3,
                                       object_type="registry.person", at=now - dt.timedelta(days=10)),
        "other_county": AuditLog.objects.create(action="read", actor=dongkou, organization=dongkou.organization,
                                                username="dongkou_officer", person_id=1),
    }
    return made


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_auditors_see_rows_of_their_jurisdiction_by_organisation_or_by_actor(rows, persona):
    seen = _ids(audit_search(actor=persona("longhui_auditor")))
    assert {rows["by_org"].pk, rows["by_actor"].pk, rows["old"].pk} <= seen
    assert rows["other_county"].pk not in seen
    assert rows["by_org"].pk not in _ids(audit_search(actor=persona("dongkou_auditor")))
    with pytest.raises(PermissionDenied):
        audit_search(actor=persona("longhui_admin"))


def test_each_filter_narrows_exactly(rows, persona):
    auditor = persona("longhui_auditor")
    today = timezone.localdate()
    assert _ids(audit_search(actor=auditor, username="longhui_officer")) == {rows["by_actor"].pk, rows["old"].pk}
    assert _ids(audit_search(actor=auditor, object_type="registry.household")) == {rows["by_actor"].pk}
    assert _ids(audit_search(actor=auditor, person_id=3)) == {rows["old"].pk}
    assert _ids(audit_search(actor=auditor, action="update")) == {rows["by_actor"].pk}
    assert rows["old"].pk not in _ids(audit_search(actor=auditor, date_from=today - dt.timedelta(days=1)))
    assert _ids(audit_search(actor=auditor, date_to=today - dt.timedelta(days=5))) == {rows["old"].pk}


def test_regions_in_scope_by_jurisdiction_level_and_parent(persona):
    from jiuzhu.core.selectors import regions_in_scope

    officer = persona("longhui_officer")
    townships = regions_in_scope(actor=officer, level="township")
    assert townships.exists() and all(r.code.startswith("430524") and r.level == "township" for r in townships)
    children = regions_in_scope(actor=officer, parent_code="430524")
    assert set(children.values_list("level", flat=True)) == {"township"}
    assert not regions_in_scope(actor=officer, parent_code="430525").exists()  # another county's children
    officer.region = None
    assert not regions_in_scope(actor=officer).exists()
    officer.is_superuser = True
    assert regions_in_scope(actor=officer, level="county").filter(code="110101").exists()
