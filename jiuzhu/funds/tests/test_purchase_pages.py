"""Purchase of services' pages: forms with labels, contract and record exports, township confirmation, work list,
scope (404), capability (403), audit of persons shown."""

import io

import pytest
from openpyxl import load_workbook

from jiuzhu.core.models import AuditLog
from jiuzhu.core.worklist import work_items
from jiuzhu.funds.purchase_models import Contract, RecordStatus, ServiceRecord
from jiuzhu.funds.tests.conftest import USCC

pytestmark = pytest.mark.django_db


def _xlsx(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(data)).worksheets[0].values)


def test_the_officer_registers_a_provider_and_a_contract(world, client_for):
    officer = client_for("longhui_officer")
    r = officer.post("/funds/services/providers/", {"p-name": "阳光社工", "p-uscc": "91110000600037341X",
                                                    "p-kind": "social_org"})
    assert r.status_code == 400 and "统一社会信用代码校验位不正确" in r.content.decode()
    assert '<label for="id_p-uscc">统一社会信用代码</label>' in r.content.decode()
    officer.post("/funds/services/providers/", {"p-name": "阳光社工", "p-uscc": USCC, "p-kind": "social_org"})
    page = officer.get("/funds/services/new/").content.decode()
    provider_id = page.split('<option value="')[2].split('"')[0]
    r = officer.post("/funds/services/new/", {
        "k-provider": provider_id, "k-title": "社会救助服务", "k-number": "LH-1", "k-method": "consultation",
        "k-budget": "100000", "k-start_on": "2026-01-01", "k-end_on": "2026-12-31", "k-items": ["care", "screening"],
        "k-indicators": "服务质量，60\n服务数量，40", "k-satisfaction_weight": "20",
        "k-milestones": "首期，40000\n尾款，60000"})
    assert r.status_code == 302, r.content.decode()[-3000:]
    contract = Contract.objects.get()
    assert contract.milestones.count() == 2 and contract.indicators.count() == 2
    assert "社会救助服务" in officer.get(f"/funds/services/{contract.pk}/print/").content.decode()
    rows = _xlsx(officer.get("/funds/services/export/"))
    assert rows[1][0] == "LH-1" and rows[1][4] == USCC


def test_the_township_confirms_from_its_work_list(contract, staff, person, client_for, persona):
    officer = client_for("longhui_officer")
    r = officer.post(f"/funds/services/{contract.pk}/records/new/", {
        "r-id_number": person.id_number, "r-item": "care", "r-served_on": "2026-03-02", "r-hours": "2",
        "r-staff": str(staff.pk), "r-note": "上门照料"})
    assert r.status_code == 302, r.content.decode()[-3000:]
    record = ServiceRecord.objects.get()
    window = persona("longhui_window")
    line = next(wi for wi in work_items(window) if wi.label == "购买服务：待确认的服务记录")
    assert line.count == 1
    town = client_for("longhui_window")
    page = town.get(line.url).content.decode()
    assert person.name in page
    assert AuditLog.objects.filter(action="read", person_id=person.pk, detail__purpose="service_record_list",
                                   actor=window).exists()
    assert officer.post(f"/funds/services/records/{record.pk}/confirm/").status_code == 403
    assert client_for("dongkou_window").get(f"/funds/services/records/{record.pk}/").status_code == 404
    town.post(f"/funds/services/records/{record.pk}/confirm/")
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.CONFIRMED
    rows = _xlsx(town.get("/funds/services/records/export/?show=confirmed"))
    assert rows[1][1] == person.name and rows[1][9] == "已确认"


def test_evaluation_and_payment_pages(contract, client_for):
    m = contract.milestones.get(sequence=1)
    officer = client_for("longhui_officer")
    form = {f"e-score_{i.pk}": "95" for i in contract.indicators.all()} | {"e-satisfaction": "90"}
    assert officer.post(f"/funds/services/milestones/{m.pk}/evaluate/", form).status_code == 302
    m.refresh_from_db()
    assert m.payable == m.amount  # 0.8×95 + 0.2×90 = 94: 优秀, paid in full
    assert officer.post(f"/funds/services/milestones/{m.pk}/pay/").status_code == 403
    assert client_for("dongkou_approver").post(f"/funds/services/milestones/{m.pk}/pay/").status_code == 404
    client_for("longhui_approver").post(f"/funds/services/milestones/{m.pk}/pay/")
    m.refresh_from_db()
    assert m.status == "paid"


def test_scope_and_capability_of_the_contract_pages(contract, client_for):
    assert client_for("dongkou_officer").get(f"/funds/services/{contract.pk}/").status_code == 404
    assert client_for("longhui_window").get("/funds/services/").status_code == 403
    assert client_for("longhui_analyst").get(f"/funds/services/{contract.pk}/").status_code == 404  # no capability
    assert client_for("longhui_analyst").get("/funds/services/records/").status_code == 403
