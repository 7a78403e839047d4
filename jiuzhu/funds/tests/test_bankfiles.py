"""Bank files: the payment file in the bank's layout; the return file with failures; stopped or corrected once,
never twice; the balance 发放 = 已发放 + 退回; stops and recoveries from the registry's events."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.core.errors import DomainError
from jiuzhu.funds import bankfiles, services
from jiuzhu.funds.models import BankLayout, LineStatus, PaymentLine, PaymentStop, Recovery, ReturnFile
from jiuzhu.funds.tests.conftest import return_csv

pytestmark = pytest.mark.django_db
BANK = "隆回农商银行"


def _rows(roll):
    return list(PaymentLine.objects.filter(roll=roll, batch=0).order_by("id").values_list("id", "total"))


def test_bank_file_in_the_banks_layout_and_audited(persona, approved_roll, county):
    from jiuzhu.core.models import AuditLog

    roll = approved_roll(2)
    BankLayout.objects.create(region=county, bank_name=BANK, file_format="csv",
                              columns=[["卡号", "account"], ["姓名", "name"], ["金额", "amount"], ["序号", "line_id"]])
    layout, columns = services.bank_file(actor=persona("longhui_officer"), roll=roll, bank_name=BANK)
    rows = bankfiles.export_rows(columns)
    assert layout.file_format == "csv" and [c for c, _ in layout.columns] == ["卡号", "姓名", "金额", "序号"]
    first = PaymentLine.objects.filter(roll=roll).order_by("id").first()
    assert rows[0][0].startswith("62220000") and rows[0][0].endswith(first.account_tail)
    assert rows[0][2] == "300.00" and rows[0][3] == str(first.pk)
    audited = AuditLog.objects.get(detail__purpose="bank_file")  # one row for the file's list of payees
    assert audited.object_type == "core.auditpersonset" and audited.detail["person_set"]["persons"] == 2
    with pytest.raises(PermissionDenied):  # a township does not export the county's bank file
        services.bank_file(actor=persona("longhui_window"), roll=roll, bank_name=BANK)


def test_csv_bank_file_download_is_audited(client_for, approved_roll, county):
    from jiuzhu.core.models import AuditLog

    roll = approved_roll(2)
    BankLayout.objects.create(region=county, bank_name=BANK, file_format="csv",
                              columns=[["序号", "line_id"], ["卡号", "account"], ["金额", "amount"]])
    response = client_for("longhui_officer").get(f"/funds/rolls/{roll.pk}/bank-file/", {"bank": BANK})
    lines = response.content.decode("utf-8-sig").splitlines()
    first = PaymentLine.objects.filter(roll=roll).order_by("id").first()
    assert lines[0] == "序号,卡号,金额" and lines[1].startswith(f"{first.pk},62220000")
    assert lines[1].endswith(f"{first.account_tail},300.00") and len(lines) == 3
    assert AuditLog.objects.filter(action="export", detail__object_type="funds.paymentline",
                                   detail__count=2).count() == 1


def test_return_file_with_failures_corrected_once_never_twice(persona, approved_roll):
    officer = persona("longhui_officer")
    roll = approved_roll(4)
    rows = _rows(roll)
    data = return_csv([(i, "某", t, "成功", "") for i, t in rows[:2]]
                      + [(rows[2][0], "某", rows[2][1], "失败", "账户已销户"),
                                                                         (rows[3][0], "某", rows[3][1], "失败", "")])
    record = services.return_import(actor=officer, roll=roll, data=data, filename="回盘.csv")
    assert (record.paid, record.failed) == (2, 2)
    assert services.return_import(actor=officer, roll=roll, data=data, filename="回盘.csv").pk == record.pk
    assert ReturnFile.objects.count() == 1  # the same file again changes nothing
    failed = PaymentLine.objects.get(pk=rows[2][0])
    assert (failed.status, failed.fail_reason) == (LineStatus.FAILED, "账户已销户")
    assert PaymentLine.objects.get(pk=rows[3][0]).fail_reason == "银行未说明原因"
    with pytest.raises(DomainError):  # a stop needs its reason
        services.line_stop(actor=officer, line=PaymentLine.objects.get(pk=rows[3][0]), reason="")
    services.line_stop(actor=officer, line=PaymentLine.objects.get(pk=rows[3][0]), reason="已迁出本县")
    corrected = services.line_correct(actor=officer, line=failed)
    assert (corrected.batch, corrected.total, corrected.correction_of_id) == (1, failed.total, failed.pk)
    with pytest.raises(DomainError):  # never twice
        services.line_correct(actor=officer, line=PaymentLine.objects.get(pk=failed.pk))
    # the corrected line fails again: it can only be stopped
    services.return_import(actor=officer, roll=roll, data=return_csv([(corrected.pk, "某", corrected.total, "失败",
                                                                       "户名不符")]), filename="更正回盘.csv")
    with pytest.raises(DomainError):
        services.line_correct(actor=officer, line=PaymentLine.objects.get(pk=corrected.pk))
    balance = services.balance(roll)
    assert balance["issued"] == balance["paid"] + balance["returned"] == Decimal("1200.00")
    assert (balance["paid"], balance["returned"], balance["corrected_issued"]) == (600, 600, 300)


def test_return_file_errors_name_the_row(persona, approved_roll):
    roll = approved_roll(2)
    rows = _rows(roll)
    officer = persona("longhui_officer")
    with pytest.raises(DomainError, match="第3行 处理结果"):
        services.return_import(actor=officer, roll=roll, filename="r.csv",
                               data=return_csv([(rows[0][0], "某", 1, "成功", ""), (rows[1][0], "某", 1, "不明", "")]))
    with pytest.raises(DomainError, match="第2行 流水号"):
        services.return_import(actor=officer, roll=roll, filename="r.csv",
                               data=return_csv([(999999, "某", 1, "成功", "")]))
    with pytest.raises(DomainError, match="第3行 流水号：重复"):
        services.return_import(actor=officer, roll=roll, filename="r.csv",
                               data=return_csv([(rows[0][0], "某", 1, "成功", ""), (rows[0][0], "某", 1, "成功", "")]))
    assert not PaymentLine.objects.filter(roll=roll).exclude(status=LineStatus.ISSUED).exists()  # all or nothing


def test_death_stops_next_month_and_opens_a_recovery(persona, approved_roll, county, paid_household,
                                                     django_capture_on_commit_callbacks):
    from jiuzhu.registry.services import person_update

    roll = approved_roll(1)
    line = PaymentLine.objects.get(roll=roll)
    with django_capture_on_commit_callbacks(execute=True):
        person_update(actor=persona("longhui_officer"), person=line.payee, changes={"death_date": dt.date(2026, 10, 5)})
    stop = PaymentStop.objects.get(person_id=line.payee_id)
    assert stop.from_month == dt.date(2026, 11, 1)
    recovery = Recovery.objects.get(line=line)  # November was paid after an October death
    assert recovery.amount == Decimal("300.00")
    with pytest.raises(Http404):  # another county's window
        services.recovery_repay(actor=persona("dongkou_window"), recovery=recovery, amount="100")
    services.recovery_repay(actor=persona("longhui_window"), recovery=recovery, amount="100")
    services.recovery_repay(actor=persona("longhui_window"), recovery=recovery, amount="200")
    assert recovery.status == "repaid"
    december = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=dt.date(2026, 12, 1),
                                     item="2081902")
    assert december.lines.count() == 0  # stopped from the next roll


def test_the_administrator_sets_a_banks_layout(client_for, persona, county):
    admin = client_for("longhui_admin")
    bad = admin.post("/funds/bank-layouts/", {"bank_name": BANK, "file_format": "csv",
                                              "columns": "卡号=账号\n姓名=名字"})
    assert bad.status_code == 400 and "第2行" in bad.content.decode()
    admin.post("/funds/bank-layouts/", {"bank_name": BANK, "file_format": "csv",
                                        "columns": "序号=流水号\n卡号=账号\n姓名=户名\n金额=金额"})
    layout = BankLayout.objects.get(region=county, bank_name=BANK)
    assert layout.columns == [["序号", "line_id"], ["卡号", "account"], ["姓名", "name"], ["金额", "amount"]]
    assert client_for("longhui_officer").get("/funds/bank-layouts/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.bank_layout_set(actor=persona("longhui_officer"), region=county, bank_name="x", file_format="csv",
                                 columns_text="a=流水号\nb=账号")
