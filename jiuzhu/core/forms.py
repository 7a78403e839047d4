from django import forms

from jiuzhu.core.models import AuditAction


class SignInForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)


class AuditSearchForm(forms.Form):
    username = forms.CharField(label="用户名", required=False)
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "全部"), *AuditAction.choices])
    object_type = forms.CharField(label="对象类型", required=False)
    person_id = forms.IntegerField(label="人员编号", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
