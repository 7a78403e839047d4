"""资金发放, issue #21 (the fund and the purchase of services), on a desk and on a 390×844 phone: 隆回县's officer books
a contribution to the safety-net fund and prepares a disbursement for a case decided by 一事一议 (the minutes
uploaded), the approver approves it, and the officer sees the balance; then 桃洪镇's window confirms a service
record of a purchased-service contract from its work list."""

import datetime as dt
from decimal import Decimal

from conftest import COUNTY_A, VILLAGE_A, member
from jiuzhu.core.models import Region, User
from jiuzhu.funds.fund_models import EntryStatus, FundEntry
from jiuzhu.funds.fund_services import fund_open
from jiuzhu.funds.purchase_models import RecordStatus, ServiceRecord
from jiuzhu.funds.purchase_services import contract_create, provider_register, service_record, staff_dispatch
from jiuzhu.registry.services import household_register
from tests.e2e.conftest import open_menu, shooter, sign_in

shot = shooter("funds")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _world():
    officer = User.objects.get(username="longhui_officer")
    fund = fund_open(actor=officer, region=Region.objects.get(code=COUNTY_A))
    household = household_register(actor=officer, household={"region_code": VILLAGE_A, "address": "红星社区3组12号",
                                                             "hukou_type": "rural"},
                                   members=[member("张建国", "head")])
    person = household.members.get()
    provider = provider_register(actor=officer, name="隆回县阳光社会工作服务中心", uscc="91110000600037341L",
                                 kind="social_org")
    today = dt.date.today()
    contract = contract_create(actor=officer, provider=provider, title="社会救助服务项目", number="LH-2026-1",
                               method="open_tender", budget="100000", start_on=today.replace(month=1, day=1),
                               end_on=today.replace(month=12, day=31), items=["care"],
                               indicators=[("服务质量", 100)], milestones=[("全款", "100000")])
    staff = staff_dispatch(actor=officer, contract=contract, name="李社工", post="township",
                           region=Region.objects.get(code=VILLAGE_A[:9] + "000"))
    record = service_record(actor=officer, contract=contract, person=person, item="care", served_on=today,
                            hours="2", staff=staff, note="上门助浴")
    return fund, person, record


def test_the_fund_and_a_service_record(open_page, viewport, tmp_path):
    _fund, person, record = _world()
    page = open_page()
    sign_in(page, "longhui_officer")
    open_menu(page, "托底救助基金")
    page.get_by_role("link", name="登记收入").click()
    page.get_by_label("资金来源").select_option(label="红十字会")
    page.get_by_label("金额（元）").fill("30000")
    page.get_by_label("该机构当年可用资金（元，红十字会、慈善总会填写）").fill("90000")
    page.get_by_label("凭证号").fill("红字〔2026〕1号")
    with page.expect_navigation():
        page.get_by_role("button", name="登记收入").click()
    assert "已登记收入" in page.locator(".messages").inner_text()
    assert page.locator("#balance").inner_text() == "30000.00 元"
    shot(page, "1-contribution", viewport)

    page.get_by_role("link", name="拟定支出").click()
    page.get_by_label("救助家庭户主（或成员）身份证号码").fill(person.id_number)
    page.get_by_label("支出金额（元）").fill("5000")
    page.get_by_label("一事一议").check()
    page.get_by_label("决定文号（会议纪要编号）").fill("隆民议〔2026〕3号")
    page.get_by_label("决定日期").fill(dt.date.today().isoformat())
    minutes = tmp_path / "会议纪要.pdf"
    minutes.write_bytes(PDF)
    page.get_by_label("决定文书扫描件（PDF、JPEG 或 PNG）").set_input_files(str(minutes))
    with page.expect_navigation():
        page.get_by_role("button", name="提交审批").click()
    assert "待审批" in page.locator(".messages").inner_text()
    shot(page, "2-prepared", viewport)

    approver = open_page()
    sign_in(approver, "longhui_approver")
    open_menu(approver, "基金支出审批")
    with approver.expect_navigation():
        approver.get_by_role("button", name="批准支出").click()
    assert FundEntry.objects.get(kind="disbursement").status == EntryStatus.BOOKED

    page.reload()
    assert page.locator("#balance").inner_text() == "25000.00 元"
    assert "25000.00" in page.locator("#ledger").inner_text()
    shot(page, "3-balance", viewport)

    town = open_page()
    sign_in(town, "longhui_window")
    with town.expect_navigation():
        town.get_by_role("link", name="购买服务：待确认的服务记录").click()
    with town.expect_navigation():
        town.get_by_role("link", name=person.name).click()
    with town.expect_navigation():
        town.get_by_role("button", name="确认服务记录").click()
    assert "已确认服务记录" in town.locator(".messages").inner_text()
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.CONFIRMED
    assert Decimal(str(FundEntry.objects.get(kind="contribution").amount)) == Decimal("30000")
    shot(town, "4-confirmed", viewport)
