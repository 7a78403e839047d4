"""The demo's fund and services build through the services, once: one fund, the city's (邵阳市), fed by the city's
officer, paying its counties' cases proposed by the county's officer and approved by the city's approver."""

import pytest

from jiuzhu.funds.fund_models import EntryStatus, Fund, FundEntry
from jiuzhu.funds.purchase_models import RecordStatus, ServiceRecord

pytestmark = pytest.mark.django_db


def test_the_demo_builds_the_city_fund_once(world, register):
    from jiuzhu.funds.fund_demo import populate

    register()  # a household of 隆回县's window township
    made = populate()
    fund = Fund.objects.select_related("region").get()
    assert made["funds"] == 1 and fund.region.name == "邵阳市" and fund.region.code == "430500"
    entries = FundEntry.objects.filter(fund=fund)
    assert set(entries.filter(kind="contribution").values_list("recorded_by__username", flat=True)) == {
        "shaoyang_officer"}
    out = entries.filter(kind="disbursement").select_related("household__region", "recorded_by__region")
    assert out.exists()
    for entry in out:  # proposed by the officer of the household's own county
        assert entry.recorded_by.username.endswith("_officer") and entry.recorded_by.region.level == "county"
        assert entry.household.region.path.startswith(entry.recorded_by.region.path)
    assert set(out.filter(status=EntryStatus.BOOKED).values_list("decided_by__username", flat=True)) == {
        "shaoyang_approver"}
    assert ServiceRecord.objects.filter(status=RecordStatus.PENDING).exists() or made["records"] <= 1
    assert populate() == {"funds": 0, "entries": 0, "records": 0}
