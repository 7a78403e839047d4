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


def test_the_demo_decisions_print_with_their_content_and_scan(world, register, persona, client_for):
    """The browser sweep's bug: a demo decision opened as an empty, page-less 45-byte PDF."""
    from jiuzhu.funds.fund_demo import populate

    register()
    populate()
    approver = client_for("shaoyang_approver")
    entries = FundEntry.objects.filter(kind="disbursement").select_related("household__head")
    assert entries.exists()
    for entry in entries:
        page = approver.get(f"/funds/safety-net/entries/{entry.pk}/decision/").content.decode()
        assert "托底救助基金支出决定文书" in page and entry.decision_ref in page, entry.pk
        assert f"{entry.amount:.2f} 元" in page and entry.household.head.name in page
        scan = approver.get(f"/funds/safety-net/entries/{entry.pk}/decision/scan/").content
        assert scan.startswith(b"%PDF-") and b"/Count 1" in scan and b"/MediaBox[0 0 595 842]" in scan
        assert entry.decision_ref.encode("utf-16-be").hex().encode() in scan and len(scan) > 1000
    far = entries.filter(household__region__path__startswith=persona("longhui_officer").region.path).first()
    outsider = client_for("dongkou_officer")  # another county's officer: the city's fund, not its case
    for url in (f"/funds/safety-net/entries/{far.pk}/decision/", f"/funds/safety-net/entries/{far.pk}/decision/scan/"):
        assert outsider.get(url).status_code == 404, url
