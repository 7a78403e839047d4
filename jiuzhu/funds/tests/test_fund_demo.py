"""The demo's fund and services build through the services, once."""

import pytest

from jiuzhu.funds.fund_models import EntryStatus, Fund, FundEntry
from jiuzhu.funds.purchase_models import RecordStatus, ServiceRecord

pytestmark = pytest.mark.django_db


def test_the_demo_builds_once(world, register):
    from jiuzhu.funds.fund_demo import populate

    register()  # a household of 隆回县's window township
    made = populate()
    assert made["funds"] == 2 and Fund.objects.count() == 2
    assert FundEntry.objects.filter(kind="disbursement", status=EntryStatus.BOOKED).exists()
    assert ServiceRecord.objects.filter(status=RecordStatus.PENDING).exists() or made["records"] <= 1
    assert populate() == {"funds": 0, "entries": 0, "records": 0}
