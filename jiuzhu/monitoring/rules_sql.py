"""The rule builder's JSON, checked and compiled to SQL.

A rule (IndicatorVersion.rule) is a dict:

    {"source": "medical_settlement", "field": "out_of_pocket", "aggregation": "sum", "operator": ">",
     "threshold": 6000, "basis": "absolute", "window_months": 12,
     "conditions": [{"field": "disability_grade", "operator": "<=", "value": 2}],
     "population": "monitored", "severity": "high", "disposition_hint": "implement_policy",
     "deadline_days": 10, "frequency": "monthly", "mode": "automatic"}

`clean_rule` returns the rule as stored or raises a DomainError whose Chinese message names the field
(`field` is the rule key), before anything is saved. `compile_rule` turns a clean rule into ONE SELECT that
runs unchanged on DuckDB and on Spark SQL: only the dialect both share is written (DATE '…' literals, CAST
to BIGINT/DOUBLE/STRING, coalesce, concat, CASE, count/sum/min/max, count(DISTINCT …), LEFT JOIN; no
FILTER, no `||`, no quoted identifiers, no date functions: window bounds are literals computed here).
Nothing is evaluated row by row in Python: the engine aggregates the feed per subject, joins the registry
snapshot and keeps the subjects that cross the threshold.

Every compiled SELECT yields the same columns, so a run evaluates all its indicators as one UNION ALL:
version_id, person_id, household_id, id_hash, name, region_id, value, threshold, rows_n,
evidence_start, evidence_end.

Views the SQL reads (runs.py and the engines provide them): the source's view (rules_sources), and the
registry snapshot reg_persons (person_id, household_id, region_id, id_hash), reg_known (id_hash of registry persons
outside the run's region), reg_households (household_id, region_id, low_income, annual_income), reg_regions
(region_id, code) of the run's region subtree."""

# ruff: noqa: S608 - SQL from the source catalogue's names, numbers, ISO dates and text values checked by _SAFE_TEXT
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jiuzhu.core.errors import DomainError
from jiuzhu.monitoring.models import Disposition, Severity
from jiuzhu.monitoring.rules_sources import DATE, NUMBER, SOURCES, TEXT, VALUE_LABELS

AGGREGATIONS = {"sum": "合计", "count": "记录数", "max": "最大值", "min": "最小值", "count_distinct": "不同值个数"}
OPERATORS = {">": "大于", ">=": "大于或等于", "<": "小于", "<=": "小于或等于", "=": "等于", "!=": "不等于"}
CONDITION_OPERATORS = {**OPERATORS, "in": "属于"}
BASES = {"absolute": "绝对金额（数值）", "household_income": "占家庭年收入的比例",
         "disposable_income": "占上年度居民人均可支配收入的比例"}
POPULATIONS = {"all": "全部人员", "registry": "低收入人口库内人员", "monitored": "库内低收入对象（认定在期）",
               "registry_not_monitored": "库内其他人员（无在期认定）", "non_registry": "库外人员（主动发现）"}
FREQUENCIES = {"daily": "每日", "monthly": "每月", "quarterly": "每季度", "yearly": "每年"}
MODES = {"automatic": "自动", "manual": "手动"}
DISPOSITION_HINTS = {k: v for k, v in Disposition.choices if k != Disposition.REBUTTED}
FIELD_LABELS = {
    "source": "数据来源", "field": "统计字段", "aggregation": "统计方式", "operator": "比较方式", "threshold": "阈值",
    "basis": "阈值口径", "window_months": "时间窗口（月）", "conditions": "筛选条件", "population": "监测人群",
    "severity": "预警等级", "disposition_hint": "建议处置方式", "deadline_days": "办理时限（工作日）",
    "frequency": "比对频次", "mode": "运行方式",
}
MAX_WINDOW_MONTHS = 120
MAX_DEADLINE_DAYS = 250
_SAFE_TEXT = re.compile(r"^[^'\"\\;\x00-\x1f]{1,60}$")


