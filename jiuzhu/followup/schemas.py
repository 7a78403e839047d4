"""Follow-up's API schemas (pydantic, through django-ninja): what a client sends and receives. Inputs are loose
(plain strings, optional) where the service checks the value, so its Chinese message names the field (400);
ID numbers appear only in the returnee's detail, masked unless the role may see them in full, never beside a
birth date."""

import datetime as dt

from ninja import Field, Schema

# ---- Visits ------------------------------------------------------------------------------------------------------

class ScheduleOut(Schema):
    id: int
    sequence: int
    due_on: dt.date
    region_name: str
    status: str
    status_label: str
    hardship: str
    hardship_label: str


class ApplicationRefOut(Schema):
    id: int
    query_code: str
    status: str
    status_label: str


class LeadRefOut(Schema):
    id: int
    status: str
    status_label: str
    due_date: dt.date | None


class VisitOut(Schema):
    id: int
    subject_kind: str = Field(..., description="returnee（返乡受助人员）或 at_risk（易流浪走失人员）")
    subject_kind_label: str
    entry_id: int | None
    at_risk_id: int | None
    name: str
    sequence: int
    region_code: str
    region_name: str
    due_on: dt.date
    status: str
    status_label: str
    overdue: bool
    visited_on: dt.date | None
    method: str
    method_label: str
    hardship: str
    hardship_label: str
    handed_over: bool = Field(..., description="已转入救助申请或已转为监测线索（每次回访只衔接一次）")
    handed_over_to: str = Field("", description="application（救助申请）、lead（监测线索）或空")


class VisitDetailOut(VisitOut):
    findings: str
    conditions: list[str]
    condition_labels: list[str]
    station: str = Field("", description="送返救助管理站（返乡受助人员）")
    discharged_on: dt.date | None = None
    destination: str = ""
    address: str = Field("", description="住址（易流浪走失人员）")
    guardian: str = ""
    photo_url: str | None = None
    application: ApplicationRefOut | None
    lead: LeadRefOut | None = None
    may_record: bool
    may_hand_over: bool
    may_lead: bool = False
    schedule: list[ScheduleOut]


class VisitPageOut(Schema):
    results: list[VisitOut]
    total: int
    limit: int
    offset: int


class VisitRecordIn(Schema):
    visited_on: dt.date | None = Field(None, description="回访日期，默认今天")
    method: str = Field("", description="home_visit（实地走访）或 phone_call（电话问询）")
    findings: str = Field("", description="回访情况（必填，1000 字以内）")
    hardship: str = Field("", description="发现困难：空（无明显困难）、living、health、income")


class HandoverIn(Schema):
    items: list[str] = Field(default_factory=list, description="申请救助事项代码：dibao、temporary、medical")
    region_code: str = Field("", description="申请人居住的乡镇（街道）或村（社区）的区划代码；默认回访的责任地区")


# ---- The returnee ledger -------------------------------------------------------------------------------------

class EntryOut(Schema):
    id: int
    name: str
    sex: str
    discharge_kind: str
    discharge_kind_label: str
    discharged_on: dt.date
    station: str
    home_region_code: str | None
    home_region_name: str | None
    home_source: str
    home_source_label: str
    feedback_mode: str
    feedback_mode_label: str
    feedback_sent_at: dt.datetime | None
    receipt_confirmed_at: dt.datetime | None
    arrived_on: dt.date | None
    relapse_watch: bool
    conditions: list[str]
    condition_labels: list[str]


class EntryDetailOut(EntryOut):
    id_number: str = Field(..., description="身份证号码：有权查看完整号码的角色见全号，否则遮掩；不明为空")
    destination: str
    home_office: str | None
    arrival_note: str
    station_side: bool
    home_side: bool
    may_confirm: bool
    letter_url: str | None = Field(None, description="书面反馈函（打印页），流出地单位未使用本系统时")
    relapse_office: str | None = Field(None, description="防止返贫监测对象：系统内通报的乡村振兴部门")
    relapse_notice_mode: str = Field("", description="通报方式：system（系统内）、letter（书面）；空为未通报")
    relapse_notified_at: dt.datetime | None = None
    relapse_received_at: dt.datetime | None = None
    visits: list[ScheduleOut]


class EntryPageOut(Schema):
    results: list[EntryOut]
    total: int
    limit: int
    offset: int


class ArrivalIn(Schema):
    arrived_on: dt.date | None = Field(None, description="到家日期，默认今天")
    note: str = Field("", description="到家情况（500 字以内）")


class HomeIn(Schema):
    region_code: str = Field("", description="流出地（户籍地）的县（区）、乡镇（街道）或村（社区）的区划代码")


class RelapseNoticeOut(Schema):
    entry_id: int
    name: str
    sex: str
    id_number: str = Field(..., description="身份证号码：有权查看完整号码的角色见全号，否则遮掩；不明为空")
    home_region_name: str | None
    station: str
    discharged_on: dt.date
    relapse_notified_at: dt.datetime | None
    relapse_received_at: dt.datetime | None


class RelapseNoticePageOut(Schema):
    results: list[RelapseNoticeOut]
    total: int
    limit: int
    offset: int


# ---- The at-risk registry ------------------------------------------------------------------------------------

class AtRiskOut(Schema):
    id: int
    name: str
    sex: str
    region_code: str
    region_name: str
    conditions: list[str]
    condition_labels: list[str]
    source: str
    source_label: str
    status: str
    status_label: str
    return_reason: str


class AtRiskDetailOut(AtRiskOut):
    address: str
    guardian: str
    note: str
    created_at: dt.datetime
    checked_at: dt.datetime | None
    visits: list[ScheduleOut]


class AtRiskPageOut(Schema):
    results: list[AtRiskOut]
    total: int
    limit: int
    offset: int


class AtRiskIn(Schema):
    region_code: str = Field("", description="居住的村（社区）的区划代码")
    name: str = ""
    sex: str = Field("", description="M（男）或 F（女）")
    id_number: str = ""
    conditions: list[str] = Field(default_factory=list, description="易流浪走失情形代码：mental、dementia、"
                                  "intellectual、physical、repeat、minor、lonely_elderly")
    guardian: str = ""
    address: str = ""
    note: str = ""


class ResubmitIn(Schema):
    conditions: list[str] = Field(default_factory=list, description="易流浪走失情形代码")
    guardian: str = ""
    address: str = ""
    note: str = ""


class CheckIn(Schema):
    decision: str = Field("", description="approve（审核入库）或 return（退回补正）")
    reason: str = Field("", description="退回理由（退回时必填）")


# ---- Repeat alerts -----------------------------------------------------------------------------------------------

class AlertOut(Schema):
    id: int
    name: str
    entry_id: int | None
    at_risk_id: int | None
    station: str
    admitted_on: dt.date | None
    home_region_code: str
    home_region_name: str
    raised_at: dt.datetime
    seen_at: dt.datetime | None


class AlertPageOut(Schema):
    results: list[AlertOut]
    total: int
    limit: int
    offset: int


class CountsOut(Schema):
    entries: int
    feedback_sent: int
    arrived: int
    visits_done: int
    visits_overdue: int
    handed_over: int
    at_risk_listed: int
    repeat_alerts: int
