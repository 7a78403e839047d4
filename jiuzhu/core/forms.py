from django import forms
from django.contrib.auth import forms as auth_forms

from jiuzhu.core.models import AuditAction


class SignInForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's password change, every label and message written in Chinese (the password policy's
    own messages come from the validators, AUTH_PASSWORD_VALIDATORS, in Chinese too)."""

    error_messages = {
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("old_password", "原密码"), ("new_password1", "新密码"), ("new_password2", "确认新密码")):
            field = self.fields[name]
            field.label = label
            field.help_text = ""
            field.error_messages["required"] = f"请填写{label}。"


def _object_types():
    from jiuzhu.core.audit_labels import object_type_choices

    return [("", "全部"), *object_type_choices()]


class AuditSearchForm(forms.Form):
    id_number = forms.CharField(label="人员身份证号码", required=False, max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    person_name = forms.CharField(label="人员姓名", required=False, max_length=50)
    username = forms.CharField(label="用户名", required=False)
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "全部"), *AuditAction.choices])
    object_type = forms.ChoiceField(label="对象类型", required=False, choices=_object_types)
    person_id = forms.IntegerField(label="人员编号", required=False,
                                   error_messages={"invalid": "人员编号应为数字"})
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_id_number(self):
        from jiuzhu.core.identity import IdNumberError, normalize_id_number

        text = self.cleaned_data["id_number"].strip()
        if not text:
            return ""
        try:
            return normalize_id_number(text)
        except IdNumberError as exc:
            raise forms.ValidationError(f"人员身份证号码：{exc}") from None
