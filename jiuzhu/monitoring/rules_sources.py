"""What a rule can read: every feed kind (one view `feed_<kind>` of its stored Parquet files) and three views
of the registry snapshot. For each source: the columns a rule may use (English snake_case as stored, Chinese
label, type) and the date column that places a row in the rule's window.

Feed columns follow the Parquet contract between "feeds" and "rules" (monitoring_common.md): every feed file
has id_hash, id_enc, name, person_id, region_code, row_number and the kind's own columns listed here (the
kind's own columns are the ones rules read; feeds_schema.FEED_SCHEMAS is the upload side of the same
names). feeds_schema is the contract; a test checks every column named here is stored there."""

from dataclasses import dataclass, field

import pyarrow as pa

from jiuzhu.monitoring.models import FeedKind
from jiuzhu.registry.models import AssistanceCategory

# Chinese names of coded values a rule's condition may name (shown wherever the rule is described).
VALUE_LABELS: dict[str, dict[str, str]] = {"category": dict(AssistanceCategory.choices)}

NUMBER, DATE, TEXT = "number", "date", "text"
_ARROW = {NUMBER: pa.float64(), DATE: pa.date32(), TEXT: pa.string()}


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    date_column: str
    columns: dict[str, tuple[str, str]]  # name -> (Chinese label, number | date | text)
    subject: str = "person"  # person: rows name a person (id_hash / person_id); household: rows name a household
    registry: bool = False  # a view of the registry snapshot, not a department feed
    table: str = ""
    common: dict[str, pa.DataType] = field(default_factory=dict)

    @property
    def view(self) -> str:
        return self.table or f"feed_{self.key}"

    def empty_schema(self) -> pa.Schema:
        """The view's columns when no batch of the kind is stored yet."""
        fields = [pa.field("id_hash", pa.string()), pa.field("id_enc", pa.string()), pa.field("name", pa.string()),
                  pa.field("person_id", pa.int64()), pa.field("region_code", pa.string()),
                  pa.field("row_number", pa.int64())]
        fields += [pa.field(name, _ARROW[kind]) for name, (_label, kind) in self.columns.items()]
        fields.append(pa.field("batch_region_id", pa.int64()))
        return pa.schema(fields)


def _feed(kind: FeedKind, date_column: str, **columns: tuple[str, str]) -> Source:
    return Source(key=kind.value, label=kind.label, date_column=date_column, columns=dict(columns))


FEED_SOURCES = [
    _feed(FeedKind.MEDICAL_SETTLEMENT, "discharge_date", admission_date=("入院日期", DATE),
          discharge_date=("出院日期", DATE), total_cost=("医疗总费用", NUMBER),
          basic_insurance=("基本医保支付", NUMBER), critical_illness=("大病保险支付", NUMBER),
          medical_assistance=("医疗救助支付", NUMBER), out_of_pocket=("个人自付", NUMBER)),
    _feed(FeedKind.DISABILITY, "issue_date", disability_kind=("残疾类别", TEXT), disability_grade=("残疾等级", NUMBER),
          issue_date=("发证日期", DATE), cancel_date=("注销日期", DATE)),
    _feed(FeedKind.UNEMPLOYMENT, "registered_date", registered_date=("失业登记日期", DATE),
          ended_date=("登记终止日期", DATE)),
    _feed(FeedKind.DEATH_PUBLIC_SECURITY, "death_date", death_date=("死亡日期", DATE)),
    _feed(FeedKind.DEATH_CREMATION, "death_date", death_date=("死亡日期", DATE), cremation_date=("火化日期", DATE)),
    _feed(FeedKind.DEATH_HOSPITAL, "death_date", death_date=("死亡日期", DATE)),
    _feed(FeedKind.REGISTER_CHANGE, "change_date", change_date=("变动日期", DATE), change_kind=("变动类型", TEXT)),
    _feed(FeedKind.VEHICLE, "registered_date", registered_date=("登记日期", DATE),
          vehicle_type=("车辆类型", TEXT), purchase_price=("购置价格", NUMBER)),
    _feed(FeedKind.REAL_ESTATE, "registered_date", registered_date=("登记日期", DATE), floor_area=("建筑面积", NUMBER),
          usage=("房屋用途", TEXT)),
    _feed(FeedKind.BUSINESS, "registered_date", registered_date=("登记日期", DATE),
          registered_capital=("注册资本", NUMBER), role=("任职", TEXT)),
    _feed(FeedKind.PENSION, "payment_date", payment_date=("发放日期", DATE), monthly_amount=("月发放金额", NUMBER)),
    _feed(FeedKind.HOUSING_FUND, "deposit_date", deposit_date=("缴存日期", DATE), monthly_deposit=("月缴存额", NUMBER)),
    _feed(FeedKind.TAX, "period_end", period_end=("所属期止", DATE), annual_income=("年收入额", NUMBER)),
    _feed(FeedKind.PUBLIC_PAYROLL, "start_date", start_date=("起薪日期", DATE), monthly_pay=("月工资", NUMBER)),
    _feed(FeedKind.PRISONER, "admission_date", admission_date=("入监日期", DATE), release_date=("刑满日期", DATE)),
    _feed(FeedKind.DISASTER, "disaster_date", disaster_date=("受灾日期", DATE), loss_amount=("损失金额", NUMBER)),
    _feed(FeedKind.STUDENT_HARDSHIP, "recognised_date", recognised_date=("认定日期", DATE),
          hardship_level=("困难等级", TEXT)),
    _feed(FeedKind.UTILITY_ARREARS, "as_of_date", as_of_date=("欠费截止日期", DATE),
          arrears_amount=("欠费金额", NUMBER)),
]

REGISTRY_SOURCES = [
    Source(key="registry_grants", label="低收入人口库：救助发放", date_column="period_start", registry=True,
           table="reg_grants", columns={"period_start": ("起始日期", DATE), "category": ("救助类别", TEXT),
                                         "county_code": ("发放地县级区划", TEXT)}),
    Source(key="registry_tier_lapse", label="低收入人口库：认定到期未复核", date_column="last_valid_to",
           registry=True, subject="household", table="reg_tier_lapse",
           columns={"last_valid_to": ("认定有效期止", DATE), "days_lapsed": ("到期天数", NUMBER)}),
    Source(key="registry_policy_gap", label="低收入人口库：应享未享", date_column="valid_from", registry=True,
           subject="household", table="reg_policy_gap",
           columns={"valid_from": ("认定有效期起", DATE), "missing_items": ("未落实的救助项目数", NUMBER)}),
]

SOURCES: dict[str, Source] = {s.key: s for s in FEED_SOURCES + REGISTRY_SOURCES}


def source_choices() -> list[tuple[str, str]]:
    return [(s.key, s.label) for s in SOURCES.values()]
