from django import forms

from jiuzhu.registry.models import AssistanceCategory, DisabilityType, Tier

AGE_BANDS = [("", "全部"), ("0-15", "0–15 岁"), ("16-59", "16–59 岁"), ("60-79", "60–79 岁"), ("80+", "80 岁及以上")]


class PersonFilterForm(forms.Form):
    region_code = forms.CharField(label="区划代码", required=False)
    name = forms.CharField(label="姓名", required=False)
    id_number = forms.CharField(label="身份证号码", required=False)
    tier = forms.ChoiceField(label="层级", required=False, choices=[("", "全部"), *Tier.choices])
    disability = forms.ChoiceField(label="残疾", required=False, choices=[
        ("", "全部"), ("any", "有残疾"), ("severe", "重度残疾"), *DisabilityType.choices])
    age_band = forms.ChoiceField(label="年龄段", required=False, choices=AGE_BANDS)


class HouseholdFilterForm(forms.Form):
    region_code = forms.CharField(label="区划代码", required=False)
    address = forms.CharField(label="住址", required=False)
    tier = forms.ChoiceField(label="层级", required=False, choices=[("", "全部"), *Tier.choices])
    category = forms.ChoiceField(label="救助类别", required=False,
                                 choices=[("", "全部"), *AssistanceCategory.choices])
