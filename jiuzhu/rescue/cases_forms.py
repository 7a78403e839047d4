"""Forms of the cases part's pages. They only shape input; every rule lives in cases_services (its Chinese
errors are put back beside the field they name)."""

from __future__ import annotations

from django import forms

from jiuzhu.core.forms import ChineseFileInput, IsoDateField
from jiuzhu.rescue.models import (
    CLIENT_GROUPS,
    ArrivalChannel,
    ClientSex,
    DischargeKind,
    EscalationKind,
    IncidentKind,
    SettlementKind,
)


def _required(label: str) -> dict:
    return {"required": f"请填写{label}"}


def text(label: str, max_length: int, *, required: bool = False, rows: int = 0, **attrs) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget,
                           error_messages={**_required(label), "max_length": f"{label}不能超过 {max_length} 个字"})


def day(label: str, *, required: bool = False) -> IsoDateField:
    return IsoDateField(label=label, required=required,
                        error_messages={**_required(label), "invalid": f"{label}格式应为 年-月-日"})


def flag(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class AdmissionForm(forms.Form):
    name = text("姓名（不知道的留空，记为无名氏）", 50, autocomplete="off")
    sex = forms.ChoiceField(label="性别", choices=[("", "请选择"), *ClientSex.choices],
                            error_messages=_required("性别") | {"invalid_choice": "请选择性别"})
    estimated_age = forms.IntegerField(label="年龄或估计年龄（目测）", required=False, min_value=0, max_value=120,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                       error_messages={"invalid": "年龄应为整数", "min_value": "年龄不能小于 0",
                                                       "max_value": "年龄不能大于 120"})
    id_number = text("身份证号码（有证件的填写）", 20, autocomplete="off")
    hukou_text = text("户口所在地", 200)
    residence_text = text("住所地", 200)
    arrival_channel = forms.ChoiceField(label="来站方式", choices=[("", "请选择"), *ArrivalChannel.choices],
                                        error_messages=_required("来站方式") | {"invalid_choice": "请选择来站方式"})
    handover_form_number = text("公安机关护送交接表编号（公安护送的必填）", 40)
    sighting_id = forms.IntegerField(label="发现报告编号（由发现报告转来的）", required=False, min_value=1,
                                     error_messages={"invalid": "发现报告编号应为数字",
                                                     "min_value": "发现报告编号应为正整数"})
    groups = forms.MultipleChoiceField(label="受助人员类别", required=False, choices=CLIENT_GROUPS,
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"invalid_choice": "未知的受助人员类别"})
    check_mental = flag("精神异常")
    check_illness = flag("疾病")
    check_injury = flag("外伤")
    check_intoxication = flag("醉酒或疑似吸毒")
    check_note = text("检视情况", 500, rows=2)
    hospital = text("直接送医：医院名称（需送医的填写）", 100)
    vagrancy_reason = text("流浪乞讨原因", 300, rows=2)
    vagrancy_length = text("流浪乞讨时间", 60, placeholder="如：约3个月")
    relatives = text("近亲属姓名、住址、联系方式", 500, rows=2)
    belongings = text("随身物品（寄存）", 500, rows=2)
    fingerprint_taken = flag("已采集指纹")
    photo = forms.FileField(label="照片（JPEG 或 PNG）", required=False,
                            widget=ChineseFileInput(attrs={"accept": "image/jpeg,image/png",
                                                                   "capture": "environment"}))
    refusal_reason = text("不予救助的理由（仅在“不予救助”时填写）", 500, rows=2)

    def admission_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("refusal_reason")
        photo = data.pop("photo")
        data["photo"] = photo.read() if photo else None
        return data


class CareLogForm(forms.Form):
    day = day("照料日期")
    health = text("身体状况", 300, required=True)
    meals = text("饮食", 100)
    mood = text("情绪与精神状态", 200)
    note = text("照料记录", 1000, rows=2)


class HospitalForm(forms.Form):
    institution = text("医院", 100, required=True)
    reason = text("送医原因", 300, required=True)
    on = day("送医日期")


class FosterForm(forms.Form):
    institution = text("托养机构", 100, required=True)
    agreement_number = text("托养协议编号", 40, required=True)
    reason = text("托养原因", 300, required=True)
    on = day("开始日期")


class ReturnForm(forms.Form):
    note = text("返回情况", 300, required=True, placeholder="如：治愈出院")
    on = day("返回日期")


