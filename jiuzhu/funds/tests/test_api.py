"""Funds' API (/api/v1/funds/) over real HTTP (`requests` against the live server, signed in through the sign-in
form with its cookies and CSRF token): a roll through the whole review chain, a township seeing only its own lines
(the payees shown audited set-based), the refusals (out of scope 404, without the capability 403, CSRF, bad input
a Chinese 400 naming the field, nothing changed), the city's fund read by its counties and not by another city's,
and a service record confirmed by its township."""

import datetime as dt

import pytest

from conftest import VILLAGE_A2, signed_in_session
from jiuzhu.core.models import AuditLog
from jiuzhu.funds.models import PaymentRoll, RollStatus
from jiuzhu.funds.purchase_models import RecordStatus

pytestmark = pytest.mark.django_db
API = "/api/v1/funds"
NO_SCOPE = {"code": "not_found", "message": "记录不存在或不在您的管辖范围内", "errors": []}
TAOHONG, XIAOSHAJIANG = "430524100000", "430524101000"


def _read(person_id, purpose: str) -> int:
    return AuditLog.objects.filter(action="read", person_id=person_id, detail__purpose=purpose).count()


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_a_roll_goes_through_the_review_chain_over_the_api(live_server, paid_household):
    here, there = paid_household(), paid_household(village=VILLAGE_A2, members=2)
    officer = signed_in_session(live_server.url, "longhui_officer")
    window = signed_in_session(live_server.url, "longhui_window")  # 桃洪镇
    approver = signed_in_session(live_server.url, "longhui_approver")
    base = f"{live_server.url}{API}/rolls"

    bad = officer.post(base, json={"month": "2026/11", "item": "2081902"}, timeout=60)
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "month"
    assert "YYYY-MM" in bad.json()["message"] and not PaymentRoll.objects.exists()
    roll = _ok(officer.post(base, json={"month": "2026-11", "item": "2081902"}, timeout=60), 201)
    assert (roll["households"], roll["persons"], roll["status"]) == (2, 3, "township")
    assert [t["township_code"] for t in roll["townships"]] == [TAOHONG, XIAOSHAJIANG]
    url = f"{base}/{roll['id']}"
    assert _ok(officer.get(f"{base}?month=2026-11&item=2081902", timeout=60))["total"] == 1
    assert officer.get(f"{base}?item=99", timeout=60).json()["errors"][0]["path"] == "item"

    # A township sees only its own part and its own lines; the payees shown are audited, the others' are not.
    mine = _ok(window.get(f"{url}/lines", timeout=60))
    assert mine["total"] == 1 and mine["results"][0]["payee_id"] == here.head.pk
    assert mine["results"][0]["township_code"] == TAOHONG and "id_number" not in mine["results"][0]
    assert _read(here.head.pk, "api_roll_lines") == 1 and _read(there.head.pk, "api_roll_lines") == 0
    assert [t["township_code"] for t in _ok(window.get(url, timeout=60))["townships"]] == [TAOHONG]
    assert _ok(window.get(f"{url}/lines?township={XIAOSHAJIANG}", timeout=60))["total"] == 0
    assert _ok(officer.get(f"{url}/lines", timeout=60))["total"] == 2

    # 乡镇经办 → 乡镇审核 for each township, by its own people; another township's part is 404 to the window.
    assert window.post(f"{url}/townships/{XIAOSHAJIANG}/submit", timeout=60).json() == NO_SCOPE
    _ok(window.post(f"{url}/townships/{TAOHONG}/submit", timeout=60))
    sent = window.post(f"{url}/townships/{TAOHONG}/return", json={"reason": ""}, timeout=60)
    assert sent.status_code == 400 and sent.json()["errors"][0]["path"] == "reason"
    _ok(window.post(f"{url}/townships/{TAOHONG}/review", timeout=60))
    _ok(officer.post(f"{url}/townships/{XIAOSHAJIANG}/submit", timeout=60))
    step = _ok(officer.post(f"{url}/townships/{XIAOSHAJIANG}/review", timeout=60))
    assert step["status"] == "county_handling" and step["status_label"] == "待县民政经办"

    # 县民政经办 → 县民政审核, sent back with a reason, handled again, approved and frozen.
    assert _ok(officer.post(f"{url}/handle", timeout=60))["status"] == "county_review"
    back = _ok(approver.post(f"{url}/return", json={"reason": "请核对小沙江镇人数"}, timeout=60))
    assert back["status"] == "county_handling" and back["return_reason"] == "请核对小沙江镇人数"
    _ok(officer.post(f"{url}/handle", timeout=60))
    # A browser session's POST without the CSRF header is refused; nothing changes.
    csrf = approver.post(f"{url}/approve", timeout=60, headers={"X-CSRFToken": None})
    assert csrf.status_code == 403 and csrf.json()["code"] == "csrf_failed"
    assert PaymentRoll.objects.get().status == RollStatus.COUNTY_REVIEW
    refused = window.post(f"{url}/approve", timeout=60)  # a township's window does not review
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    same = officer.post(f"{url}/approve", timeout=60)  # who handled it does not approve it
    assert same.status_code == 400 and same.json()["message"] == "县民政审核须由经办人以外的人员办理"
    done = _ok(approver.post(f"{url}/approve", timeout=60))
    assert done["status"] == "approved" and done["balance"]["issued"] == done["amount"]
    assert PaymentRoll.objects.get().approved_by.username == "longhui_approver"