def _err(field: str, message: str) -> DomainError:
    return DomainError(f"{FIELD_LABELS.get(field.split('.')[0], field)}：{message}", code="validation_error",
                       field=field)


def _choice(rule: dict, key: str, options: dict, default=None) -> str:
    value = rule.get(key, default)
    if value in (None, "") and default is None:
        raise _err(key, "请选择")
    if value not in options:
        raise _err(key, f"“{str(value)[:30]}”不是可选项（可选：{'、'.join(options.values())}）")
    return value


def _number(value, field: str, *, integer: bool = False, low=None, high=None) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, bool):
        raise _err(field, "请填写数字")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise _err(field, f"应为数字，“{str(value)[:20]}”不是数字") from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise _err(field, "数值无效或过大")
    if integer and number != number.to_integral_value():
        raise _err(field, "应为整数")
    if low is not None and number < low:
        raise _err(field, f"不能小于 {low}")
    if high is not None and number > high:
        raise _err(field, f"不能大于 {high}")
    return number


def _plain(number: Decimal):
    return int(number) if number == number.to_integral_value() else float(number)


def clean_rule(rule) -> dict:
    """The rule as stored, or a DomainError naming the first wrong field (Chinese)."""
    if not isinstance(rule, dict):
        raise DomainError("规则格式不正确", code="validation_error", field="rule")
    source_key = rule.get("source")
    if not source_key:
        raise _err("source", "请选择数据来源")
    source = SOURCES.get(source_key)
    if source is None:
        raise _err("source", f"没有这个数据来源：{str(source_key)[:30]}")
    aggregation = _choice(rule, "aggregation", AGGREGATIONS)
    field = (rule.get("field") or "").strip() if isinstance(rule.get("field"), str) else rule.get("field")
    if aggregation == "count":
        field = field or ""
        if field and field not in source.columns:
            raise _err("field", f"{source.label}中没有字段“{str(field)[:30]}”")
    else:
        if not field:
            raise _err("field", f"“{AGGREGATIONS[aggregation]}”需要选择统计字段")
        if field not in source.columns:
            raise _err("field", f"{source.label}中没有字段“{str(field)[:30]}”")
        kind = source.columns[field][1]
        if aggregation in ("sum", "max", "min") and kind != NUMBER:
            raise _err("field", f"“{source.columns[field][0]}”不是数值，不能求{AGGREGATIONS[aggregation]}")
    operator = _choice(rule, "operator", OPERATORS)
    basis = _choice(rule, "basis", BASES, default="absolute")
    threshold = _number(rule.get("threshold"), "threshold", low=Decimal(0))
    population = _choice(rule, "population", POPULATIONS)
    if basis != "absolute":
        if aggregation not in ("sum", "max", "min"):
            raise _err("basis", "按比例比较时统计方式应为合计、最大值或最小值")
        if threshold > 100:
            raise _err("threshold", "按比例比较时阈值是比例（如 0.5 表示 50%），不能大于 100")
    if basis == "household_income" and population not in ("registry", "monitored", "registry_not_monitored"):
        raise _err("population", "按家庭年收入比例比较只适用于低收入人口库内人员（库外人员没有家庭收入记录）")
    if source.subject == "household" and population not in ("all", "registry", "monitored"):
        raise _err("population", f"{source.label}以家庭为单位，监测人群只能是库内家庭")
    window = _number(rule.get("window_months", 0) if rule.get("window_months") not in ("", None) else 0,
                     "window_months", integer=True, low=Decimal(0), high=Decimal(MAX_WINDOW_MONTHS))
    deadline = _number(rule.get("deadline_days"), "deadline_days", integer=True, low=Decimal(1),
                       high=Decimal(MAX_DEADLINE_DAYS))
    conditions = []
    raw_conditions = rule.get("conditions") or []
    if not isinstance(raw_conditions, list):
        raise _err("conditions", "格式不正确")
    for i, condition in enumerate(raw_conditions):
        path = f"conditions.{i}"
        if not isinstance(condition, dict) or not condition.get("field"):
            raise _err(path, f"第 {i + 1} 个条件：请选择字段")
        name = condition["field"]
        if name not in source.columns:
            raise _err(path, f"第 {i + 1} 个条件：{source.label}中没有字段“{str(name)[:30]}”")
        label, kind = source.columns[name]
        op = condition.get("operator")
        if op not in CONDITION_OPERATORS:
            raise _err(path, f"第 {i + 1} 个条件（{label}）：请选择比较方式")
        value = condition.get("value")
        if op == "in":
            if kind != TEXT:
                raise _err(path, f"第 {i + 1} 个条件（{label}）：“属于”只用于文字字段")
            values = value if isinstance(value, list) else [v for v in re.split(r"[,，、\s]+", str(value or "")) if v]
            if not values:
                raise _err(path, f"第 {i + 1} 个条件（{label}）：请填写取值")
            for v in values:
                if not isinstance(v, str) or not _SAFE_TEXT.match(v):
                    raise _err(path, f"第 {i + 1} 个条件（{label}）：取值不能为空，且不能含引号、分号或反斜杠")
            value = values
        elif kind == NUMBER:
            value = _plain(_number(value, path))
        elif kind == DATE:
            try:
                value = dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise _err(path, f"第 {i + 1} 个条件（{label}）：日期应为 YYYY-MM-DD") from None
            if op not in OPERATORS:
                raise _err(path, f"第 {i + 1} 个条件（{label}）：请选择比较方式")
        else:
            if not isinstance(value, str) or not _SAFE_TEXT.match(value):
                raise _err(path, f"第 {i + 1} 个条件（{label}）：取值不能为空，且不能含引号、分号或反斜杠")
            if op not in ("=", "!="):
                raise _err(path, f"第 {i + 1} 个条件（{label}）：文字字段只能比较等于、不等于或属于")
        conditions.append({"field": name, "operator": op, "value": value})
    clean = {
        "source": source.key, "field": field or "", "aggregation": aggregation, "operator": operator,
        "threshold": _plain(threshold), "basis": basis, "window_months": int(window), "conditions": conditions,
        "population": population,
        "severity": _choice(rule, "severity", dict(Severity.choices)),
        "disposition_hint": _choice(rule, "disposition_hint", DISPOSITION_HINTS),
        "deadline_days": int(deadline),
        "frequency": _choice(rule, "frequency", FREQUENCIES, default="monthly"),
        "mode": _choice(rule, "mode", MODES, default="automatic"),
    }
    return clean


