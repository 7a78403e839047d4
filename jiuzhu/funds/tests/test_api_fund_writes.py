"""The safety-net fund's writes over the API (/api/v1/funds/safety-net/…), over real HTTP (`requests` against the
live server, signed in through the sign-in form with its CSRF token): the city's officer books a contribution, a
county's officer proposes a disbursement for a household of the county with the scanned decision (multipart), the
city's approver approves it and rejects another; each refusal as the pages have it (a Chinese 400 naming the field,
403 without the capability or for a county's approver on the city's fund, 404 out of scope, CSRF) changes nothing."""

import pytest

from conftest import signed_in_session
from jiuzhu.funds.fund_models import EntryStatus, FundEntry
from jiuzhu.funds.tests.conftest import PDF

pytestmark = pytest.mark.django_db
API = "/api/v1/funds/safety-net"
NO_SCOPE = {"code": "not_found", "message": "记录不存在或不在您的管辖范围内", "errors": []}


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def _refused(response, status: int, path: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    if path is not None:
        assert body["errors"][0]["path"] == path and body["message"], body
    return body


def test_the_city_books_a_contribution(live_server, city_fund):
    url = f"{live_server.url}{API}/funds/{city_fund.pk}/contributions"
    city = signed_in_session(live_server.url, "shaoyang_officer")
    before = FundEntry.objects.count()
    assert _refused(city.post(url, json={"source": "city_budget", "amount": "三万"}, timeout=60), 400,
                    "amount")["message"] == "金额应为金额，如 1500.00"
    assert _refused(city.post(url, json={"amount": "30000"}, timeout=60), 400, "source")["message"] == "请选择资金来源"
    _refused(city.post(url, json={"source": "red_cross", "amount": "30000"}, timeout=60), 400, "available_funds")
    _refused(city.post(url, json={"source": "donation", "amount": "1", "entry_date": "明天"}, timeout=60), 400,
             "entry_date")
    # Without the capability 403; a county officer (who reads the city's fund) may not book into it: 404, as may
    # not another city's; the browser session without its CSRF header: 403.
    assert _refused(signed_in_session(live_server.url, "longhui_window").post(
        url, json={"source": "donation", "amount": "1"}, timeout=60), 403)["code"] == "forbidden"
    assert signed_in_session(live_server.url, "longhui_officer").post(
        url, json={"source": "donation", "amount": "1"}, timeout=60).json() == NO_SCOPE
    assert signed_in_session(live_server.url, "furong_officer").post(
        url, json={"source": "donation", "amount": "1"}, timeout=60).json() == NO_SCOPE
    no_csrf = signed_in_session(live_server.url, "shaoyang_officer", csrf_header=False)
    assert _refused(no_csrf.post(url, json={"source": "donation", "amount": "1"}, timeout=60), 403)["code"] == \
        "csrf_failed"
    assert FundEntry.objects.count() == before

    booked = _ok(city.post(url, json={"source": "red_cross", "amount": "30000", "available_funds": "90000",
                                      "voucher": "红字〔2026〕1号"}, timeout=60), 201)
    assert (booked["kind"], booked["status"], booked["amount"], booked["source_label"]) == (
        "contribution", "booked", "30000.00", "红十字会")
    assert booked["fund_balance"] == "130000.00"
    assert FundEntry.objects.get(pk=booked["id"]).recorded_by.username == "shaoyang_officer"


def test_a_county_proposes_and_the_city_decides(live_server, city_fund, household):
    base = f"{live_server.url}{API}"
    url = f"{base}/funds/{city_fund.pk}/disbursements"
    longhui = signed_in_session(live_server.url, "longhui_officer")
    form = {"head_id_number": household.head.id_number, "amount": "5000", "decision_kind": "case_conference",
            "decision_ref": "隆民议〔2026〕3号", "decided_on": "2026-11-20", "note": "重病"}
    scan = {"decision_file": ("会议纪要.pdf", PDF, "application/pdf")}

    _refused(longhui.post(url, data=form, timeout=60), 400, "decision_file")
    _refused(longhui.post(url, data={**form, "amount": "-1"}, files=scan, timeout=60), 400, "amount")
    _refused(longhui.post(url, data={**form, "decided_on": ""}, files=scan, timeout=60), 400, "decided_on")
    _refused(longhui.post(url, data={**form, "head_id_number": "123"}, files=scan, timeout=60), 400, "head_id_number")
    # Another county's officer does not find 隆回县's household; another city's the fund; a window may not propose.
    _refused(signed_in_session(live_server.url, "dongkou_officer").post(url, data=form, files=scan, timeout=60),
             400, "head_id_number")
    assert signed_in_session(live_server.url, "furong_officer").post(
        url, data=form, files=scan, timeout=60).json() == NO_SCOPE
    _refused(signed_in_session(live_server.url, "longhui_window").post(url, data=form, files=scan, timeout=60), 403)
    assert not FundEntry.objects.filter(kind="disbursement").exists()

    proposed = _ok(longhui.post(url, data=form, files=scan, timeout=60), 201)
    assert (proposed["status"], proposed["amount"], proposed["household_id"]) == ("pending", "5000.00", household.pk)
    assert proposed["fund_pending_out"] == "5000.00" and proposed["fund_balance"] == "100000.00"
    entry = f"{base}/entries/{proposed['id']}"

    # The county's approver sees its case but the city decides (403); a window has no approval (403); another
    # city's approver does not see it (404).
    assert "邵阳市审批" in _refused(signed_in_session(live_server.url, "longhui_approver").post(
        f"{entry}/approve", timeout=60), 403)["message"]
    _refused(signed_in_session(live_server.url, "longhui_window").post(f"{entry}/approve", timeout=60), 403)
    assert signed_in_session(live_server.url, "furong_officer").post(f"{entry}/approve", timeout=60).json() == \
        NO_SCOPE
    assert FundEntry.objects.get(pk=proposed["id"]).status == EntryStatus.PENDING

    city = signed_in_session(live_server.url, "shaoyang_approver")
    approved = _ok(city.post(f"{entry}/approve", timeout=60))
    assert (approved["status"], approved["fund_balance"], approved["fund_pending_out"]) == (
        "booked", "95000.00", "0.00")
    assert FundEntry.objects.get(pk=proposed["id"]).decided_by.username == "shaoyang_approver"
    _refused(city.post(f"{entry}/approve", timeout=60), 400)  # only a pending one

    second = _ok(longhui.post(url, data={**form, "amount": "2000"}, files=scan, timeout=60), 201)
    reject = f"{base}/entries/{second['id']}/reject"
    _refused(city.post(reject, json={"reason": ""}, timeout=60), 400, "reason")
    rejected = _ok(city.post(reject, json={"reason": "已由医疗救助解决"}, timeout=60))
    assert (rejected["status"], rejected["reject_reason"]) == ("rejected", "已由医疗救助解决")
