"""The seeded indicator catalogue (DOMAIN.md §1.3–1.4): four classes, national defaults a region overrides
with its own dated versions in the rule builder. Thresholds are the ones seen in practice:
- medical out-of-pocket: > 6,000 元 for monitored persons and > 10,000 元 for others (a county's monthly
  push), > 50% of last year's per-capita disposable income (青海, 阳原), > 50% of the household's income;
  over a rolling 12-month window of discharge dates;
- deaths from all three sources (辽宁: household registers lag), each its own indicator;
- deadlines: no national number exists (§1.4); 10 working days for needs and eligibility changes, 5 for
  deaths, 15 for leads outside the registry, as a configurable default.

`seed_indicators(Indicator, IndicatorVersion, Region)` is idempotent (by code) and used by migration 0003
and by tests after a flush. Core's region tree has no national node (provinces are its roots), so the
national default is one version on each province; a province, city or county overrides it with a later
version of its own (nearest ancestor wins)."""

import datetime as dt

NATIONAL_FROM = dt.date(2020, 1, 1)


def _rule(source, field, aggregation, operator, threshold, *, window=12, basis="absolute", population="registry",
          severity="medium", hint="implement_policy", deadline=10, conditions=(), frequency="monthly"):
    return {"source": source, "field": field, "aggregation": aggregation, "operator": operator,
            "threshold": threshold, "basis": basis, "window_months": window, "conditions": list(conditions),
            "population": population, "severity": severity, "disposition_hint": hint, "deadline_days": deadline,
            "frequency": frequency, "mode": "automatic"}


