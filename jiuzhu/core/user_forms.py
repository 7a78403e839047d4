"""Forms of the user management pages (core/user_views.py), every label and message in Chinese. The rules
(jurisdiction, roles per organisation, password policy) are the services' (core/user_services.py); these
forms only offer the choices of the administrator's jurisdiction and carry what was typed back on an error."""

from django import forms

from jiuzhu.core.models import Organization, Region, Role
from jiuzhu.core.user_selectors import UserStatus, user_organizations, user_regions

PASSWORD_GENERATE = "generate"
PASSWORD_SET = "set"


class OrganizationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.region.name} · {obj.name}"


class RegionChoice(forms.ModelChoiceField):
    """Regions named from the administrator's own region down ("隆回县 / 桃洪镇 / 红星社区")."""

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_depth = len(actor.region.ancestor_codes()) if actor.region_id else 1
        self.names = {r.code: r.name for r in self.queryset}

    def label_from_instance(self, obj: Region) -> str:
        codes = obj.ancestor_codes()[max(self.base_depth - 1, 0):]
        return " / ".join(self.names.get(c, "") for c in codes if c in self.names) or obj.full_name


def _required(label: str) -> dict:
    return {"required": f"请填写{label}", "invalid_choice": f"请选择{label}"}


class UserForm(forms.Form):
    """Create (with username and initial password) or edit an account."""

    username = forms.CharField(label="用户名", max_length=30, help_text="登录用，小写字母开头，可含数字和 _ . -",
                               error_messages=_required("用户名"))
    full_name = forms.CharField(label="姓名", max_length=50, error_messages=_required("姓名"))
    phone = forms.CharField(label="电话", max_length=20, required=False)
    organization = OrganizationChoice(label="所属机构", queryset=Organization.objects.none(),
                                      empty_label="请选择", error_messages=_required("所属机构"))
    region = forms.ModelChoiceField(label="管辖区域", queryset=Region.objects.none(), empty_label="请选择",
                                    error_messages=_required("管辖区域"))
    roles = forms.MultipleChoiceField(label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": "请至少选择一个角色",
                                                      "invalid_choice": "没有这个角色"})
    password_mode = forms.ChoiceField(label="初始密码", widget=forms.RadioSelect, initial=PASSWORD_GENERATE,
                                      choices=[(PASSWORD_GENERATE, "系统生成（只显示一次）"),
                                               (PASSWORD_SET, "由我设定")],
                                      error_messages=_required("初始密码的方式"))
    password = forms.CharField(label="设定的初始密码", required=False, strip=False,
                               widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
                               help_text="至少 10 位，含大写字母、小写字母、数字、符号中的三类")

    def __init__(self, *args, actor, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = user_organizations(actor=actor)
        regions = user_regions(actor=actor)
        self.fields["region"] = RegionChoice(label="管辖区域", queryset=regions, actor=actor, empty_label="请选择",
                                             error_messages=_required("管辖区域"))
        if not creating:
            for name in ("username", "password_mode", "password"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("password_mode") == PASSWORD_SET and not data.get("password"):
            self.add_error("password", "选择“由我设定”时请填写初始密码")
        return data


class UserFilterForm(forms.Form):
    text = forms.CharField(label="姓名或用户名", required=False, max_length=50)
    organization = OrganizationChoice(label="机构", queryset=Organization.objects.none(), required=False,
                                      empty_label="全部")
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部"), *Role.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *UserStatus.CHOICES])

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = user_organizations(actor=actor)
