"""The 一表登记 form: presence and length checks in Chinese, one message per field at once; the rules (ID numbers,
items, region, agent) are application_create's, whose refusal is put back beside the field it names."""

from __future__ import annotations

from django import forms

from jiuzhu.intake.catalog import ITEMS
from jiuzhu.intake.models import Channel
from jiuzhu.registry.models import HukouType

# Window and hotline are accepted on entry; a lead found by a coordinator or grid worker (主动发现) waits for
# the window to accept it (application_create's ACCEPTED_ON_ENTRY).
ENTRY_CHANNELS = [(Channel.WINDOW.value, Channel.WINDOW.label), (Channel.HOTLINE.value, Channel.HOTLINE.label),
                  (Channel.DISCOVERY.value, "主动发现（协理员、网格员线索，待窗口受理）")]


def _required(label: str) -> dict:
    return {"required": f"请填写{label}", "max_length": f"{label}不能超过 %(limit_value)d 个字"}


class ApplicationForm(forms.Form):
    applicant_name = forms.CharField(label="申请人姓名", max_length=50, error_messages=_required("申请人姓名"))
    applicant_id_number = forms.CharField(label="身份证号码", max_length=20, error_messages=_required("身份证号码"),
                                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    applicant_phone = forms.CharField(label="联系电话", max_length=20, required=False,
                                      error_messages=_required("联系电话"),
                                      widget=forms.TextInput(attrs={"inputmode": "tel"}))
    address = forms.CharField(label="现住址", max_length=200, required=False, error_messages=_required("现住址"))
    agent_name = forms.CharField(label="代理人姓名", max_length=50, required=False,
                                 error_messages=_required("代理人姓名"))
    agent_id_number = forms.CharField(label="代理人身份证号码", max_length=20, required=False,
                                      error_messages=_required("代理人身份证号码"),
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))
    agent_relation = forms.CharField(label="与申请人关系", max_length=30, required=False,
                                     error_messages=_required("与申请人关系"))
    agent_phone = forms.CharField(label="代理人电话", max_length=20, required=False,
                                  error_messages=_required("代理人电话"),
                                  widget=forms.TextInput(attrs={"inputmode": "tel"}))
    channel = forms.ChoiceField(label="申请渠道", choices=ENTRY_CHANNELS, initial=Channel.WINDOW,
                                error_messages={"required": "请选择申请渠道", "invalid_choice": "请选择申请渠道"})
    items = forms.MultipleChoiceField(label="申请的救助事项", choices=[(i.code, i.name) for i in ITEMS],
                                      error_messages={"required": "请至少选择一项申请的救助事项",
                                                      "invalid_choice": "未知的救助事项，请重新选择"})
    circumstances = forms.CharField(label="困难情况", max_length=2000, error_messages=_required("困难情况"),
                                    widget=forms.Textarea(attrs={"rows": 4}))
    emergency = forms.BooleanField(label="急难情形（需立即救助）", required=False)
    register_household = forms.BooleanField(label="登记到低收入人口库（申请人未在库时）", required=False)
    hukou_type = forms.ChoiceField(label="户口类型（登记入库时填写）", required=False,
                                   choices=[("", "请选择"), *HukouType.choices],
                                   error_messages={"invalid_choice": "请选择户口类型"})
    source_ref = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, leads_only: bool = False, **kwargs):
        """leads_only: a village's coordinator or grid worker registers a lead (主动发现) for the township
        window to accept; taking an application at once (window, hotline) is the window's."""
        super().__init__(*args, **kwargs)
        if leads_only:
            self.fields["channel"].choices = [c for c in ENTRY_CHANNELS if c[0] == Channel.DISCOVERY]
            self.fields["channel"].initial = Channel.DISCOVERY

    def clean(self):
        data = super().clean()
        agent = [data.get(name) for name in ("agent_id_number", "agent_relation", "agent_phone")]
        if not data.get("agent_name") and any(agent):
            self.add_error("agent_name", "填写了代理人信息时，请填写代理人姓名")
        if data.get("agent_name"):
            if not data.get("agent_id_number"):
                self.add_error("agent_id_number", "请填写代理人身份证号码")
            if not data.get("agent_relation"):
                self.add_error("agent_relation", "请填写代理人与申请人关系")
        if data.get("register_household") and not data.get("hukou_type"):
            self.add_error("hukou_type", "登记到低收入人口库时，请选择户口类型")
        return data

    def received_materials(self) -> dict[str, list[str]]:
        """{item: [material names ticked as brought]} for the chosen items (checkboxes received_<item>)."""
        chosen = self.cleaned_data.get("items") or []
        return {code: [m for m in self.data.getlist(f"received_{code}") if m] for code in chosen
                if self.data.getlist(f"received_{code}")}

    def service_fields(self) -> dict:
        d = self.cleaned_data
        agent = {"name": d["agent_name"], "id_number": d["agent_id_number"], "relation": d["agent_relation"],
                 "phone": d["agent_phone"]} if d.get("agent_name") else None
        return {"channel": d["channel"], "applicant_name": d["applicant_name"],
                "applicant_id_number": d["applicant_id_number"], "applicant_phone": d["applicant_phone"],
                "address": d["address"], "agent": agent, "items": list(d["items"]),
                "circumstances": d["circumstances"], "emergency": d["emergency"], "source_ref": d["source_ref"],
                "received_materials": self.received_materials()}


# A service refusal names its field; the form's field it belongs beside.
SERVICE_FIELDS = {
    "agent.name": "agent_name", "agent.id_number": "agent_id_number", "agent.relation": "agent_relation",
    "agent.phone": "agent_phone", "received_materials": "items",
}


def form_field(service_field: str | None, form: forms.Form) -> str | None:
    name = SERVICE_FIELDS.get(service_field or "", service_field)
    return name if name in form.fields else None