# ---- Compiling --------------------------------------------------------------------------------------

def window_start(as_of: dt.date, months: int) -> dt.date | None:
    """The first day of a window of `months` months ending on `as_of` (the same day `months` earlier, + 1)."""
    if not months:
        return None
    month = as_of.month - months
    year = as_of.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(as_of.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                          31, 31, 30, 31, 30, 31][month - 1])
    return dt.date(year, month, day) + dt.timedelta(days=1)


def _literal(value, kind: str) -> str:
    if kind == NUMBER:
        return repr(float(value))
    if kind == DATE:
        return f"DATE '{dt.date.fromisoformat(str(value)).isoformat()}'"
    if not _SAFE_TEXT.match(str(value)):
        raise ValueError("unsafe text")
    return f"'{value}'"


def _condition_sql(source, condition: dict) -> str:
    name, op, value = condition["field"], condition["operator"], condition["value"]
    kind = source.columns[name][1]
    column = f"f.{name}" if kind != NUMBER else f"CAST(f.{name} AS DOUBLE)"
    if op == "in":
        return f"{column} IN ({', '.join(_literal(v, TEXT) for v in value)})"
    return f"{column} {'<>' if op == '!=' else op} {_literal(value, kind)}"


def _row_condition(source, rule: dict, as_of: dt.date) -> str:
    """Whether a feed row counts for the rule: inside its window and meeting its conditions."""
    date = f"f.{source.date_column}"
    parts = [f"{date} <= DATE '{as_of.isoformat()}'"]
    start = window_start(as_of, rule["window_months"])
    if start is not None:
        parts.append(f"{date} >= DATE '{start.isoformat()}'")
    parts += [_condition_sql(source, c) for c in rule["conditions"]]
    return " AND ".join(parts)


