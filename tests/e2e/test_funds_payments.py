"""Payments (issue 21), on a desk and a 390×844 phone: 桃洪镇's window prepares this month's rural 低保 roll and takes
its township's two steps (乡镇经办, 乡镇审核), the county officer hands it on (县民政经办), the approver approves it
(县民政审核, frozen), and the officer downloads the bank's payment file and imports the bank's return file with two
failures: the balance 发放 = 已发放 + 退回 is shown."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import User
from jiuzhu.funds.models import LineStatus, PaymentLine, PaymentRoll, RollStatus
from jiuzhu.registry.models import AssistanceGrant, PaymentAccount, TierDecision
from jiuzhu.registry.services import household_register
from tests.e2e.conftest import open_menu, shooter, sign_in

VILLAGE = "430524100200"  # in 桃洪镇, the longhui window's township
BANK = "隆回农商银行"
shot = shooter("funds")


def households(n: int = 4) -> None:
    officer = User.objects.get(username="longhui_officer")
    for i in range(n):
        household = household_register(
            actor=officer, household={"region_code": VILLAGE, "address": f"红星社区{i}组", "hukou_type": "rural"},
            members=[{"id_number": make_id_number("430524", dt.date(1960, 1, 1 + i), 41 + i), "name": f"发放户{i}",
                      "relation": "head"}])
        decision = TierDecision.objects.create(
            household=household, assessed_on=dt.date(2026, 1, 1), recommended_tier="dibao", tier="dibao",
            status="confirmed", valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2030, 12, 31), members=1,
            dibao_standard=Decimal("700"))
        AssistanceGrant.objects.create(household=household, category="basic_living", monthly_amount=Decimal("300"),
                                       period_start=dt.date(2026, 1, 1), tier_decision=decision,
                                       granting_organization=officer.organization)
        number = f"62170000000000{i:05d}"
        PaymentAccount.objects.create(household=household, person_id=household.head_id, bank_name=BANK,
                                      account_cipher=encrypt_text(number), account_hash=keyed_hash(number),
                                      account_tail=number[-4:])


def confirm(page, summary: str, button: str) -> None:
    page.locator("summary", has_text=summary).first.click()
    with page.expect_navigation():
        page.get_by_role("button", name=button).first.click()


def test_a_month_roll_prepared_approved_paid_and_returned(page, open_page, viewport):
    households()
    sign_in(page, "longhui_window")
    open_menu(page, "发放花名册")
    page.get_by_label("资金科目").first.select_option("2081902")
    with page.expect_navigation():
        page.get_by_role("button", name="编制（隆回县）").click()
    assert "合计 4 户 4 人 1200.00 元" in page.locator("main").inner_text()
    shot(page, "1-prepared", viewport)
    confirm(page, "乡镇经办提交", "确认提交")
    confirm(page, "乡镇审核", "确认审核通过")
    roll = PaymentRoll.objects.get()
    assert roll.status == RollStatus.COUNTY_HANDLING

    officer = open_page()
    sign_in(officer, "longhui_officer")
    officer.goto(f"{officer.base_url}/funds/rolls/{roll.pk}/")
    confirm(officer, "县民政经办提交审核", "确认提交审核")
    approver = open_page()
    sign_in(approver, "longhui_approver")
    approver.goto(f"{approver.base_url}/funds/rolls/{roll.pk}/")
    assert "待县民政审核" in approver.locator("#roll-status").inner_text()
    confirm(approver, "县民政审核通过", "确认审核通过")
    assert "已审核（已冻结）" in approver.locator("#roll-status").inner_text()
    shot(approver, "2-approved", viewport)

    officer.reload()
    with officer.expect_download() as download:
        officer.get_by_role("link", name=f"下载{BANK}代发文件").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    ids = list(PaymentLine.objects.filter(roll=roll).order_by("id").values_list("id", flat=True))
    rows = [f"{i},300.00,{'失败,账户已销户' if n < 2 else '成功,'}" for n, i in enumerate(ids)]
    data = ("流水号,金额,处理结果,失败原因\n" + "\n".join(rows) + "\n").encode("utf-8")
    officer.get_by_label("银行回盘文件", exact=False).set_input_files(
        files=[{"name": "回盘.csv", "mimeType": "text/csv", "buffer": data}])
    with officer.expect_navigation():
        officer.get_by_role("button", name="导入回盘").click()
    assert "成功 2 笔，失败 2 笔" in officer.locator(".messages").inner_text()
    balance = officer.locator("#balance").inner_text()
    assert "1200.00" in balance and "600.00" in balance
    assert "账户已销户" in officer.locator("#failed").inner_text()
    assert PaymentLine.objects.filter(roll=roll, status=LineStatus.FAILED).count() == 2
    shot(officer, "3-returned", viewport)
    assert timezone.localdate().replace(day=1) == roll.month
