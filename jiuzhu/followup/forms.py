"""Forms of the follow-up pages: they shape what was typed; the rules are the services' (fields the services check
are optional here, so their Chinese message is the one shown). Labels in Chinese."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from jiuzhu.core.forms import ChineseFileInput, IsoDateField
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.followup.models import Condition, Hardship, VisitMethod
from jiuzhu.intake.catalog import ITEMS

# What a returnee in hardship is usually handed over for (the catalogue's codes, if present).
HANDOVER_ITEMS = ("dibao", "temporary", "medical")


class VisitForm(forms.Form):
    # today by default: the coordinator records the visit made today, on the phone, at the door
    visited_on = IsoDateField(label="回访日期", required=False, initial=timezone.localdate)
    method = forms.ChoiceField(label="回访方式", choices=VisitMethod.choices, widget=forms.RadioSelect, required=False)
    findings = forms.CharField(label="回访情况", max_length=1000, required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))
    hardship = forms.ChoiceField(label="发现困难", choices=Hardship.choices, required=False)
    photo = forms.FileField(label="照片（可选）", required=False,
                            widget=ChineseFileInput(attrs={"accept": "image/jpeg,image/png",
                                                                   "capture": "environment"}))


def item_choices() -> list[tuple[str, str]]:
    preferred = [i for i in ITEMS if i.code in HANDOVER_ITEMS]
    return [(i.code, i.name) for i in (preferred or ITEMS)]


class HandoverForm(forms.Form):
    items = forms.MultipleChoiceField(label="申请救助事项", choices=(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = item_choices()


class HomeForm(forms.Form):
    place = forms.CharField(label="流出地（区划代码或地址）", max_length=200,
                            help_text="如 430524100200，或 湖南省邵阳市隆回县")

    def clean_place(self) -> Region:
        text = self.cleaned_data["place"].strip()
        if text.isdigit():
            region = Region.objects.filter(code=text).first()
        else:
            region = Region.objects.filter(full_name=text).first() or Region.objects.filter(name=text).exclude(
                level=RegionLevel.PROVINCE).order_by("code").first()
            if region is None:
                from jiuzhu.followup.services import _hukou_region

                region = _hukou_region(text)
        if region is None:
            raise forms.ValidationError("无法识别该地区，请填写区划代码或完整地址（省市县）")
        return region


class ArrivalForm(forms.Form):
    arrived_on = IsoDateField(label="到家日期", required=False)
    note = forms.CharField(label="到家情况", max_length=500, required=False)


class AtRiskForm(forms.Form):
    region = forms.ModelChoiceField(label="居住的村（社区）", queryset=Region.objects.none(), empty_label="请选择")
    name = forms.CharField(label="姓名", max_length=50, required=False)
    sex = forms.ChoiceField(label="性别", choices=[("", "请选择"), ("M", "男"), ("F", "女")], required=False)
    id_number = forms.CharField(label="身份证号码", max_length=18, required=False)
    conditions = forms.MultipleChoiceField(label="易流浪走失情形", choices=Condition.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    guardian = forms.CharField(label="监护人（联系人）及电话", max_length=100, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    note = forms.CharField(label="情况说明", max_length=500, required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Region.objects.filter(level=RegionLevel.VILLAGE)
        if actor is not None and not actor.is_superuser:
            qs = qs.filter(path__startswith=actor.region.path) if actor.region_id else qs.none()
        self.fields["region"].queryset = qs.order_by("code")
        self.fields["region"].label_from_instance = lambda r: r.full_name


class AtRiskCompleteForm(forms.Form):
    conditions = forms.MultipleChoiceField(label="易流浪走失情形", choices=Condition.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    guardian = forms.CharField(label="监护人（联系人）及电话", max_length=100, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    note = forms.CharField(label="情况说明", max_length=500, required=False)


class CheckForm(forms.Form):
    decision = forms.ChoiceField(label="审核意见", choices=[("approve", "审核入库"), ("return", "退回补正")],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label="退回理由", max_length=300, required=False)