def _aggregate_sql(rule: dict, when: str | None) -> str:
    """The rule's aggregate over the rows meeting `when` (None: every row the source's stage reads)."""
    field, aggregation = rule["field"], rule["aggregation"]
    if when is None:
        if aggregation == "count":
            return f"count({'f.' + field if field else '*'})"
        if aggregation == "count_distinct":
            return f"count(DISTINCT f.{field})"
        return f"{aggregation}(CAST(f.{field} AS DOUBLE))"
    if aggregation == "count":
        return f"count(CASE WHEN {when} THEN {'f.' + field if field else '1'} END)"
    if aggregation == "count_distinct":
        return f"count(DISTINCT CASE WHEN {when} THEN f.{field} END)"
    return f"{aggregation}(CASE WHEN {when} THEN CAST(f.{field} AS DOUBLE) END)"


# Who a rule watches, over a subject row `s` (person_id: the registry person, NULL outside the registry).
_POPULATION_SQL = {
    "all": "1 = 1",
    "registry": "s.person_id IS NOT NULL",
    "monitored": "s.low_income = 1",
    "registry_not_monitored": "s.person_id IS NOT NULL AND coalesce(s.low_income, 0) = 0",
    "non_registry": "s.person_id IS NULL",
}


def threshold_sql(rule: dict, *, disposable_income: Decimal | None) -> str:
    t = repr(float(rule["threshold"]))
    if rule["basis"] == "household_income":
        # no income recorded: the share is unknown, not infinite
        return f"CASE WHEN s.annual_income > 0 THEN {t} * s.annual_income END"
    if rule["basis"] == "disposable_income":
        if disposable_income is None:
            raise DomainError("未设置“上年度居民人均可支配收入”，按其比例比较的指标无法运行", code="missing_setting",
                              field="basis")
        return f"{t} * {float(disposable_income)!r}"
    return t


