"""The rule builder's checks (Chinese errors naming the field) and the SQL it compiles to."""

import datetime as dt

import duckdb
import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.monitoring.indicators_seed import SEEDS
from jiuzhu.monitoring.rules_sql import clean_rule, compile_plan, compile_rule, compile_rules, window_start

GOOD = {"source": "medical_settlement", "field": "out_of_pocket", "aggregation": "sum", "operator": ">",
        "threshold": "6000", "basis": "absolute", "window_months": "12", "conditions": [], "population": "monitored",
        "severity": "high", "disposition_hint": "implement_policy", "deadline_days": "10", "frequency": "monthly",
        "mode": "automatic"}


def test_a_good_rule_is_stored_with_numbers():
    rule = clean_rule(GOOD)
    assert rule["threshold"] == 6000 and rule["window_months"] == 12 and rule["deadline_days"] == 10


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"source": ""}, "source", "数据来源：请选择数据来源"),
    ({"source": "weather"}, "source", "数据来源：没有这个数据来源：weather"),
    ({"field": "cost"}, "field", "统计字段：医保结算中没有字段“cost”"),
    ({"field": ""}, "field", "统计字段：“合计”需要选择统计字段"),
    ({"field": "discharge_date"}, "field", "统计字段：“出院日期”不是数值，不能求合计"),
    ({"operator": "~"}, "operator", "比较方式：“~”不是可选项"),
    ({"threshold": "六千"}, "threshold", "阈值：应为数字，“六千”不是数字"),
    ({"threshold": "-1"}, "threshold", "阈值：不能小于 0"),
    ({"window_months": "1.5"}, "window_months", "时间窗口（月）：应为整数"),
    ({"window_months": "121"}, "window_months", "时间窗口（月）：不能大于 120"),
    ({"deadline_days": "0"}, "deadline_days", "办理时限（工作日）：不能小于 1"),
    ({"deadline_days": ""}, "deadline_days", "办理时限（工作日）：请填写数字"),
    ({"population": "martians"}, "population", "监测人群：“martians”不是可选项"),
    ({"severity": ""}, "severity", "预警等级：请选择"),
    ({"basis": "household_income", "threshold": "0.5", "population": "non_registry"}, "population",
     "监测人群：按家庭年收入比例比较只适用于低收入人口库内人员"),
    ({"basis": "disposable_income", "threshold": "500"}, "threshold", "阈值：按比例比较时阈值是比例"),
    ({"conditions": [{"field": "grade", "operator": "=", "value": 1}]}, "conditions.0",
     "筛选条件：第 1 个条件：医保结算中没有字段“grade”"),
    ({"source": "register_change", "aggregation": "count", "field": "",
      "conditions": [{"field": "change_kind", "operator": "in", "value": "迁出,'; DROP"}]}, "conditions.0",
     "不能含引号"),
])
def test_an_invalid_rule_names_the_field_in_chinese(change, field, message):
    with pytest.raises(DomainError) as caught:
        clean_rule({**GOOD, **change})
    assert caught.value.field == field
    assert message in caught.value.message


def test_window_start_counts_back_whole_months():
    assert window_start(dt.date(2026, 11, 30), 12) == dt.date(2025, 12, 1)
    assert window_start(dt.date(2026, 3, 31), 1) == dt.date(2026, 3, 1)  # 28 Feb + 1
    assert window_start(dt.date(2026, 3, 31), 0) is None


def test_every_seed_is_clean_and_compiles_to_one_statement_without_dialect_specifics():
    rules = [(n, clean_rule(rule)) for n, (*_head, rule) in enumerate(SEEDS, start=1)]
    sql = compile_rules(rules, as_of=dt.date(2026, 11, 30), disposable_income=30000)
    for word in ("||", "FILTER", '"', "date_add", "date_diff", "datediff", "QUALIFY", "::"):
        assert word not in sql, word
    # each source is read once for all its rules
    assert sql.count("FROM feed_medical_settlement") == 1


def _small_world(duck):
    duck.execute("CREATE TABLE feed_medical_settlement (id_hash VARCHAR, id_enc VARCHAR, name VARCHAR, "
                 "person_id BIGINT, region_code VARCHAR, row_number BIGINT, discharge_date DATE, out_of_pocket DOUBLE, "
                 "batch_region_id BIGINT)")
    duck.execute("CREATE TABLE reg_persons (person_id BIGINT, household_id BIGINT, region_id BIGINT, id_hash VARCHAR)")
    duck.execute("CREATE TABLE reg_known (id_hash VARCHAR)")
    duck.execute("CREATE TABLE reg_households (household_id BIGINT, region_id BIGINT, low_income BIGINT, "
                 "annual_income DOUBLE)")
    duck.execute("CREATE TABLE reg_regions (region_id BIGINT, code VARCHAR)")
    duck.execute("INSERT INTO reg_persons VALUES (1, 10, 5, 'a'), (2, 20, 5, 'b')")
    duck.execute("INSERT INTO reg_households VALUES (10, 5, 1, 1000), (20, 5, 0, 1000)")
    duck.execute("INSERT INTO feed_medical_settlement VALUES "
                 "('a', NULL, 'x', NULL, NULL, 2, DATE '2026-05-01', 6000.01, 1),"
                 "('b', NULL, 'y', NULL, NULL, 3, DATE '2026-05-01', 9000, 1),"
                 "('a', NULL, 'x', NULL, NULL, 4, DATE '2025-11-30', 9000, 1)")  # outside the window


def test_a_compiled_rule_runs_on_duckdb():
    rule = clean_rule(GOOD)
    sql = compile_rule(rule, version_id=7, as_of=dt.date(2026, 11, 30))
    duck = duckdb.connect()
    _small_world(duck)
    rows = duck.execute(sql).fetchall()
    assert [(r[0], r[1], r[2], r[6], r[8]) for r in rows] == [(7, 1, 10, 6000.01, 1)]


def test_the_subjects_stage_keeps_only_subjects_a_rule_fires_for():
    """A feed's millions of subjects are joined with the registry but only those some rule fires for are
    stored: person 2 (not monitored) crosses no rule and is not in the stage."""
    from jiuzhu.monitoring.engines import DuckDBEngine

    rule = clean_rule(GOOD)
    counting = clean_rule({**GOOD, "aggregation": "count", "field": "", "threshold": "5", "population": "all"})
    plan = compile_plan([(7, rule), (8, counting)], as_of=dt.date(2026, 11, 30))
    engine = DuckDBEngine()
    _small_world(engine.duck)
    rows = engine.run(plan).to_pylist()
    assert [(r["version_id"], r["person_id"], r["value"]) for r in rows] == [(7, 1, 6000.01)]
    assert engine.duck.execute("SELECT list(person_id) FROM s0").fetchone()[0] == [1]
    engine.close()
