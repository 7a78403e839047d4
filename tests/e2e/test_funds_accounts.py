"""Bank accounts (issue 21), on a desk and a 390×844 phone: 隆回县's officer opens 收款账户导入 from the menu, uploads
the bank's template (a GBK csv) with one bad row, sees the problem at its row and column, fixes the file, uploads
it again and confirms: the accounts are in the registry."""

import datetime as dt

from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import User
from jiuzhu.registry.models import PaymentAccount
from jiuzhu.registry.services import household_register
from tests.e2e.conftest import open_menu, shooter, sign_in

VILLAGE = "430524100200"
shot = shooter("funds-accounts")


def heads(n: int = 2) -> list[tuple[str, str]]:
    officer = User.objects.get(username="longhui_officer")
    out = []
    for i in range(n):
        number = make_id_number("430524", dt.date(1962, 3, 1 + i), 61 + i)
        household_register(actor=officer, household={"region_code": VILLAGE, "address": f"红星社区{i}组",
                                                      "hukou_type": "rural"},
                           members=[{"id_number": number, "name": f"账户户{i}", "relation": "head"}])
        out.append((f"账户户{i}", number))
    return out


def template(rows: list[tuple]) -> bytes:
    lines = ["姓名,身份证号,开户银行,银行账号,持卡人,账户状态"] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def upload(page, data: bytes) -> None:
    page.get_by_label("导入文件").set_input_files(files=[{"name": "账户采集表.csv", "mimeType": "text/csv",
                                                          "buffer": data}])
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()


def test_officer_imports_bank_accounts_fixing_one_row(page, viewport):
    (name0, id0), (name1, id1) = heads()
    sign_in(page, "longhui_officer")
    open_menu(page, "收款账户导入")
    good = (name0, id0, "隆回农商银行", "6217000011112222333", name0, "正常")
    upload(page, template([good, (name1, id1, "隆回农商银行", "62170000ABC", name1, "正常")]))
    errors = page.locator("#import-errors").inner_text()
    assert "第3行" in errors and "银行账号" in errors and "6 至 32 位数字" in errors
    assert page.get_by_role("button", name="确认导入").count() == 0
    shot(page, "1-errors", viewport)
    assert not PaymentAccount.objects.filter(status="normal", account_tail="2333").exists()

    with page.expect_navigation():
        page.get_by_role("link", name="重新上传").click()
    upload(page, template([good, (name1, id1, "隆回农商银行", "6217000044445555", name1, "须更新")]))
    assert "将新增" in page.locator("main").inner_text()
    shot(page, "2-checked", viewport)
    with page.expect_navigation():
        page.get_by_role("button", name="确认导入").click()
    assert "已导入收款账户：新增 2 人" in page.locator(".messages").inner_text()
    assert set(PaymentAccount.objects.filter(is_active=True).values_list("account_tail", "status")) == {
        ("2333", "normal"), ("5555", "needs_update")}
