"""Forms of the purchase-of-services pages: they shape what was typed; the rules and messages are the services'."""

from django import forms

from jiuzhu.core.forms import IsoDateInput
from jiuzhu.funds.purchase_models import ITEM_CATEGORY, ProcurementMethod, ProviderKind, ServiceItem, StaffPost

DATE = IsoDateInput()
MONEY = forms.TextInput(attrs={"inputmode": "decimal"})


def item_choices(codes=None) -> list[tuple[str, str]]:
    return [(c, f"{ITEM_CATEGORY[c].label[:3]}：{lbl}") for c, lbl in ServiceItem.choices
            if codes is None or c in codes]


class ProviderForm(forms.Form):
    name = forms.CharField(label="名称", required=False, max_length=120)
    uscc = forms.CharField(label="统一社会信用代码", required=False, max_length=30)
    kind = forms.ChoiceField(label="主体类型", choices=[("", "请选择"), *ProviderKind.choices], required=False)
    qualifications = forms.CharField(label="资质（社工师人数、等级评估、以往业绩）", required=False, max_length=500,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    contact = forms.CharField(label="联系人及电话", required=False, max_length=60)


def _lines(text: str, label: str) -> list[tuple[str, str]]:
    """「名称，数值」 per line (a full-width or ASCII comma, or spaces)."""
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().replace("，", ",")
        if not line:
            continue
        name, sep, value = line.rpartition(",") if "," in line else line.rpartition(" ")
        if not sep or not name.strip() or not value.strip():
            raise forms.ValidationError(f"{label}第 {n} 行应为“名称，数值”")
        rows.append((name.strip(), value.strip()))
    return rows


class ContractForm(forms.Form):
    provider = forms.ChoiceField(label="承接主体", required=False)
    title = forms.CharField(label="项目名称", required=False, max_length=150)
    number = forms.CharField(label="合同编号", required=False, max_length=60)
    method = forms.ChoiceField(label="采购方式", choices=[("", "请选择"), *ProcurementMethod.choices], required=False)
    budget = forms.CharField(label="合同金额（元）", required=False, widget=MONEY)
    start_on = forms.DateField(label="服务期自", required=False, widget=DATE)
    end_on = forms.DateField(label="服务期至", required=False, widget=DATE)
    items = forms.MultipleChoiceField(label="服务内容", choices=item_choices(), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    indicators = forms.CharField(label="绩效指标及权重（每行一项：指标，权重；合计 100）", required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 initial="服务数量完成率，40\n服务质量，40\n档案规范，20")
    satisfaction_weight = forms.IntegerField(label="服务对象满意度权重（%）", required=False, initial=20,
                                             min_value=0, max_value=100)
    milestones = forms.CharField(label="支付节点及金额（每行一项：节点，金额；合计等于合同金额）", required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "请选择"), *[(p.pk, p.name) for p in providers]]

    def clean_indicators(self):
        rows = _lines(self.cleaned_data["indicators"], "绩效指标")
        try:
            return [(n, int(w)) for n, w in rows]
        except ValueError:
            raise forms.ValidationError("绩效指标的权重应为整数") from None

    def clean_milestones(self):
        return _lines(self.cleaned_data["milestones"], "支付节点")


class StaffForm(forms.Form):
    name = forms.CharField(label="姓名", required=False, max_length=50)
    post = forms.ChoiceField(label="派驻层级", choices=[("", "请选择"), *StaffPost.choices], required=False)
    region = forms.ChoiceField(label="派驻地区", required=False)
    institution = forms.CharField(label="特困供养机构名称（派驻机构时填写）", required=False, max_length=120)
    qualification = forms.CharField(label="职业资格", required=False, max_length=60)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "请选择"), *[(r.pk, r.full_name) for r in regions]]


class RecordForm(forms.Form):
    id_number = forms.CharField(label="服务对象身份证号码", required=False, max_length=20)
    item = forms.ChoiceField(label="服务内容", required=False)
    served_on = forms.DateField(label="服务日期", required=False, widget=DATE)
    hours = forms.CharField(label="服务时长（小时）", required=False,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    staff = forms.ChoiceField(label="服务人员", required=False)
    note = forms.CharField(label="服务情况", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, contract=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "请选择"), *item_choices(contract.items)]
        self.fields["staff"].choices = [("", "请选择"), *[(s.pk, f"{s.name}（{s.get_post_display()}）")
                                                          for s in contract.staff.order_by("name")]]


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", required=False, max_length=300)


class EvaluationForm(forms.Form):
    satisfaction = forms.DecimalField(label="服务对象满意度（%）", required=False, min_value=0, max_value=100)
    evaluated_on = forms.DateField(label="评价日期", required=False, widget=DATE)

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        for ind in indicators:
            self.fields[f"score_{ind.pk}"] = forms.DecimalField(
                label=f"{ind.name}（权重 {ind.weight}%，百分制得分）", required=False, min_value=0, max_value=100)
