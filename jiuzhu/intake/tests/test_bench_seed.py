"""bench/intake_seed.py, the intake benchmark's set-based seed, at a tiny N: the rows have the shape the
benchmark describes and the API reads them (so the seed keeps working as the models grow)."""

import sys
from pathlib import Path

import pytest
from django.db.models import OuterRef, Subquery

from jiuzhu.core.models import Region
from jiuzhu.intake.models import OPEN_STATUSES, Application, ApplicationItem, Referral

pytestmark = pytest.mark.django_db
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))


@pytest.mark.owner_role  # the benchmark's seed makes tables of its own, as the owner it runs as
def test_the_seed_writes_applications_items_and_referrals_the_api_can_read(client_for, take_application):
    from intake_seed import seed_applications

    counts = seed_applications(500)
    assert counts["applications"] == Application.objects.count() == 500
    assert not Application.objects.exclude(region_path=Subquery(
        Region.objects.filter(pk=OuterRef("region_id")).values("path")[:1])).exists()
    assert Application.objects.filter(status__in=OPEN_STATUSES).count() == 10  # the newest 2 %
    assert set(Application.objects.values_list("status", flat=True)) >= {"completed", "not_accepted", "in_progress"}
    assert 500 < counts["items"] == ApplicationItem.objects.count() <= 1500
    assert counts["referrals"] == Referral.objects.count() > 0
    assert Referral.objects.filter(status__in=("sent", "accepted")).exists()
    # An item shown as referred has its open referral, and only referred items of open applications do.
    assert not ApplicationItem.objects.filter(status="referred").exclude(
        referrals__status__in=("sent", "accepted")).exists()
    assert not Referral.objects.filter(status__in=("sent", "accepted")).exclude(
        application_item__status="referred").exists()
    assert not Referral.objects.exclude(organization__department=models_department()).exists()
    # Applications taken afterwards get new ids and codes (the sequences were moved past the seeded ids).
    taken = take_application()
    assert taken.pk == 501 and len(taken.query_code) == 10
    client = client_for("longhui_officer")
    page = client.get("/api/v1/intake/applications?limit=5").json()
    assert page["results"][0]["id"] == taken.pk and len(page["results"]) == 5
    seeded = page["results"][1]
    assert seeded["query_code"].startswith("9") and len(seeded["applicant_id_number"]) == 18
    assert client.get("/api/v1/intake/applications?overdue=true").status_code == 200


def models_department():
    from django.db.models import OuterRef, Subquery

    return Subquery(ApplicationItem.objects.filter(pk=OuterRef("application_item_id")).values("department")[:1])


def test_the_migration_copies_every_applications_region_path(take_application):
    """intake 0005: applications taken before the copy existed get their region's path in one UPDATE; the
    scope filters on the copy, so an application without it would vanish from every list."""
    import importlib

    from django.apps import apps

    taken = take_application()
    assert taken.region_path == taken.region.path  # application_create copies it
    Application.objects.update(region_path="")
    importlib.import_module("jiuzhu.intake.migrations.0005_scope_path").copy_region_paths(apps, None)
    taken.refresh_from_db()
    assert taken.region_path == taken.region.path
