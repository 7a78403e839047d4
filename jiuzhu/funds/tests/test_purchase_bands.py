"""The performance bands of the purchase of services are region settings (funds/settings_catalog.py): the national
default is the old constants; a region's own bands change the payable share from their effective date on, the
nearest ancestor's version winning."""

import datetime as dt
from decimal import Decimal

from jiuzhu.core.models import Region
from jiuzhu.core.region_settings import region_setting_set, settings_for_region
from jiuzhu.funds import purchase_services as svc

SCORES = {"服务数量完成率": 90, "服务质量": 80, "档案规范": 70}  # with satisfaction 95: 84.60 (良好 by default)


def _evaluate(persona, contract, sequence, on):
    milestone = contract.milestones.get(sequence=sequence)
    ind = {i.name: i.pk for i in contract.indicators.all()}
    ev = svc.evaluation_record(actor=persona("longhui_officer"), milestone=milestone, satisfaction=95,
                               scores={ind[name]: score for name, score in SCORES.items()}, evaluated_on=on)
    milestone.refresh_from_db()
    return ev.grade, milestone.payable


def test_a_regions_bands_change_the_payable_share_from_their_effective_date(contract, persona):
    admin = persona("shaoyang_admin")
    city, county = Region.objects.get(code="430500"), Region.objects.get(code="430524")
    # 邵阳市: 良好 pays 80 % from July; 隆回县: 良好 needs 85 points from August.
    region_setting_set(actor=admin, key="purchase_band_good_share", region=city, effective_from=dt.date(2026, 7, 1),
                       value="0.8", note="市财政局 2026 年绩效付费办法")
    region_setting_set(actor=admin, key="purchase_band_good_score", region=county,
                       effective_from=dt.date(2026, 8, 1), value="85")
    # The day before the city's version: the national default, 90 % of 90,000.
    assert _evaluate(persona, contract, 1, dt.date(2026, 6, 30)) == ("良好", Decimal("81000.00"))
    # From its effective date: the city's 80 % of 120,000.
    assert _evaluate(persona, contract, 2, dt.date(2026, 7, 1)) == ("良好", Decimal("96000.00"))
    # The county's own floor: 84.60 is only 合格 there, 70 % of 90,000.
    assert _evaluate(persona, contract, 3, dt.date(2026, 8, 1)) == ("合格", Decimal("63000.00"))


def test_the_bands_are_on_the_settings_page_with_the_national_default(world, persona):
    shown = {s.definition.key: s for s in settings_for_region(actor=persona("longhui_officer"),
                                                              region=Region.objects.get(code="430524"),
                                                              on=dt.date(2026, 7, 1))}
    assert shown["purchase_band_excellent_score"].display == "90"
    assert shown["purchase_band_good_share"].display == "0.9"
    assert shown["purchase_band_pass_score"].definition.label == "绩效评价“合格”最低分"
    assert shown["purchase_band_pass_share"].row is None


def test_the_contract_page_states_the_bands_in_force(contract, persona, client_for):
    region_setting_set(actor=persona("shaoyang_admin"), key="purchase_band_good_share",
                       region=Region.objects.get(code="430500"), effective_from=svc.today() - dt.timedelta(days=1),
                       value="0.8")
    page = client_for("longhui_officer").get(f"/funds/services/{contract.pk}/").content.decode()
    assert ("90 分及以上（优秀）支付 100%，80 分及以上（良好）支付 80%，60 分及以上（合格）支付 70%，"
            "低于 60 分不予支付") in page
