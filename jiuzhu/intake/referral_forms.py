"""Forms of the referral pages: what a clerk types to return or complete a referral, and the inbox's filters.
They only shape the input (labels, widgets, Chinese messages for a missing field); the rules are the services'
(referral_services.py), whose DomainError is put beside the field it names."""

from django import forms

from jiuzhu.intake.models import ReferralResult
from jiuzhu.intake.referral_selectors import STATUS_FILTERS
from jiuzhu.intake.referral_services import NOTE_MAX


class ReferralReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写退回理由（至少 4 个字）：窗口和申请人会看到",
                                             "max_length": f"退回理由不能超过 {NOTE_MAX} 个字"})


class ReferralCompleteForm(forms.Form):
    result = forms.ChoiceField(label="办理结果", choices=[("", "请选择"), *ReferralResult.choices],
                               error_messages={"required": "请选择办理结果（给予救助或不予救助）",
                                               "invalid_choice": "请选择办理结果（给予救助或不予救助）"})
    outcome = forms.CharField(label="办理情况（不予救助时写明理由）", max_length=NOTE_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "请填写办理情况；不予救助的，写明理由",
                                              "max_length": f"办理情况不能超过 {NOTE_MAX} 个字"})
    amount = forms.CharField(label="救助金额（元，可选）", required=False, max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                             error_messages={"max_length": "救助金额应为数字，如 1200 或 1200.50"})


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=STATUS_FILTERS, required=False)
    overdue = forms.BooleanField(label="只看已超期", required=False)
