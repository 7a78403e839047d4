"""Manual adjustments (调整) of a line on an editable township part: signed, reason required, audited, refused once
the part has moved on or the roll is frozen; the township's and the roll's totals follow; kept when the part is
prepared again."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import VILLAGE_A2
from jiuzhu.core.errors import DomainError
from jiuzhu.funds import services
from jiuzhu.funds.models import PaymentLine
from jiuzhu.funds.tests.conftest import MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(persona, county, paid_household):
    paid_household(amount="300.00")
    paid_household(village=VILLAGE_A2, amount="200.00")
    return services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")


def _line(roll, township="430524100000"):
    return PaymentLine.objects.get(roll=roll, township__code=township)


def _adjust(persona, line, amount, reason="少报一个月的护理补贴", username="longhui_window"):
    return services.line_adjust(actor=persona(username), line=line, amount=amount, reason=reason)


def test_adjustment_changes_the_total_and_the_township_totals(persona, roll):
    from jiuzhu.core.models import AuditLog, Event

    line = _adjust(persona, _line(roll), "-50")
    assert (line.adjustment, line.total, line.adjustment_reason) == (Decimal("-50.00"), Decimal("250.00"),
                                                                     "少报一个月的护理补贴")
    roll.refresh_from_db()
    parts = {p.township.code: p.amount for p in roll.townships.all()}
    assert parts == {"430524100000": Decimal("250.00"), "430524101000": Decimal("200.00")}
    assert roll.amount == Decimal("450.00")
    audit = AuditLog.objects.get(object_type="funds.paymentline", object_id=str(line.pk), action="update")
    assert audit.person_id == line.payee_id and audit.detail["changes"]["adjustment"] == ["0.00", "-50.00"]
    assert Event.objects.filter(kind="funds.line_adjusted", person_id=line.payee_id).count() == 1
    # a second adjustment replaces the first (not added to it)
    line = _adjust(persona, line, "120.5")
    roll.refresh_from_db()
    assert line.total == Decimal("420.50") and roll.amount == Decimal("620.50")


def test_adjustment_survives_preparing_again(persona, county, roll):
    _adjust(persona, _line(roll), "30")
    roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")
    line = _line(roll)
    assert (line.adjustment, line.total) == (Decimal("30.00"), Decimal("330.00"))
    assert roll.amount == Decimal("530.00")


def test_reason_required_and_total_never_negative(persona, roll):
    line = _line(roll)
    with pytest.raises(DomainError) as exc:
        _adjust(persona, line, "-10", reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(DomainError) as exc:
        _adjust(persona, line, "-300.01")
    assert exc.value.field == "amount"
    with pytest.raises(DomainError):
        _adjust(persona, line, "五十")
    assert _line(roll).adjustment == 0


def test_status_guard(persona, roll, to_county_review, county):
    line = _line(roll)
    window = persona("longhui_window")
    services.township_submit(actor=window, roll=roll, township=line.township)
    with pytest.raises(DomainError):  # the part has moved on to 乡镇审核
        _adjust(persona, line, "10")
    services.township_return(actor=window, roll=roll, township=line.township, reason="金额有误")
    _adjust(persona, line, "10")  # sent back: editable again
    to_county_review(roll)
    with pytest.raises(DomainError):  # the roll is at the county
        _adjust(persona, line, "20", username="longhui_officer")
    assert _line(roll).adjustment == Decimal("10.00")


def test_scope_and_capability(persona, roll):
    with pytest.raises(Http404):  # 桃洪镇's window, a line of 小沙江镇
        _adjust(persona, _line(roll, "430524101000"), "10")
    with pytest.raises(Http404):
        _adjust(persona, _line(roll), "10", username="dongkou_officer")
    with pytest.raises(PermissionDenied):
        _adjust(persona, _line(roll), "10", username="longhui_approver")


def test_adjust_page(client_for, roll):
    line = _line(roll)
    client = client_for("longhui_window")
    lines = client.get(f"/funds/rolls/{roll.pk}/lines/").content.decode()
    assert f"/funds/lines/{line.pk}/adjust/" in lines
    page = client.get(f"/funds/lines/{line.pk}/adjust/")
    assert page.status_code == 200 and '<label for="id_reason">' in page.content.decode()
    bad = client.post(f"/funds/lines/{line.pk}/adjust/", {"amount": "-20", "reason": ""})
    assert bad.status_code == 400 and "调整理由" in bad.content.decode()
    ok = client.post(f"/funds/lines/{line.pk}/adjust/", {"amount": "-20", "reason": "上月多发"})
    assert ok.status_code == 302 and _line(roll).total == Decimal("280.00")
    other = _line(roll, "430524101000")
    assert client.get(f"/funds/lines/{other.pk}/adjust/").status_code == 404
    assert client_for("longhui_approver").get(f"/funds/lines/{line.pk}/adjust/").status_code == 403
