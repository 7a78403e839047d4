from django import forms

from jiuzhu.core.forms import IsoDateField
from jiuzhu.registry.models import AssistanceCategory, DisabilityType, Tier

AGE_BANDS = [("", "全部"), ("0-15", "0–15 岁"), ("16-59", "16–59 岁"), ("60-79", "60–79 岁"), ("80+", "80 岁及以上")]


# The place is chosen with the region picker (core/region_picker.py), not typed as a code.
TIER_FILTER = [("", "全部"), *((v, label) for v, label in Tier.choices if v != "none")]


class PersonFilterForm(forms.Form):
    name = forms.CharField(label="姓名", required=False)
    id_number = forms.CharField(label="身份证号码", required=False)
    tier = forms.ChoiceField(label="认定层级", required=False, choices=TIER_FILTER)
    pending = forms.ChoiceField(label="待审批建议", required=False, choices=[("", "全部"), *Tier.choices])
    disability = forms.ChoiceField(label="残疾", required=False, choices=[
        ("", "全部"), ("any", "有残疾"), ("severe", "重度残疾"), *DisabilityType.choices])
    age_band = forms.ChoiceField(label="年龄段", required=False, choices=AGE_BANDS)


class HouseholdFilterForm(forms.Form):
    address = forms.CharField(label="住址", required=False)
    tier = forms.ChoiceField(label="认定层级", required=False, choices=TIER_FILTER)
    pending = forms.ChoiceField(label="待审批建议", required=False, choices=[("", "全部"), *Tier.choices])
    category = forms.ChoiceField(label="救助类别", required=False,
                                 choices=[("", "全部"), *AssistanceCategory.choices])


def _amount_field(label: str, *, required: bool) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=12, decimal_places=2, min_value=0,
                              error_messages={"invalid": f"{label}应为数字，如 600 或 600.50"})


class MeansForm(forms.Form):
    """One means-test entry as typed at the household page; the service checks the rules."""

    kind = forms.CharField(label="类型")
    person_id = forms.IntegerField(label="成员", required=False)
    source = forms.CharField(label="来源", required=False)
    amount = _amount_field("金额", required=False)
    period_start = IsoDateField(label="起始日期", required=False)
    period_end = IsoDateField(label="截止日期", required=False)
    value = _amount_field("价值", required=False)
    description = forms.CharField(label="说明", required=False, max_length=200)
    recorded_on = IsoDateField(label="登记日期", required=False)


class GrantForm(forms.Form):
    category = forms.CharField(label="救助类别")
    person_id = forms.IntegerField(label="对象", required=False)
    monthly_amount = _amount_field("月发放金额", required=False)
    once_amount = _amount_field("一次性金额", required=False)
    service = forms.CharField(label="服务内容", required=False, max_length=200)
    period_start = IsoDateField(label="起始日期")
    period_end = IsoDateField(label="终止日期", required=False)
    acknowledge = forms.BooleanField(label="已知悉", required=False)


def first_error(form: forms.Form) -> str:
    """The form's first problem, named by its field's Chinese label."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}：{errors[0]}" if label else errors[0]
    return ""
