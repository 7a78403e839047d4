"""Forms shared by every app, and the one date widget and field every form uses."""

import datetime as dt

from django import forms
from django.contrib.auth import forms as auth_forms

from jiuzhu.core.models import AuditAction

ISO_DATE = "%Y-%m-%d"  # the only value an <input type=date> reads; 2026/12/02 (zh-hans' first format) shows empty


def _typed_date(value) -> dt.date | None:
    """A typed date as core/errors.clean_date reads it (2026-03-07, 2026/3/7, 2026年3月7日, 2026.03.07, 20260307);
    ValueError when it is not one."""
    from jiuzhu.core.tabular.cells import parse_date  # as clean_date: only when a date is typed

    text = str(value).strip()
    if len(text) > 40:
        raise ValueError(text)
    return parse_date(text)


class IsoDateInput(forms.DateInput):
    """An <input type=date> that always shows its value as YYYY-MM-DD: a date from `initial` or the model, and a
    date typed in another way (a phone without a date picker) when a form refused for another field comes back.
    What does not read as a date is shown as typed."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)

    def format_value(self, value):
        if isinstance(value, str) and value.strip():
            try:
                day = _typed_date(value)
            except ValueError:
                return value
            return day.strftime(ISO_DATE) if day else None
        return super().format_value(value)


class ChineseFileInput(forms.ClearableFileInput):
    """A file input whose button and "no file" text are Chinese whatever language the browser asks (Chromium draws
    its own "Choose File / No file chosen"): the real input, transparent, lies over a 选择文件 button and the chosen
    name (static jiuzhu/filepicker.js). It keeps its field's <label>; a page without a form uses the same markup
    from templates/_file_input.html. The "current file / clear" part of ClearableFileInput is kept, in Chinese."""

    template_name = "core/widgets/chinese_file_input.html"

    def __init__(self, attrs=None):
        attrs = dict(attrs or {})
        attrs["class"] = " ".join(filter(None, [attrs.get("class"), "file-picker-input"]))
        super().__init__(attrs)


class IsoDateField(forms.DateField):
    """A date field on an IsoDateInput that reads dates as clean_date does (not only Django's zh-hans formats),
    with a Chinese message for what it cannot read."""

    widget = IsoDateInput
    default_error_messages = {"invalid": "日期格式应为 年-月-日，如 2026-03-07"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return _typed_date(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


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
    date_from = IsoDateField(label="起始日期", required=False)
    date_to = IsoDateField(label="截止日期", required=False)

    def clean_id_number(self):
        from jiuzhu.core.identity import IdNumberError, normalize_id_number

        text = self.cleaned_data["id_number"].strip()
        if not text:
            return ""
        try:
            return normalize_id_number(text)
        except IdNumberError as exc:
            raise forms.ValidationError(f"人员身份证号码：{exc}") from None
