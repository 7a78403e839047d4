"""The demo's payments: last month's roll approved with its return file (two failures), this month's prepared."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_funds_demo(world):
    from django.utils import timezone

    from jiuzhu.core.demo import demo_villages
    from jiuzhu.funds.demo import populate as populate_funds
    from jiuzhu.funds.models import LineStatus, PaymentLine, PaymentRoll, RollStatus
    from jiuzhu.registry.assessment import assess
    from jiuzhu.registry.demo import populate, seed_standards

    seed_standards(world["city"])
    populate(seed=3, persons=10_000, villages=demo_villages())
    assess(on=timezone.localdate(), region=world["city"])
    made = populate_funds()
    assert made["grants"] > 0 and made["rolls"] == 4
    approved = PaymentRoll.objects.filter(status=RollStatus.APPROVED)
    assert approved.count() == 2
    assert PaymentLine.objects.filter(roll__in=approved, status=LineStatus.FAILED).count() == 4
    assert PaymentRoll.objects.filter(status=RollStatus.TOWNSHIP).count() == 2
    assert populate_funds() == {"rolls": 0, "grants": 0}
