"""Bank accounts from the bank's template (registry/account_import.py) with real files: an xlsx with a merged title
and a two-row merged header, a GBK csv. Errors by row and column, all or nothing, the same content twice writes
nothing, persons matched within the officer's jurisdiction."""

import io

import pytest
from django.core.exceptions import PermissionDenied

from conftest import VILLAGE_A2
from jiuzhu.core.errors import DomainError
from jiuzhu.registry import account_import as ai

pytestmark = pytest.mark.django_db


def template_xlsx(rows: list[tuple]) -> bytes:
    """The bank's template as banks send it: a merged title row, 姓名 and 身份证号 merged over two header rows,
    收款账户 merged over 开户银行 / 银行账号 / 户主姓名/持卡人, then the rows; account numbers as text cells."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "账户采集"
    ws.append(["隆回县社会救助资金代发账户采集表"])
    ws.merge_cells("A1:F1")
    ws.append(["姓名", "身份证号", "收款账户", None, None, "账户状态"])
    ws.append([None, None, "开户银行", "银行账号", "户主姓名/持卡人", None])
    for col in "ABF":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("C2:E2")
    for row in rows:
        ws.append(list(row))
    for cells in ws.iter_rows(min_row=4, min_col=4, max_col=4):
        for cell in cells:
            cell.number_format = "@"
    ws.append(["合计", f"{len(rows)} 人"])
    ws.append(["制表人：王会计"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_csv(rows: list[tuple]) -> bytes:
    lines = ["姓名,身份证号,开户银行,银行账号,持卡人,账户状态"] + [",".join(str(v) for v in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def _head(household):
    return household.members.get(relation="head")


def _row(household, bank="隆回农商银行", account="6217000011112222333", status="正常", name=None):
    head = _head(household)
    return (name or head.name, head.id_number, bank, account, head.name, status)


def _active(household):
    from jiuzhu.registry.models import PaymentAccount

    return list(PaymentAccount.objects.filter(household=household, is_active=True)
                .values_list("bank_name", "account_tail", "status", "holder_name"))


def test_xlsx_with_merged_title_and_header_imports(persona, paid_household):
    from jiuzhu.core.audit import AuditLog
    from jiuzhu.core.models import Event
    from jiuzhu.registry.models import PaymentAccount

    a, b, c = paid_household(), paid_household(), paid_household()
    data = template_xlsx([_row(a, account="6217000011112222333"),
                          _row(b, status="须更新", account="6230 0000 1111 2222"),
                          _row(c, bank="", account="", status="未采集")])
    officer = persona("longhui_officer")
    preview = ai.validate(data, "采集表.xlsx", actor=officer)
    assert preview.errors == [] and (preview.read, preview.new, preview.changed, preview.unchanged) == (3, 0, 3, 0)
    result = ai.import_accounts(data, "采集表.xlsx", actor=officer)
    assert result.written == 3
    assert _active(a) == [("隆回农商银行", "2333", "normal", _head(a).name)]
    assert _active(b) == [("隆回农商银行", "2222", "needs_update", _head(b).name)]
    assert _active(c) == [("", "", "not_collected", _head(c).name)]
    account = PaymentAccount.objects.get(household=a, is_active=True)
    assert account.account_number == "6217000011112222333" and account.import_batch == result.batch
    # the roster's accounts are retired, not deleted
    assert PaymentAccount.objects.filter(household__in=[a, b, c], is_active=False).count() == 3
    assert Event.objects.filter(kind="registry.payment_account_imported", household_id=a.pk).count() == 1
    assert AuditLog.objects.filter(object_type="registry.importbatch", object_id=str(result.batch.pk),
                                   action="create").exists()


def test_gbk_csv_and_the_same_content_again_writes_nothing(persona, paid_household):
    from jiuzhu.core.models import Event
    from jiuzhu.registry.models import ImportBatch, PaymentAccount

    a, b = paid_household(), paid_household()
    rows = [_row(a), _row(b, account="6217000099998888777")]
    officer = persona("longhui_officer")
    assert ai.import_accounts(template_csv(rows), "账户.csv", actor=officer).written == 2
    before = (PaymentAccount.objects.count(), ImportBatch.objects.count(), Event.objects.count())
    # the same content, as a csv again and as an xlsx: nothing written
    again = ai.import_accounts(template_csv(rows), "账户.csv", actor=officer)
    assert (again.written, again.batch, again.preview.unchanged) == (0, None, 2)
    assert ai.import_accounts(template_xlsx(rows), "账户.xlsx", actor=officer).written == 0
    assert (PaymentAccount.objects.count(), ImportBatch.objects.count(), Event.objects.count()) == before
    # one row changed: only that person's account is rewritten
    changed = ai.import_accounts(template_csv([rows[0], _row(b, account="6217000099998888000")]), "账户.csv",
                                 actor=officer)
    assert (changed.written, changed.preview.changed, changed.preview.unchanged) == (1, 1, 1)
    assert _active(b)[0][1] == "8000"


def test_errors_by_row_and_column_and_nothing_written(persona, paid_household):
    from jiuzhu.registry.models import PaymentAccount

    a, b, c, d, e, f = (paid_household() for _ in range(6))
    data = template_xlsx([
        _row(a),
        _row(b, status="停用"),  # row 5: not a status
        _row(c, account=""),  # row 6: 正常 without an account
        _row(d, name="李四"),  # row 7: name differs from the registry
        _row(a),  # row 8: the same person twice
        ("王五", "430524197001010000", "隆回农商银行", "6217000011110000", "王五", "正常"),  # row 9: check digit
        _row(e, account="6217000011112222", status="未采集"),  # row 10: 未采集 with an account
        _row(f, account="62170000ABC"),  # row 11: not an account number
    ])
    before = list(PaymentAccount.objects.order_by("pk").values_list("pk", "is_active", "status"))
    preview = ai.validate(data, "采集表.xlsx", actor=persona("longhui_officer"))
    got = {(e["row"], e["column"]) for e in preview.errors}
    assert got == {(5, "账户状态"), (6, "银行账号"), (7, "姓名"), (8, "身份证号"), (9, "身份证号"), (10, "银行账号"),
                   (11, "银行账号")}
    messages = {e["row"]: e["message"] for e in preview.errors}
    assert "不是有效取值" in messages[5] and "须填写银行账号" in messages[6] and "不一致" in messages[7]
    assert messages[8] == "与第4行重复" and "不应填写银行账号" in messages[10] and "6 至 32 位数字" in messages[11]
    with pytest.raises(DomainError):
        ai.import_accounts(data, "采集表.xlsx", actor=persona("longhui_officer"))
    assert list(PaymentAccount.objects.order_by("pk").values_list("pk", "is_active", "status")) == before


def test_account_as_an_excel_number_is_refused(persona, paid_household):
    from openpyxl import load_workbook

    a = paid_household()
    wb = load_workbook(io.BytesIO(template_xlsx([_row(a)])))
    wb.active["D4"].value = 6217000011112222333  # typed as a number: Excel keeps 15 digits
    wb.active["D4"].number_format = "0"
    out = io.BytesIO()
    wb.save(out)
    preview = ai.validate(out.getvalue(), "采集表.xlsx", actor=persona("longhui_officer"))
    assert [(e["row"], e["column"]) for e in preview.errors] == [(4, "银行账号")]
    assert "存成了数字" in preview.errors[0]["message"]


def test_rows_out_of_jurisdiction_are_errors(persona, paid_household):
    """A window of 桃洪镇 imports: a person of 小沙江镇 (same county) and one of 洞口县 are errors of their rows,
    with the message a number not registered at all gets; nothing is written."""
    from jiuzhu.registry.models import PaymentAccount

    mine = paid_household()
    other_township = paid_household(village=VILLAGE_A2)
    data = template_csv([_row(mine), _row(other_township)])
    preview = ai.validate(data, "账户.csv", actor=persona("longhui_window"))
    assert [(e["row"], e["column"]) for e in preview.errors] == [(3, "身份证号")]
    assert preview.errors[0]["message"] == "未找到该身份证号的在册人员，或该人员不在您的管辖范围内"
    before = PaymentAccount.objects.filter(is_active=True).count()
    with pytest.raises(DomainError):
        ai.import_accounts(data, "账户.csv", actor=persona("longhui_window"))
    assert PaymentAccount.objects.filter(is_active=True).count() == before
    # another county's officer finds neither
    assert len(ai.validate(data, "账户.csv", actor=persona("dongkou_officer")).errors) == 2
    # the county officer finds both
    assert ai.validate(data, "账户.csv", actor=persona("longhui_officer")).errors == []


def test_capability(persona, paid_household):
    data = template_csv([_row(paid_household())])
    with pytest.raises(PermissionDenied):  # the approver reviews rolls, does not prepare them
        ai.validate(data, "账户.csv", actor=persona("longhui_approver"))
    with pytest.raises(PermissionDenied):
        ai.import_accounts(data, "账户.csv", actor=persona("longhui_approver"))


def test_missing_column_and_unreadable_file(persona):
    officer = persona("longhui_officer")
    no_id = "姓名,开户银行,银行账号,账户状态\r\n张三,农商银行,6217000011112222,正常\r\n".encode("gbk")
    preview = ai.validate(no_id, "账户.csv", actor=officer)
    assert [(e["row"], e["column"]) for e in preview.errors] == [(1, "身份证号")]
    assert ai.validate(b"\xd0\xcf\x11\xe0old", "账户.xls", actor=officer).file_error


# ---- The page: 上传 → 检查结果/错误报告 → 确认导入 -----------------------------------------------------------

def _upload(client, data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/funds/accounts/import/", {"file": SimpleUploadedFile(name, data)})


def test_page_upload_errors_then_fixed_file_imports(client_for, paid_household):
    from openpyxl import load_workbook

    a, b = paid_household(), paid_household()
    client = client_for("longhui_officer")
    assert "收款账户导入" in client.get("/funds/rolls/").content.decode()  # the funds menu links it
    bad = template_csv([_row(a), _row(b, account="62170000ABC")])
    response = _upload(client, bad, "账户.csv")
    assert response.status_code == 302
    review = response["Location"]
    html = client.get(review).content.decode()
    assert "第3行" in html and "银行账号" in html and "6 至 32 位数字" in html and "确认导入" not in html
    report = client.get(review + "errors.xlsx")
    rows = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列", "原因") and rows[1][:2] == (3, "银行账号")
    assert client.post(review).status_code == 302 and _active(b)[0][1] != "8777"  # refused: nothing written
    # someone else's upload is not found
    assert client_for("longhui_window").get(review).status_code == 404
    fixed = _upload(client, template_csv([_row(a), _row(b, account="6217000099998888777")]), "账户.csv")
    page = client.get(fixed["Location"]).content.decode()
    assert "确认导入" in page and "将更新" in page
    done = client.post(fixed["Location"])
    assert done.status_code == 302 and done["Location"] == "/funds/accounts/import/"
    assert _active(b)[0][1] == "8777"
    assert client.get(fixed["Location"]).status_code == 404  # the upload is gone once imported


def test_page_capability(client_for):
    assert client_for("longhui_approver").get("/funds/accounts/import/").status_code == 403
    assert client_for("longhui_coordinator").get("/funds/accounts/import/").status_code == 403
    assert client_for("longhui_window").get("/funds/accounts/import/").status_code == 200
