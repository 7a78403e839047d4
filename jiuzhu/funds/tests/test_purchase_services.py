"""Purchase of services: USCC validation, contracts' rules, service records confirmed by the township, evaluation
score to milestone payment, scope and capability guards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import VILLAGE_A2, member
from jiuzhu.core.errors import DomainError
from jiuzhu.funds import purchase_selectors as sel
from jiuzhu.funds import purchase_services as svc
from jiuzhu.funds.purchase_models import MilestoneStatus, RecordStatus, ServiceRecord
from jiuzhu.funds.tests.conftest import USCC

pytestmark = pytest.mark.django_db
SERVED = dt.date(2026, 3, 2)


@pytest.mark.parametrize(("code", "message"), [
    ("91110000600037341X", "校验位"), ("9111000060003734", "18 位"), ("91110000600O37341L", "格式"), ("", "请填写")])
def test_the_uscc_is_checked_by_stdnum(world, persona, code, message):
    with pytest.raises(DomainError) as err:
        svc.provider_register(actor=persona("longhui_officer"), name="某服务中心", uscc=code, kind="social_org")
    assert err.value.field == "uscc" and message in err.value.message


def test_a_provider_is_registered_once(provider, persona):
    assert provider.uscc == USCC
    with pytest.raises(DomainError) as err:
        svc.provider_register(actor=persona("longhui_officer"), name="重名", uscc=USCC.lower(), kind="enterprise")
    assert "已登记" in err.value.message
    with pytest.raises(PermissionDenied):
        svc.provider_register(actor=persona("longhui_window"), name="x", uscc=USCC, kind="enterprise")


def test_a_contracts_weights_and_milestones_must_add_up(provider, persona):
    base = {"actor": persona("longhui_officer"), "provider": provider, "title": "项目", "number": "1",
            "method": "single_source", "budget": "100", "start_on": dt.date(2026, 1, 1),
            "end_on": dt.date(2026, 12, 31), "items": ["care"]}
    with pytest.raises(DomainError) as err:
        svc.contract_create(**base, indicators=[("质量", 60), ("数量", 30)], milestones=[("全款", "100")])
    assert err.value.field == "indicators"
    with pytest.raises(DomainError) as err:
        svc.contract_create(**base, indicators=[("质量", 100)], milestones=[("首款", "50"), ("尾款", "40")])
    assert err.value.field == "milestones"
    with pytest.raises(Http404):  # 洞口 does not contract 隆回's provider
        svc.contract_create(**{**base, "actor": persona("dongkou_officer")}, indicators=[("质量", 100)],
                            milestones=[("全款", "100")])


def _record(persona, contract, staff, person, **extra):
    data = {"item": "care", "served_on": SERVED, "hours": "2.5", "staff": staff, "note": "上门助浴、打扫卫生"}
    return svc.service_record(actor=persona("longhui_officer"), contract=contract, person=person, **{**data, **extra})


def test_the_township_confirms_a_service_record(contract, staff, person, persona):
    record = _record(persona, contract, staff, person)
    window = persona("longhui_window")  # 桃洪镇, where the person lives
    assert list(sel.records_to_confirm(window)) == [record]
    with pytest.raises(PermissionDenied):  # the officer records, the township confirms
        svc.service_confirm(actor=persona("longhui_officer"), record=record)
    with pytest.raises(Http404):
        svc.service_confirm(actor=persona("dongkou_window"), record=record)
    svc.service_confirm(actor=window, record=record)
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.CONFIRMED
    with pytest.raises(DomainError):  # once
        svc.service_return(actor=window, record=record, reason="重复")
    figures = sel.contract_figures(contract)
    assert figures["totals"]["confirmed"] == 1 and figures["totals"]["hours"] == Decimal("2.5")


def test_only_a_township_confirms(contract, staff, person, persona, world):
    from jiuzhu.core.models import User

    record = _record(persona, contract, staff, person)
    county_window = persona("longhui_window")
    User.objects.filter(pk=county_window.pk).update(region=persona("longhui_officer").region)
    with pytest.raises(DomainError):
        svc.service_confirm(actor=persona("longhui_window"), record=record)


def test_another_township_does_not_see_the_record(contract, staff, register, persona):
    from jiuzhu.core.models import User

    elsewhere = register(village=VILLAGE_A2, members=[member("王秀英", "head", region="430524", seq=35)])
    record = _record(persona, contract, staff, elsewhere.members.get())
    window = persona("longhui_window")
    assert not sel.records_to_confirm(window).exists()
    with pytest.raises(Http404):
        svc.service_confirm(actor=window, record=record)
    assert User.objects.get(pk=window.pk).region.code != "430524101000"


def test_a_service_record_keeps_to_its_contract(contract, staff, person, persona, register):
    with pytest.raises(DomainError) as err:
        _record(persona, contract, staff, person, item="training")
    assert err.value.field == "item"
    with pytest.raises(DomainError) as err:
        _record(persona, contract, staff, person, served_on=dt.date(2025, 12, 31))
    assert err.value.field == "served_on"
    with pytest.raises(DomainError) as err:
        _record(persona, contract, staff, person, hours="25")
    assert err.value.field == "hours"
    far = register(username="dongkou_officer", village="430525100200",
                   members=[member("赵小梅", "head", region="430525", seq=41)]).members.get()
    with pytest.raises(DomainError) as err:  # a person outside the contract's county
        _record(persona, contract, staff, far)
    assert err.value.field == "person"
    with pytest.raises(Http404):  # another county's officer does not see the contract
        svc.service_record(actor=persona("dongkou_officer"), contract=contract, person=person, item="care",
                           served_on=SERVED, hours=1, staff=staff)


def test_the_evaluation_score_sets_the_milestone_payment(contract, persona):
    officer, approver = persona("longhui_officer"), persona("longhui_approver")
    first, second = contract.milestones.order_by("sequence")[:2]
    ind = {i.name: i.pk for i in contract.indicators.all()}
    with pytest.raises(DomainError):  # in order
        svc.evaluation_record(actor=officer, milestone=second, scores={v: 90 for v in ind.values()}, satisfaction=90)
    with pytest.raises(PermissionDenied):
        svc.evaluation_record(actor=approver, milestone=first, scores={v: 90 for v in ind.values()},
                              satisfaction=90)
    ev = svc.evaluation_record(actor=officer, milestone=first, satisfaction=95,
                               scores={ind["服务数量完成率"]: 90, ind["服务质量"]: 80, ind["档案规范"]: 70})
    # purchaser 0.4×90 + 0.4×80 + 0.2×70 = 82; total 0.8×82 + 0.2×95 = 84.6: 良好, 90 % of 90,000
    assert (ev.purchaser_score, ev.total_score, ev.grade) == (Decimal("82.00"), Decimal("84.60"), "良好")
    first.refresh_from_db()
    assert first.payable == Decimal("81000.00") and first.status == MilestoneStatus.EVALUATED
    with pytest.raises(PermissionDenied):  # the officer evaluates, the approver pays
        svc.milestone_pay(actor=officer, milestone=first)
    with pytest.raises(DomainError):  # not evaluated yet
        svc.milestone_pay(actor=approver, milestone=second)
    svc.milestone_pay(actor=approver, milestone=first)
    with pytest.raises(DomainError):  # once
        svc.milestone_pay(actor=approver, milestone=first)
    ev2 = svc.evaluation_record(actor=officer, milestone=second, satisfaction=40, scores={v: 50 for v in ind.values()})
    second.refresh_from_db()
    assert ev2.grade == "不合格" and second.payable == Decimal("0.00")
    assert sel.contract_figures(contract)["paid"] == Decimal("81000.00")