def test_out_of_scope_is_404_and_without_the_capability_403(live_server, paid_household, persona, county):
    from jiuzhu.funds import services

    paid_household()
    roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=dt.date(2026, 11, 1),
                                 item="2081902")
    url = f"{live_server.url}{API}/rolls/{roll.pk}"
    far = signed_in_session(live_server.url, "dongkou_officer")
    assert _ok(far.get(f"{live_server.url}{API}/rolls", timeout=60))["total"] == 0
    for response in (far.get(url, timeout=60), far.get(f"{url}/lines", timeout=60),
                     far.post(f"{url}/check", timeout=60)):
        assert response.status_code == 404 and response.json() == NO_SCOPE
    analyst = signed_in_session(live_server.url, "longhui_analyst")
    for response in (analyst.get(f"{live_server.url}{API}/rolls", timeout=60), analyst.get(url, timeout=60),
                     analyst.get(f"{url}/lines", timeout=60)):
        assert response.status_code == 403 and response.json()["code"] == "forbidden", response.text
    officer = signed_in_session(live_server.url, "longhui_officer")
    assert officer.get(f"{url}/lines?limit=500", timeout=60).json()["errors"][0]["path"] == "limit"
    assert officer.get(f"{url}/lines?status=x", timeout=60).json()["errors"][0]["path"] == "status"


def test_the_citys_fund_over_the_api(live_server, city_fund, persona, household, prepare):
    from jiuzhu.funds import fund_services

    entry = prepare(city_fund, household, "3000")
    fund_services.disbursement_approve(actor=persona("shaoyang_fund_approver"), entry=entry)
    base = f"{live_server.url}{API}/safety-net/funds"
    longhui = signed_in_session(live_server.url, "longhui_officer")
    funds = _ok(longhui.get(base, timeout=60))
    assert funds["total"] == 1 and funds["results"][0]["region_code"] == "430500"
    assert funds["results"][0]["balance"] == "97000.00" and funds["results"][0]["own"] is False
    detail = _ok(longhui.get(f"{base}/{city_fund.pk}", timeout=60))
    assert (detail["income"], detail["spent"], detail["closing"]) == ("100000.00", "3000.00", "97000.00")
    own = _ok(longhui.get(f"{base}/{city_fund.pk}/ledger", timeout=60))["results"]
    assert [(x["kind"], x["balance"]) for x in own] == [("contribution", "100000.00"), ("disbursement", "97000.00")]
    assert own[1]["household_head_name"] == household.head.name
    assert _read(household.head.pk, "api_fund_ledger") == 1
    # Another county of the city: the amount, not the household (nor its audit row).
    other = _ok(signed_in_session(live_server.url, "dongkou_officer").get(f"{base}/{city_fund.pk}/ledger",
                                                                           timeout=60))["results"]
    assert other[1]["household_head_name"] is None and other[1]["amount"] == "3000.00"
    assert other[1]["decision_ref"] == "" and _read(household.head.pk, "api_fund_ledger") == 1
    # Another city's county: nothing; a township window (no fund capability): 403.
    furong = signed_in_session(live_server.url, "furong_officer")
    assert _ok(furong.get(base, timeout=60))["total"] == 0
    assert furong.get(f"{base}/{city_fund.pk}", timeout=60).json() == NO_SCOPE
    assert furong.get(f"{base}/{city_fund.pk}/ledger", timeout=60).status_code == 404
    window = signed_in_session(live_server.url, "longhui_window")
    assert window.get(base, timeout=60).status_code == 403
    assert window.get(f"{base}/{city_fund.pk}/ledger", timeout=60).status_code == 403
    assert longhui.get(f"{base}/{city_fund.pk}?year=1999", timeout=60).json()["errors"][0]["path"] == "year"


def test_the_township_confirms_a_service_record_over_the_api(live_server, contract, staff, person, persona):
    from jiuzhu.funds import purchase_services

    record = purchase_services.service_record(actor=persona("longhui_officer"), contract=contract, person=person,
                                              item="care", served_on=dt.date(2026, 3, 2), hours="2.5", staff=staff)
    base = f"{live_server.url}{API}/service-records"
    window = signed_in_session(live_server.url, "longhui_window")
    page = _ok(window.get(base, timeout=60))
    assert page["total"] == 1 and page["results"][0]["person_name"] == person.name
    assert page["results"][0]["status_label"] == "待乡镇确认"
    assert _read(person.pk, "api_service_records") == 1
    far = signed_in_session(live_server.url, "dongkou_window")
    assert _ok(far.get(base, timeout=60))["total"] == 0
    assert far.post(f"{base}/{record.pk}/confirm", timeout=60).json() == NO_SCOPE
    analyst = signed_in_session(live_server.url, "longhui_analyst")
    assert analyst.get(base, timeout=60).status_code == 403
    assert analyst.post(f"{base}/{record.pk}/confirm", timeout=60).status_code == 403
    # The county officer records services but the township confirms them.
    assert signed_in_session(live_server.url, "longhui_officer").post(
        f"{base}/{record.pk}/confirm", timeout=60).status_code == 403
    done = _ok(window.post(f"{base}/{record.pk}/confirm", timeout=60))
    assert done["status"] == RecordStatus.CONFIRMED and done["confirmed_at"]
    assert window.get(f"{base}?show=nope", timeout=60).json()["errors"][0]["path"] == "show"