SEEDS: list[tuple[str, str, str, str, dict]] = [
    # (code, name, class, description, rule)
    ("med_oop_monitored", "低收入对象医疗自付费用高", "need",
     "在期低收入对象近12个月住院个人自付合计超过6000元（三重保障后）",
     _rule("medical_settlement", "out_of_pocket", "sum", ">", 6000, population="monitored", severity="high")),
    ("med_oop_general", "其他库内人员医疗自付费用高", "need",
     "库内无在期认定人员近12个月个人自付合计超过10000元",
     _rule("medical_settlement", "out_of_pocket", "sum", ">", 10000, population="registry_not_monitored")),
    ("med_oop_household_income", "医疗自付超过家庭年收入一半", "need",
     "近12个月个人自付合计超过家庭近12个月收入的50%",
     _rule("medical_settlement", "out_of_pocket", "sum", ">", 0.5, basis="household_income", severity="high")),
    ("med_oop_disposable_income", "医疗自付超过上年人均可支配收入一半", "need",
     "近12个月个人自付合计超过上年度居民人均可支配收入的50%（青海、阳原做法）",
     _rule("medical_settlement", "out_of_pocket", "sum", ">", 0.5, basis="disposable_income")),
    ("disability_severe_new", "新增重度残疾", "need", "近3个月新发一、二级残疾人证",
     _rule("disability", "", "count", ">=", 1, window=3,
           conditions=[{"field": "disability_grade", "operator": "<=", "value": 2}])),
    ("unemployment_new", "新增失业登记", "need", "近3个月办理失业登记",
     _rule("unemployment", "", "count", ">=", 1, window=3, severity="low", hint="refer_department")),
    ("disaster_victim", "受灾人员", "need", "近3个月应急管理部门登记受灾",
     _rule("disaster", "", "count", ">=", 1, window=3, severity="high")),
    ("student_hardship", "家庭经济困难学生", "need", "近12个月教育部门认定的家庭经济困难学生",
     _rule("student_hardship", "", "count", ">=", 1, severity="low", hint="refer_department", frequency="yearly")),
    ("death_public_security", "死亡（公安户籍注销）", "dynamic", "公安户籍注销为死亡",
     _rule("death_public_security", "", "count", ">=", 1, severity="high", hint="verify_terminate", deadline=5)),
    ("death_cremation", "死亡（殡葬火化）", "dynamic", "殡葬管理部门火化记录",
     _rule("death_cremation", "", "count", ">=", 1, severity="high", hint="verify_terminate", deadline=5)),
    ("death_hospital", "死亡（医学死亡证明）", "dynamic", "卫健部门医学死亡证明",
     _rule("death_hospital", "", "count", ">=", 1, severity="high", hint="verify_terminate", deadline=5)),
    ("register_change", "户籍变动", "dynamic", "近3个月户籍迁出或注销",
     _rule("register_change", "", "count", ">=", 1, window=3, hint="verify_terminate",
           conditions=[{"field": "change_kind", "operator": "in", "value": ["迁出", "注销"]}])),
    ("vehicle_new", "新增机动车辆", "dynamic", "在期低收入对象近12个月登记机动车",
     _rule("vehicle", "", "count", ">=", 1, population="monitored", hint="verify_terminate")),
    ("property_new", "新增不动产", "dynamic", "在期低收入对象近12个月登记不动产",
     _rule("real_estate", "", "count", ">=", 1, population="monitored", hint="verify_terminate")),
    ("business_new", "工商登记或企业任职", "dynamic", "在期低收入对象近12个月登记企业或担任企业职务",
     _rule("business", "", "count", ">=", 1, population="monitored", hint="verify_terminate")),
    ("pension_income", "领取养老金较高", "dynamic", "在期低收入对象近12个月养老金合计达到12000元",
     _rule("pension", "monthly_amount", "sum", ">=", 12000, population="monitored", severity="low",
           hint="verify_terminate")),
    ("public_payroll", "财政供养人员", "dynamic", "在期低收入对象为财政供养人员",
     _rule("public_payroll", "", "count", ">=", 1, window=0, population="monitored", severity="high",
           hint="verify_terminate")),
    ("prisoner", "服刑人员", "dynamic", "在期低收入对象近12个月入监服刑",
     _rule("prisoner", "", "count", ">=", 1, population="monitored", hint="verify_terminate")),
    ("double_benefit", "跨区域重复享受", "dynamic", "同一人在两个以上县（区）同时享受低保或特困供养",
     _rule("registry_grants", "county_code", "count_distinct", ">", 1, window=0, severity="high",
           hint="verify_terminate", conditions=[{"field": "category", "operator": "in",
                                                 "value": ["basic_living", "destitute_support"]}])),
    ("policy_gap", "符合条件未享受救助", "policy", "在期低保、特困家庭没有正在发放的基本生活救助或特困供养",
     _rule("registry_policy_gap", "missing_items", "max", ">=", 1, window=0, population="registry")),
    ("tier_lapsed", "认定到期未复核", "policy", "认定有效期已过而没有新的认定",
     _rule("registry_tier_lapse", "days_lapsed", "max", ">", 0, window=0, population="registry", severity="low")),
    ("discover_medical", "库外人员医疗自付费用高", "active_discovery",
     "不在低收入人口库的人员近12个月个人自付合计超过10000元：入户核实线索",
     _rule("medical_settlement", "out_of_pocket", "sum", ">", 10000, population="non_registry", deadline=15)),
    ("discover_disability", "库外新增重度残疾", "active_discovery", "不在库内的人员近3个月新发一、二级残疾人证",
     _rule("disability", "", "count", ">=", 1, window=3, population="non_registry", deadline=15,
           conditions=[{"field": "disability_grade", "operator": "<=", "value": 2}])),
    ("discover_disaster", "库外受灾人员", "active_discovery", "不在库内的受灾人员",
     _rule("disaster", "", "count", ">=", 1, window=3, population="non_registry", deadline=15)),
]


def seed_indicators(Indicator, IndicatorVersion, Region) -> int:
    """Creates the missing seeded indicators and their national default on every province. Returns how
    many indicators were added."""
    roots = list(Region.objects.filter(parent__isnull=True))
    existing = set(Indicator.objects.values_list("code", flat=True))
    added = 0
    for code, name, klass, description, rule in SEEDS:
        if code in existing:
            continue
        indicator = Indicator.objects.create(code=code, name=name, indicator_class=klass, description=description,
                                             builtin=True)
        IndicatorVersion.objects.bulk_create([
            IndicatorVersion(indicator=indicator, region=root, valid_from=NATIONAL_FROM, rule=rule, enabled=True,
                             note="全国默认")
            for root in roots])
        added += 1
    return added
