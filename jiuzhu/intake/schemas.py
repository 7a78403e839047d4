"""Intake's API schemas (pydantic, through django-ninja): what a client sends and receives."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

# Channels an officer (or a department system's token) enters through the API; online applications come
# from the public portal, never from here.
ApiChannel = Literal["window", "hotline", "discovery", "rescue_transfer"]


class ApplicantIn(Schema):
    name: str = Field(..., max_length=200)
    id_number: str = Field(..., max_length=40)
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=400)


class AgentIn(Schema):
    name: str = Field(..., max_length=200)
    id_number: str = Field(..., max_length=40)
    relation: str = Field("", max_length=60)
    phone: str = Field("", max_length=40)


class ApplicationIn(Schema):
    applicant: ApplicantIn
    region_code: str = Field(..., max_length=20, description="申请人居住的乡镇（街道）或村（社区）的区划代码")
    items: list[str] = Field(..., max_length=50, description="救助事项代码，如 temporary、medical")
    circumstances: str = Field(..., max_length=4000)
    channel: ApiChannel = "window"
    agent: AgentIn | None = None
    emergency: bool = False
    source_ref: str = Field("", max_length=200)
    received_materials: dict[str, list[str]] | None = Field(
        None, description="已收到的材料：{事项代码: [材料名称, …]}；其余列入一次性告知书")


class ApplicationItemOut(Schema):
    item: str
    name: str
    department: str  # core Department code; "" = civil affairs itself
    status: str
    status_label: str
    due_date: dt.date


class ApplicationOut(Schema):
    id: int
    query_code: str
    channel: str
    status: str
    status_label: str
    region_code: str
    region_name: str
    applicant_name: str
    applicant_id_number: str  # masked unless the role may see it in full
    emergency: bool
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_date: dt.date | None
    overdue: bool
    items: list[ApplicationItemOut]


class ApplicationPageOut(Schema):
    results: list[ApplicationOut]
    limit: int
    next_cursor: str | None = Field(None, description="下一页：把它作为 cursor 参数传回")
