"""The demo's intake work: every step made through intake's services, and re-running adds nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import member
from jiuzhu.core.models import Event
from jiuzhu.intake.demo import PLANS, populate
from jiuzhu.intake.models import (
    Application,
    ApplicationStatus,
    AssistFirst,
    HotlineCall,
    ItemStatus,
    Referral,
    ReferralStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def heads(register):
    """Heads of households in each demo window's township (桃洪镇 of 隆回县, 洞口镇 of 洞口县)."""
    for county, village, username in [("430524", "430524100200", "longhui_officer"),
                                       ("430525", "430525100200", "dongkou_officer")]:
        for n in range(len(PLANS) + 3):
            register(username=username, village=village,
                     members=[member(f"户主{n}", "head", region=county, born=dt.date(1960, 1, 1 + n), seq=40 + n)])


def test_demo_makes_work_at_every_step_and_runs_once(heads):
    made = populate()
    assert made == {"applications": 2 * (len(PLANS) + 2), "calls": 6}
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {ApplicationStatus.SUBMITTED, ApplicationStatus.MATERIALS_PENDING, ApplicationStatus.IN_PROGRESS,
            ApplicationStatus.COMPLETED} <= statuses
    assert set(Referral.objects.values_list("status", flat=True)) == {
        ReferralStatus.SENT, ReferralStatus.RETURNED, ReferralStatus.COMPLETED}
    assert Application.objects.filter(due_date__lt=timezone.localdate()).exists()  # overdue work on the lists
    assert AssistFirst.objects.filter(completed_at__isnull=True).count() == 2
    assert HotlineCall.objects.filter(complaint_status="open").count() == 2
    assert Application.objects.filter(items__status=ItemStatus.PROPOSED).exists()
    assert Application.objects.exclude(household__isnull=True).count() == Application.objects.count()
    events = Event.objects.filter(kind__startswith="intake.").count()
    assert populate() == {"applications": 0, "calls": 0}
    assert Application.objects.count() == 2 * (len(PLANS) + 2)
    assert Event.objects.filter(kind__startswith="intake.").count() == events
