"""The rule builder's form: every field of a rule labelled in Chinese. The form only reads the request;
rules_sql.clean_rule decides what is valid and names the field in its Chinese error."""

from django import forms

from jiuzhu.core.forms import IsoDateField
from jiuzhu.monitoring.models import IndicatorClass, Severity
from jiuzhu.monitoring.rules_sources import SOURCES, source_choices
from jiuzhu.monitoring.rules_sql import (
    AGGREGATIONS,
    BASES,
    CONDITION_OPERATORS,
    DISPOSITION_HINTS,
    FIELD_LABELS,
    FREQUENCIES,
    MODES,
    OPERATORS,
    POPULATIONS,
)

CONDITION_ROWS = 2  # empty condition rows offered by the form


def field_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped by source: (source label, [(field, label)]); the page filters them by the chosen source."""
    return [(s.label, [(name, label) for name, (label, _kind) in s.columns.items()]) for s in SOURCES.values()]


def _all_fields() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for source in SOURCES.values():
        for name, (label, _kind) in source.columns.items():
            seen.setdefault(name, label)
    return sorted(seen.items())


class RuleForm(forms.Form):
    source = forms.ChoiceField(label=FIELD_LABELS["source"], required=False)
    aggregation = forms.ChoiceField(label=FIELD_LABELS["aggregation"], required=False,
                                    choices=list(AGGREGATIONS.items()))
    field = forms.ChoiceField(label=FIELD_LABELS["field"], required=False)
    operator = forms.ChoiceField(label=FIELD_LABELS["operator"], required=False, choices=list(OPERATORS.items()))
    threshold = forms.CharField(label=FIELD_LABELS["threshold"], required=False, max_length=20)
    basis = forms.ChoiceField(label=FIELD_LABELS["basis"], required=False, choices=list(BASES.items()))
    window_months = forms.CharField(label=FIELD_LABELS["window_months"], required=False, max_length=4,
                                    help_text="0 表示截至基准日的全部记录")
    population = forms.ChoiceField(label=FIELD_LABELS["population"], required=False,
                                   choices=list(POPULATIONS.items()))
    severity = forms.ChoiceField(label=FIELD_LABELS["severity"], required=False, choices=Severity.choices)
    disposition_hint = forms.ChoiceField(label=FIELD_LABELS["disposition_hint"], required=False,
                                         choices=list(DISPOSITION_HINTS.items()))
    deadline_days = forms.CharField(label=FIELD_LABELS["deadline_days"], required=False, max_length=4)
    frequency = forms.ChoiceField(label=FIELD_LABELS["frequency"], required=False, choices=list(FREQUENCIES.items()))
    mode = forms.ChoiceField(label=FIELD_LABELS["mode"], required=False, choices=list(MODES.items()))
    region = forms.CharField(label="适用区划", required=False, max_length=12)
    valid_from = IsoDateField(label="生效日期", required=False,
                              error_messages={"invalid": "生效日期：格式应为 YYYY-MM-DD"})
    enabled = forms.BooleanField(label="启用", required=False, initial=True)
    note = forms.CharField(label="修改说明", required=False, max_length=200,
                           error_messages={"max_length": "修改说明：不能超过 200 个字"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "请选择"), *source_choices()]
        self.fields["field"].choices = [("", "（不选：按记录数）"), *_all_fields()]
        for i in range(CONDITION_ROWS):
            self.fields[f"cond_field_{i}"] = forms.ChoiceField(
                label=f"筛选条件 {i + 1}：字段", required=False, choices=[("", "（无）"), *_all_fields()])
            self.fields[f"cond_operator_{i}"] = forms.ChoiceField(
                label=f"筛选条件 {i + 1}：比较方式", required=False, choices=list(CONDITION_OPERATORS.items()))
            self.fields[f"cond_value_{i}"] = forms.CharField(label=f"筛选条件 {i + 1}：取值", required=False,
                                                             max_length=120)

    def condition_rows(self):
        return [(self[f"cond_field_{i}"], self[f"cond_operator_{i}"], self[f"cond_value_{i}"])
                for i in range(CONDITION_ROWS)]

    def rule(self) -> dict:
        """The raw rule as typed (clean_rule checks it)."""
        data = self.cleaned_data
        conditions = []
        for i in range(CONDITION_ROWS):
            if data.get(f"cond_field_{i}"):
                conditions.append({"field": data[f"cond_field_{i}"], "operator": data.get(f"cond_operator_{i}"),
                                   "value": data.get(f"cond_value_{i}", "")})
        keys = ("source", "aggregation", "field", "operator", "threshold", "basis", "window_months", "population",
                "severity", "disposition_hint", "deadline_days", "frequency", "mode")
        return {**{k: data.get(k) for k in keys}, "conditions": conditions}

    @staticmethod
    def initial_from(rule: dict) -> dict:
        initial = {k: v for k, v in rule.items() if k != "conditions"}
        for i, condition in enumerate(rule.get("conditions", [])[:CONDITION_ROWS]):
            value = condition["value"]
            initial[f"cond_field_{i}"] = condition["field"]
            initial[f"cond_operator_{i}"] = condition["operator"]
            initial[f"cond_value_{i}"] = "、".join(value) if isinstance(value, list) else value
        return initial


class IndicatorForm(forms.Form):
    code = forms.CharField(label="指标编码", required=False, max_length=40,
                           help_text="英文字母、数字或下划线，保存后不能修改")
    name = forms.CharField(label="指标名称", required=False, max_length=80)
    indicator_class = forms.ChoiceField(label="类别", required=False, choices=IndicatorClass.choices)
    description = forms.CharField(label="说明", required=False, max_length=300)