def _source_ctes(source, items: list[tuple[int, dict]], as_of: dt.date, n: int) -> tuple[tuple, tuple, list]:
    """Two stages for one source: `a{n}` reads the source ONCE and aggregates every rule on it per subject
    (conditional aggregates; rules sharing a window and conditions share their count and dates, rules sharing
    an aggregate share it), `s{n}` places each subject in the registry (or outside it) once. Returns the
    stages as (name, SELECT) and, per rule, the names of its (value, count, first date, last date) columns."""
    date = f"f.{source.date_column}"
    starts = [window_start(as_of, rule["window_months"]) for _, rule in items]
    where = [f"{date} <= DATE '{as_of.isoformat()}'"]
    if all(starts):
        where.append(f"{date} >= DATE '{min(starts).isoformat()}'")
    whens: dict[str, int] = {}
    values: dict[str, int] = {}
    measures, columns = [], []
    every = " AND ".join(where)
    for _vid, rule in items:
        when = _row_condition(source, rule, as_of)
        if when not in whens:
            w = whens[when] = len(whens)
            if when == every:  # the rule counts every row the stage reads: plain aggregates, no CASE per row
                measures.append(f"count(*) AS n{w}, min({date}) AS b{w}, max({date}) AS e{w}")
            else:
                measures.append(f"count(CASE WHEN {when} THEN 1 END) AS n{w}, min(CASE WHEN {when} THEN {date} "
                                f"END) AS b{w}, max(CASE WHEN {when} THEN {date} END) AS e{w}")
        w = whens[when]
        aggregate = _aggregate_sql(rule, None if when == every else when)
        if aggregate not in values:
            v = values[aggregate] = len(values)
            measures.append(f"CAST({aggregate} AS DOUBLE) AS v{v}")
        columns.append((f"v{values[aggregate]}", f"n{w}", f"b{w}", f"e{w}"))
    if source.subject == "household":
        agg = (f"a{n}", f"SELECT f.household_id AS household_id, {', '.join(measures)} FROM {source.view} f "
               f"WHERE {' AND '.join(where)} GROUP BY f.household_id")
        subjects = (f"s{n}", "SELECT a.*, CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS STRING) AS id_hash, "
                    "CAST(NULL AS STRING) AS name, h.region_id AS region_id, h.low_income AS low_income, "
                    f"h.annual_income AS annual_income FROM a{n} a JOIN reg_households h "
                    "ON h.household_id = a.household_id")
        return agg, subjects, columns
    # The subject: its ID hash, or the linked person for rows without one. The hash itself is the group key
    # (not an aggregate over a built key): hashing and comparing 64 characters once per row, not twice.
    key = "f.id_hash, CASE WHEN f.id_hash IS NULL THEN f.person_id END"
    where.insert(0, "(f.id_hash IS NOT NULL OR f.person_id IS NOT NULL)")
    agg = (f"a{n}", "SELECT f.id_hash AS id_hash, max(f.person_id) AS linked_person_id, max(f.name) AS name, "
           "max(f.region_code) AS region_code, max(f.batch_region_id) AS batch_region_id, "
           f"{', '.join(measures)} FROM {source.view} f WHERE {' AND '.join(where)} GROUP BY {key}")
    outside_region = "CASE WHEN a.region_code IS NULL THEN rb.region_id ELSE rr.region_id END"
    subjects = (
        f"s{n}", "SELECT a.*, pp.person_id AS person_id, pp.household_id AS household_id, "
        f"coalesce(h.region_id, pp.region_id, {outside_region}) AS region_id, h.low_income AS low_income, "
        f"h.annual_income AS annual_income FROM a{n} a "
        "LEFT JOIN reg_persons ph ON ph.id_hash = a.id_hash "
        "LEFT JOIN reg_persons pp ON pp.person_id = coalesce(a.linked_person_id, ph.person_id) "
        "LEFT JOIN reg_households h ON h.household_id = pp.household_id "
        "LEFT JOIN reg_known k ON k.id_hash = a.id_hash "
        "LEFT JOIN reg_regions rr ON rr.code = a.region_code "
        "LEFT JOIN reg_regions rb ON rb.region_id = a.batch_region_id "
        # a registry person of the region, or someone neither in the registry elsewhere nor linked to a
        # person of another region, whose row (or batch) places them in the region
        "WHERE pp.person_id IS NOT NULL OR (k.id_hash IS NULL AND a.linked_person_id IS NULL "
        f"AND ({outside_region}) IS NOT NULL)")
    return agg, subjects, columns


@dataclass(frozen=True)
class Plan:
    """A run's statement in stages: each (name, SELECT) reads the views and the stages before it; `final` is
    the UNION ALL of one SELECT per rule over the stages. An engine may materialise each stage (DuckDB:
    a temporary table, so joins are planned on true row counts; Spark: a cached view, so each rule does not
    recompute its source's aggregation); `sql` is the same as one statement (WITH … SELECT …)."""
    stages: tuple[tuple[str, str], ...]
    final: str

    @property
    def sql(self) -> str:
        return "WITH " + ", ".join(f"{name} AS ({select})" for name, select in self.stages) + " " + self.final


def compile_rules(items: list[tuple[int, dict]], *, as_of: dt.date, disposable_income: Decimal | None = None) -> str:
    """ONE statement (DuckDB and Spark SQL alike) of every subject each rule fires for on `as_of`. `items`:
    (version id, clean rule). Each source is read and aggregated once for all its rules; one SELECT per rule
    keeps the subjects crossing its threshold. Columns: see the module docstring."""
    return compile_plan(items, as_of=as_of, disposable_income=disposable_income).sql


