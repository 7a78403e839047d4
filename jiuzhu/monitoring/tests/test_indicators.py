"""Each seeded indicator just below, at and above its threshold; effective-dated versions per region."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import COUNTY_A, member
from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region
from jiuzhu.core.region_settings import region_setting_set
from jiuzhu.monitoring.indicators import indicator_version_create, versions_in_force
from jiuzhu.monitoring.indicators_seed import SEEDS
from jiuzhu.monitoring.models import Warning
from jiuzhu.monitoring.rules_sources import SOURCES
from jiuzhu.monitoring.runs import comparison_run
from jiuzhu.monitoring.tests.conftest import AS_OF
from jiuzhu.registry.models import AssistanceGrant, IncomeItem, TierDecision

pytestmark = pytest.mark.django_db

FEED_SEEDS = [s for s in SEEDS if not SOURCES[s[4]["source"]].registry]
INCOME = 20000  # the household's recorded income over the 12 months
DISPOSABLE = 30000


def _in_force(household, *, tier="dibao", valid_to=dt.date(2026, 12, 31)):
    return TierDecision.objects.create(household=household, assessed_on=dt.date(2026, 1, 1), recommended_tier=tier,
                                       tier=tier, status="confirmed", valid_from=dt.date(2026, 1, 1),
                                       valid_to=valid_to)


def _amount(rule) -> Decimal:
    t = Decimal(str(rule["threshold"]))
    return {"absolute": t, "household_income": t * INCOME, "disposable_income": t * DISPOSABLE}[rule["basis"]]


def _rows(rule, number: str, value: Decimal) -> list[dict]:
    source = SOURCES[rule["source"]]
    row = {"id_number": number, "name": "测试", source.date_column: AS_OF - dt.timedelta(days=1)}
    for condition in rule["conditions"]:
        v = condition["value"]
        row[condition["field"]] = v[0] if isinstance(v, list) else float(v)
    if rule["aggregation"] == "count":
        return [dict(row) for _ in range(int(value))]
    return [{**row, rule["field"]: float(value)}]


@pytest.mark.parametrize("seed", FEED_SEEDS, ids=[s[0] for s in FEED_SEEDS])
def test_feed_indicator_below_at_and_above_its_threshold(seed, catalogue, store_feed, register, persona):
    code, _name, _klass, _description, rule = seed
    region_setting_set(actor=persona("shaoyang_admin"), key="disposable_income_last_year",
                       region=Region.objects.get(code="430500"), effective_from=dt.date(2025, 1, 1), value=DISPOSABLE)
    step = Decimal(1) if rule["aggregation"] == "count" else Decimal("0.01")
    amount = _amount(rule)
    subjects, rows = {}, []
    for n, (case, value) in enumerate([("below", amount - step), ("at", amount), ("above", amount + step)]):
        number = make_id_number(COUNTY_A, dt.date(1960 + n, 3, 4), 41 + n)
        if rule["population"] == "non_registry":
            subjects[case] = ("x", number)
        else:
            household = register(members=[{**member(f"测{case}", "head", born=dt.date(1960 + n, 3, 4), seq=41 + n),
                                           "id_number": number}])
            if rule["population"] == "monitored":
                _in_force(household)
            IncomeItem.objects.create(household=household, kind="wage", amount=INCOME,
                                      period_start=dt.date(2025, 12, 1), period_end=AS_OF)
            subjects[case] = ("p", household.members.get().pk)
        rows += _rows(rule, number, value)
    store_feed(rule["source"], rows)
    comparison_run(region=Region.objects.get(code=COUNTY_A), as_of=AS_OF)
    warned = Warning.objects.filter(indicator=catalogue[code])
    fired = {case for case, (kind, key) in subjects.items()
             if (warned.filter(person_id=key) if kind == "p"
                 else warned.filter(person=None, subject_id_hash=keyed_hash(key))).exists()}
    expected = {"above"} if rule["operator"] == ">" else {"at", "above"}
    assert fired == expected


def test_policy_gap_and_tier_lapse(catalogue, register, persona):
    org = persona("longhui_officer").organization
    gap, granted, lapsed, current = (register(members=[member(n, "head", seq=51 + i, born=dt.date(1970, 1, 1 + i))])
                                     for i, n in enumerate(["甲", "乙", "丙", "丁"]))
    _in_force(gap)
    _in_force(granted)
    AssistanceGrant.objects.create(household=granted, category="basic_living", monthly_amount=300,
                                   period_start=dt.date(2026, 1, 1), granting_organization=org)
    _in_force(lapsed, valid_to=AS_OF - dt.timedelta(days=1))  # ended yesterday, nothing since: 1 day > 0
    _in_force(current, valid_to=AS_OF)  # still in force today: 0 days
    comparison_run(region=Region.objects.get(code=COUNTY_A), as_of=AS_OF)
    # 低保 in force without its basic-living grant (current has none either); a lapsed tier is no gap
    assert set(Warning.objects.filter(indicator=catalogue["policy_gap"]).values_list("household_id", flat=True)) \
        == {gap.pk, current.pk}
    assert set(Warning.objects.filter(indicator=catalogue["tier_lapsed"]).values_list("household_id", flat=True)) \
        == {lapsed.pk}
    assert Warning.objects.get(indicator=catalogue["tier_lapsed"]).evidence["数值"] == 1


def test_double_benefits_across_counties(catalogue, register, persona):
    org = persona("longhui_officer").organization
    home = register(members=[member("两地", "head", seq=61)])
    single = register(members=[member("一地", "head", seq=62)])
    elsewhere = register("dongkou_officer", village="430525100200", members=[member("洞口户", "head", seq=63,
                                                                                     region="430525")])
    person, other = home.members.get(), single.members.get()
    for household, who in [(home, person), (elsewhere, person), (single, other)]:
        AssistanceGrant.objects.create(household=household, person=who, category="basic_living", monthly_amount=300,
                                       period_start=dt.date(2026, 1, 1), granting_organization=org)
    comparison_run(region=Region.objects.get(code=COUNTY_A), as_of=AS_OF)
    assert list(Warning.objects.filter(indicator=catalogue["double_benefit"]).values_list("person_id", flat=True)) \
        == [person.pk]


def test_effective_dated_versions_per_region(catalogue, persona, store_feed, person_in_registry):
    admin = persona("longhui_admin")
    county = Region.objects.get(code=COUNTY_A)
    indicator = catalogue["med_oop_general"]
    rule = dict(versions_in_force(county, AS_OF)[indicator.pk].rule)
    indicator_version_create(actor=admin, indicator=indicator, region=county, valid_from=AS_OF,
                             rule={**rule, "threshold": 5000}, note="县提高监测灵敏度")
    assert versions_in_force(county, AS_OF - dt.timedelta(days=1))[indicator.pk].rule["threshold"] == 10000
    assert versions_in_force(county, AS_OF)[indicator.pk].rule["threshold"] == 5000
    other = Region.objects.get(code="430525")
    assert versions_in_force(other, AS_OF)[indicator.pk].rule["threshold"] == 10000
    _person, number = person_in_registry()
    store_feed("medical_settlement", [{"id_number": number, "discharge_date": AS_OF - dt.timedelta(days=40),
                                       "out_of_pocket": 6000.0}])
    comparison_run(region=county, as_of=AS_OF - dt.timedelta(days=1))
    assert not Warning.objects.filter(indicator=indicator).exists()
    comparison_run(region=county, as_of=AS_OF)
    assert Warning.objects.get(indicator=indicator).evidence["阈值"] == 5000
    # a disabled version switches the indicator off from its date
    indicator_version_create(actor=admin, indicator=indicator, region=county, valid_from=AS_OF + dt.timedelta(days=1),
                             rule={**rule, "threshold": 5000}, enabled=False)
    assert not versions_in_force(county, AS_OF + dt.timedelta(days=1))[indicator.pk].enabled
