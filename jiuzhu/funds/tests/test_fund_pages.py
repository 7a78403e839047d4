"""The fund's pages: forms with labels, statement export and print, scope (404), capability (403), audit."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jiuzhu.core.models import AuditLog
from jiuzhu.funds.fund_models import EntryStatus, FundEntry
from jiuzhu.funds.tests.conftest import PDF

pytestmark = pytest.mark.django_db


def test_the_officer_books_and_prepares_the_approver_approves(fund, household, client_for):
    officer = client_for("longhui_officer")
    page = officer.get(f"/funds/safety-net/{fund.pk}/contribute/").content.decode()
    assert '<label for="id_c-source">资金来源</label>' in page
    r = officer.post(f"/funds/safety-net/{fund.pk}/contribute/",
                     {"c-source": "city_budget", "c-amount": "50000", "c-entry_date": ""})
    assert r.status_code == 302
    r = officer.post(f"/funds/safety-net/{fund.pk}/contribute/", {"c-source": "red_cross", "c-amount": "100"})
    assert r.status_code == 400 and "请填写该机构当年可用资金" in r.content.decode()
    head = household.head
    form = {"d-head_id_number": head.id_number, "d-amount": "3000", "d-decision_kind": "assist_first",
            "d-decision_ref": "隆先救〔2026〕5号", "d-decided_on": dt.date.today().isoformat()}
    r = officer.post(f"/funds/safety-net/{fund.pk}/disburse/", form)  # no decision attached
    assert r.status_code == 400 and "请上传决定文书" in r.content.decode()
    r = officer.post(f"/funds/safety-net/{fund.pk}/disburse/",
                     {**form, "d-decision_file": _upload()})
    assert r.status_code == 302, r.content.decode()[:2000]
    entry = FundEntry.objects.get(kind="disbursement")
    approver = client_for("longhui_approver")
    assert officer.post(f"/funds/safety-net/entries/{entry.pk}/approve/").status_code == 403
    assert approver.get(f"/funds/safety-net/entries/{entry.pk}/decision/scan/").content == PDF
    approver.post(f"/funds/safety-net/entries/{entry.pk}/approve/")
    assert FundEntry.objects.get(pk=entry.pk).status == EntryStatus.BOOKED
    page = officer.get(f"/funds/safety-net/{fund.pk}/").content.decode()
    assert "47000.00 元" in page
    assert AuditLog.objects.filter(action="read", person_id=head.pk, detail__purpose="fund_ledger").exists()


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")


def test_the_yearly_statement_as_xlsx_and_on_a4(fund, contribute, client_for):
    contribute(fund, "900", source="charity", available_funds="2700")
    officer = client_for("longhui_officer")
    r = officer.get(f"/funds/safety-net/{fund.pk}/statement.xlsx?year={dt.date.today().year}")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    assert wb.sheetnames == [f"{dt.date.today().year}年收支汇总", "收支明细"]
    rows = list(wb.worksheets[0].values)
    assert ("收入", "慈善总会", 900, "占当年可用资金 33.3%，达到三分之一") in rows
    assert list(wb.worksheets[1].values)[1][7] == 900
    assert AuditLog.objects.filter(action="export", detail__object_type="funds.fundentry").exists()
    page = officer.get(f"/funds/safety-net/{fund.pk}/statement/").content.decode()
    assert "年度收支决算表" in page and "年末结余" in page
    analyst = client_for("longhui_analyst")  # totals, never the lines
    r = analyst.get(f"/funds/safety-net/{fund.pk}/statement.xlsx")
    assert load_workbook(io.BytesIO(r.content)).sheetnames == [f"{dt.date.today().year}年收支汇总"]
    assert 'id="ledger"' not in analyst.get(f"/funds/safety-net/{fund.pk}/").content.decode()


def test_out_of_scope_is_404_and_without_capability_403(fund, household, prepare, contribute, client_for):
    contribute(fund, "100")
    entry = prepare(fund, household, "10")
    dongkou = client_for("dongkou_officer")
    for url in (f"/funds/safety-net/{fund.pk}/", f"/funds/safety-net/{fund.pk}/statement.xlsx",
                f"/funds/safety-net/entries/{entry.pk}/decision/",
                f"/funds/safety-net/entries/{entry.pk}/decision/scan/"):
        assert dongkou.get(url).status_code == 404, url
    assert client_for("dongkou_approver").post(f"/funds/safety-net/entries/{entry.pk}/approve/").status_code == 404
    window = client_for("longhui_window")
    assert window.get("/funds/safety-net/").status_code == 403
    assert window.get(f"/funds/safety-net/{fund.pk}/contribute/").status_code == 403


def test_the_decision_prints_on_a4_and_a_contribution_has_none(fund, household, prepare, contribute, client_for):
    gift = contribute(fund, "5000")
    entry = prepare(fund, household, "3000", note="先行救助（火灾，住房损毁）")
    officer = client_for("longhui_officer")
    r = officer.get(f"/funds/safety-net/entries/{entry.pk}/decision/")
    page = r.content.decode()
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert "托底救助基金支出决定文书" in page and "print.css" in page and "data-print" in page
    for text in ("隆民议〔2026〕3号", "一事一议", "3000.00 元", household.head.name, "先行救助（火灾，住房损毁）",
                 "待审批", f"/funds/safety-net/entries/{entry.pk}/decision/scan/"):
        assert text in page, text
    assert AuditLog.objects.filter(action="read", person_id=household.head_id, detail__purpose="decision_file").exists()
    r = officer.get(f"/funds/safety-net/entries/{gift.pk}/decision/")
    assert r.status_code == 404 and "没有决定文书" in r.content.decode()
    assert officer.get(f"/funds/safety-net/entries/{gift.pk}/decision/scan/").status_code == 404