class VisitForm(forms.Form):
    findings = text("检查情况", 1000, required=True, rows=2)
    concerns = flag("发现问题")
    on = day("检查日期")


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label="延长天数", min_value=1, max_value=90,
                              error_messages={**_required("延长天数"), "invalid": "延长天数应为整数",
                                              "min_value": "延长天数至少 1 天", "max_value": "延长天数最多 90 天"})
    reason = text("延长理由", 500, required=True, rows=2)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="审批结果", choices=[("approve", "批准"), ("reject", "不批准")],
                                 widget=forms.RadioSelect, error_messages=_required("审批结果"))
    note = text("审批意见（不批准时必填）", 300)


class DischargeForm(forms.Form):
    kind = forms.ChoiceField(label="离站方式", choices=[("", "请选择"), *DischargeKind.choices],
                             error_messages=_required("离站方式") | {"invalid_choice": "请选择离站方式"})
    destination = text("去向（接领、护送、乘车的目的地）", 200)
    cross_province = flag("跨省")
    collector_name = text("接领人姓名", 50)
    collector_relation = text("接领人与受助人员关系", 30)
    collector_id_number = text("接领人身份证号码", 20, autocomplete="off")
    collector_id_checked = flag("已查验并复印接领人身份证件")
    declaration_signed = flag("本人已签署《自行离站声明书》")
    ticket_number = text("乘车凭证号", 40)
    short_fare = forms.DecimalField(label="短途车费（元，不超过 20 元）", required=False, max_digits=5,
                                    decimal_places=2, error_messages={"invalid": "短途车费应为金额",
                                                                      "max_digits": "短途车费不超过 20 元",
                                                                      "max_decimal_places": "金额最多两位小数"})
    fare_receipt_signed = flag("本人已签收车费")
    institution = text("接收机构（转介、落户安置）", 100)
    belongings_returned = flag("寄存物品已归还")
    note = text("情况说明（擅自离站、终止救助、死亡必填；终止救助写明理由）", 1000, rows=2)


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label="事件类型", choices=[("", "请选择"), *IncidentKind.choices],
                             error_messages=_required("事件类型") | {"invalid_choice": "请选择事件类型"})
    occurred_at = forms.DateTimeField(label="发生时间（不填为现在）", required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                      error_messages={"invalid": "发生时间格式应为 年-月-日 时:分"})
    place = text("地点", 200)
    text = text("事件经过及已采取的措施", 1000, required=True, rows=3)


class IncidentActionForm(forms.Form):
    text = text("处置情况", 1000, required=True, rows=2)


class IncidentCloseForm(forms.Form):
    text = text("结案意见", 1000, required=True, rows=2)


class EscalationForm(forms.Form):
    kind = forms.ChoiceField(label="提级事项", choices=[("", "请选择"), *EscalationKind.choices],
                             error_messages=_required("提级事项") | {"invalid_choice": "请选择提级事项"})
    reason = text("提级理由", 500, required=True, rows=2)


class EscalationAcceptForm(forms.Form):
    mode = forms.ChoiceField(label="受理方式", choices=[("handle", "提级办理（由区域性中心办理）"),
                                                    ("delegate", "下沉协助（派员到站协助）")],
                             widget=forms.RadioSelect, error_messages=_required("受理方式"))
    note = text("受理意见（下沉协助时写明派员情况）", 500)


class EscalationCloseForm(forms.Form):
    outcome = text("办理结果", 500, required=True, rows=2)


class SettlementApplyForm(forms.Form):
    note = text("申请说明（寻亲经过、比对结果）", 1000, required=True, rows=3)


class SettlementPlanForm(forms.Form):
    plan = text("民政部门的安置方案", 1000, required=True, rows=2)


class SettlementApprovalForm(forms.Form):
    approval_reference = text("政府批准文号", 60, required=True)


class SettlementCompleteForm(forms.Form):
    kind = forms.ChoiceField(label="安置方式", choices=[("", "请选择"), *SettlementKind.choices],
                             error_messages=_required("安置方式") | {"invalid_choice": "请选择安置方式"})
    institution = text("安置机构或落户地址", 200, required=True)


class IdentityForm(forms.Form):
    id_number = text("查明的身份证号码", 20, required=True, autocomplete="off")
    name = text("姓名（与原登记不同或原为无名氏时填写）", 50)


class RegistryCheckForm(forms.Form):
    name = text("姓名", 50, required=True)
    birth_date = day("出生日期", required=True)
