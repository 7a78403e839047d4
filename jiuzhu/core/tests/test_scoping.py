"""The one jurisdiction rule (core/scoping.py) on core's own tables: every branch of scope_q, so that no
later app inherits a hole. Out of scope is nothing (lists) or 404 (one record)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from jiuzhu.core.models import Organization, User
from jiuzhu.core.scoping import get_scoped_or_404, scope_q, scoped

COUNTY_A_PATH = "/430000/430500/430524/"


def test_no_user_an_anonymous_or_an_inactive_user_sees_nothing(persona):
    orgs = Organization.objects.all()
    assert not scoped(orgs, None).exists()
    assert not scoped(orgs, AnonymousUser()).exists()
    officer = persona("longhui_officer")
    officer.is_active = False
    assert not scoped(orgs, officer).exists()


def test_a_user_sees_their_region_subtree_only(persona):
    seen = scoped(Organization.objects.all(), persona("longhui_officer"))
    assert seen.exists() and all(o.region.path.startswith(COUNTY_A_PATH) for o in seen.select_related("region"))
    assert seen.count() == Organization.objects.filter(region__path__startswith=COUNTY_A_PATH).count()
    officer = persona("longhui_officer")
    officer.region = None
    assert not scoped(Organization.objects.all(), officer).exists()


def test_a_superuser_sees_everything(persona):
    admin = persona("longhui_admin")
    admin.is_superuser = True
    assert scope_q(admin) is None
    assert scoped(Organization.objects.all(), admin).count() == Organization.objects.count()


def test_a_department_clerk_sees_only_what_was_sent_to_the_department(persona):
    clerk = persona("longhui_clerk")
    orgs = Organization.objects.all()
    assert not scoped(orgs, clerk).exists()  # no department field: nothing, whatever the region
    # With a department field (a referral's receiving organisation), exactly the clerk's own organisation.
    assert list(scoped(orgs, clerk, department_field="pk")) == [clerk.organization]
    clerk.organization = None
    clerk.organization_id = None
    assert not scoped(orgs, clerk, department_field="pk").exists()


def test_an_owning_organisation_narrows_to_the_users_own_and_child_organisations(persona):
    """Stations, windows: records of the user's organisation or one directly below it, inside the region."""
    worker = persona("longhui_station")
    users = scoped(User.objects.all(), worker, organization_field="organization")
    assert set(users.values_list("organization_id", flat=True)) == {worker.organization_id}
    city = persona("shaoyang_regional")  # the city's regional centre: its own staff and the county stations'
    seen = set(scoped(User.objects.all(), city, organization_field="organization")
               .values_list("organization__name", flat=True))
    assert seen == {"邵阳市救助管理站", "隆回县救助管理站", "洞口县救助管理站"}
    worker.organization = None
    assert not scoped(User.objects.all(), worker, organization_field="organization").exists()


def test_without_a_region_field_only_the_organisation_rule_applies(persona):
    worker = persona("longhui_station")
    users = scoped(User.objects.all(), worker, region_field=None, organization_field="organization")
    assert set(users.values_list("organization_id", flat=True)) == {worker.organization_id}


def test_out_of_scope_is_404_in_chinese(persona):
    other = Organization.objects.get(name="洞口县民政局")
    with pytest.raises(Http404) as exc:
        get_scoped_or_404(Organization.objects.all(), persona("longhui_officer"), pk=other.pk)
    assert str(exc.value) == "记录不存在或不在您的管辖范围内"
    assert get_scoped_or_404(Organization.objects.all(), persona("dongkou_officer"), pk=other.pk) == other


def test_a_copied_region_path_on_the_record_scopes_like_the_region_itself(persona):
    """region_path_field: the record's own copy of its region's path (a Region's own path here) is what is
    filtered, the subtree exactly; a department clerk still sees nothing without a department field."""
    from jiuzhu.core.models import Region

    seen = scoped(Region.objects.all(), persona("longhui_officer"), region_path_field="path")
    assert set(seen) == set(Region.objects.filter(path__startswith=COUNTY_A_PATH))
    assert not seen.filter(code="430525").exists()
    assert not scoped(Region.objects.all(), persona("longhui_clerk"), region_path_field="path").exists()
