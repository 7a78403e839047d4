"""Forms of the fund's pages: they shape what was typed; the rules (and their Chinese messages) are the services'."""

from django import forms

from jiuzhu.core.forms import ChineseFileInput, IsoDateInput
from jiuzhu.funds.fund_models import DecisionKind, FundSource

DATE = IsoDateInput()
MONEY = forms.TextInput(attrs={"inputmode": "decimal"})


class ContributionForm(forms.Form):
    source = forms.ChoiceField(label="资金来源", choices=[("", "请选择"), *FundSource.choices], required=False)
    amount = forms.CharField(label="金额（元）", required=False, widget=MONEY)
    available_funds = forms.CharField(label="该机构当年可用资金（元，红十字会、慈善总会填写）", required=False,
                                      widget=MONEY)
    entry_date = forms.DateField(label="入账日期", required=False, widget=DATE)
    voucher = forms.CharField(label="凭证号", required=False, max_length=60)
    note = forms.CharField(label="摘要", required=False, max_length=300)


class DisbursementForm(forms.Form):
    # the decided case the disbursement is for (core/references.py), when started from it: kind and id
    source_kind = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    source_id = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    head_id_number = forms.CharField(label="救助家庭户主（或成员）身份证号码", required=False, max_length=20)
    amount = forms.CharField(label="支出金额（元）", required=False, widget=MONEY)
    decision_kind = forms.ChoiceField(label="决定方式", choices=DecisionKind.choices, widget=forms.RadioSelect,
                                      required=False)
    decision_ref = forms.CharField(label="决定文号（会议纪要编号）", required=False, max_length=100)
    decided_on = forms.DateField(label="决定日期", required=False, widget=DATE)
    decision_file = forms.FileField(label="决定文书扫描件（PDF、JPEG 或 PNG）", required=False,
                                    widget=ChineseFileInput(attrs={"accept": "application/pdf,image/jpeg,"
                                                                                     "image/png"}))
    note = forms.CharField(label="摘要", required=False, max_length=300)


class RejectForm(forms.Form):
    reason = forms.CharField(label="不予批准理由", required=False, max_length=300)