def compile_plan(items: list[tuple[int, dict]], *, as_of: dt.date, disposable_income: Decimal | None = None) -> Plan:
    """compile_rules in stages (Plan)."""
    if not items:
        raise ValueError("no rules")
    by_source: dict[str, list[tuple[int, dict]]] = {}
    for vid, rule in items:
        by_source.setdefault(rule["source"], []).append((int(vid), rule))
    ctes, selects = [], []
    for n, (source_key, group) in enumerate(sorted(by_source.items())):
        source = SOURCES[source_key]
        agg, (name, subjects), columns = _source_ctes(source, group, as_of, n)
        fires = []
        for (vid, rule), (v, c, b, e) in zip(group, columns, strict=True):
            op = "<>" if rule["operator"] == "!=" else rule["operator"]
            threshold = threshold_sql(rule, disposable_income=disposable_income)
            population = _POPULATION_SQL[rule["population"]]
            if source.subject == "household":  # every household of the snapshot is in the registry
                population = population.replace("s.person_id IS NOT NULL", "1 = 1")
            fire = f"s.{c} > 0 AND s.{v} {op} {threshold} AND ({population})"
            fires.append(fire)
            selects.append(
                f"SELECT CAST({vid} AS BIGINT) AS version_id, s.person_id AS person_id, "
                "s.household_id AS household_id, s.id_hash AS id_hash, "
                "CASE WHEN s.person_id IS NULL THEN s.name END AS name, s.region_id AS region_id, "
                f"s.{v} AS value, CAST({threshold} AS DOUBLE) AS threshold, s.{c} AS rows_n, "
                f"s.{b} AS evidence_start, s.{e} AS evidence_end FROM s{n} s WHERE {fire}")
        # The subjects stage keeps only the subjects some rule of the source fires for (each rule's SELECT
        # tests its own condition again): a feed's millions of subjects are joined with the registry but not
        # stored (1M persons x 10M rows: the medical feed's 2.8M subjects -> ~120k).
        candidates = " OR ".join(f"({f})" for f in fires)
        ctes += [agg, (name, f"SELECT * FROM ({subjects}) s WHERE {candidates}")]
    return Plan(stages=tuple(ctes), final=" UNION ALL ".join(selects))


def compile_rule(rule: dict, *, version_id: int, as_of: dt.date, disposable_income: Decimal | None = None) -> str:
    """One rule alone (the builder's dry run): the same statement as a run's, for one rule."""
    return compile_rules([(version_id, rule)], as_of=as_of, disposable_income=disposable_income)


def describe(rule: dict) -> str:
    """The rule in one Chinese sentence (catalogue, version history, evidence)."""
    source = SOURCES[rule["source"]]
    field = source.columns.get(rule["field"], ("", ""))[0] if rule.get("field") else ""
    what = f"{field}{AGGREGATIONS[rule['aggregation']]}" if field else AGGREGATIONS[rule["aggregation"]]
    window = f"近 {rule['window_months']} 个月" if rule.get("window_months") else "截至基准日"
    if rule["basis"] == "absolute":
        threshold = f"{rule['threshold']}"
    else:
        threshold = f"{BASES[rule['basis']]} {rule['threshold']}"
    def shown(field: str, value) -> str:
        names = VALUE_LABELS.get(field, {})
        return "、".join(names.get(v, v) for v in value) if isinstance(value, list) else names.get(value, str(value))

    conditions = "；".join(f"{source.columns[c['field']][0]}{CONDITION_OPERATORS[c['operator']]}"
                          f"{shown(c['field'], c['value'])}" for c in rule["conditions"])
    return (f"{POPULATIONS[rule['population']]}：{source.label}{window}{what}{OPERATORS[rule['operator']]}"
            f"{threshold}" + (f"（{conditions}）" if conditions else ""))
