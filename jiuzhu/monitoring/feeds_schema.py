"""The column schema of every department feed (数据规范): what each kind's file holds, the Chinese header
and the headers offices use for it, the type, whether it is required. The one table the upload, the
templates, the 数据规范 page and the comparison rules ("rules" reads `FEED_SCHEMAS`) take columns from.

Every kind starts with the person columns (身份证号码, 姓名, 出生日期, 所在地区代码). A row needs a valid ID
number, or else a birth date, so that it can be linked to a registry person by name, birth date and region.

Stored Parquet layout (the contract with the comparison runs): `id_hash` (core.crypto.keyed_hash of the
canonical number; equals registry Person.id_number_hash), `id_enc` (core.crypto.encrypt_text), `name`,
`person_id` (int64, null when not linked), `region_code` (string, may be null), `row_number` (int32),
`birth_date` (date32), `link_method` ("id", "splink" or null), then the kind's own columns under their
English names: dates date32, amounts decimal(14,2), integers int64, text string."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa

from jiuzhu.core.exports import SheetSpec, workbook_bytes
from jiuzhu.core.tabular import Columns
from jiuzhu.monitoring.models import FeedKind

TEXT, DATE, DECIMAL, INTEGER, ID, REGION = "text", "date", "decimal", "integer", "id_number", "region"
TYPE_LABELS = {TEXT: "文本", DATE: "日期（如 2026-11-30）", DECIMAL: "金额（元，最多两位小数）", INTEGER: "整数",
               ID: "18位身份证号码（文本格式）", REGION: "6位或12位行政区划代码，或乡镇村名称"}
ARROW_TYPES = {TEXT: pa.string(), DATE: pa.date32(), DECIMAL: pa.decimal128(14, 2), INTEGER: pa.int64(),
               REGION: pa.string()}


@dataclass(frozen=True)
class FeedColumn:
    name: str  # English snake_case: the Parquet column
    label: str  # the template's header
    type: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    note: str = ""
    example: object = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class FeedSchema:
    kind: str
    columns: tuple[FeedColumn, ...]
    period_column: str = ""  # the date that places a row in time (the batch's 数据期)
    description: str = ""
    label: str = field(default="")

    @property
    def own_columns(self) -> tuple[FeedColumn, ...]:
        return tuple(c for c in self.columns if c.name not in PERSON_NAMES)

    def column(self, name: str) -> FeedColumn:
        return next(c for c in self.columns if c.name == name)

    def tabular_columns(self) -> Columns:
        return Columns(labels={c.name: c.label for c in self.columns},
                       synonyms={c.name: list(c.synonyms) for c in self.columns},
                       required=tuple(c.name for c in self.columns if c.required), min_known=2)

    def arrow_schema(self) -> pa.Schema:
        """The stored file's columns, in order."""
        return pa.schema([("id_hash", pa.string()), ("id_enc", pa.string()), ("name", pa.string()),
                          ("person_id", pa.int64()), ("region_code", pa.string()), ("row_number", pa.int32()),
                          ("birth_date", pa.date32()), ("link_method", pa.string()),
                          *[(c.name, ARROW_TYPES[c.type]) for c in self.own_columns]])


def _c(name, label, type_, required=False, synonyms=(), note="", example=None, **extra) -> FeedColumn:
    return FeedColumn(name, label, type_, required, tuple(synonyms), note, example, **extra)


PERSON = (
    _c("id_number", "身份证号码", ID, synonyms=("公民身份号码", "身份证号", "证件号码", "身份证件号码", "社会保障号码"),
       note="缺失或有误时按姓名、出生日期和地区匹配人员，此时须填出生日期", example="430524197005170210"),
    _c("name", "姓名", TEXT, True, ("人员姓名", "户主姓名", "参保人姓名", "死者姓名", "学生姓名"), example="刘桂兰"),
    _c("birth_date", "出生日期", DATE, synonyms=("出生年月日", "生日"), note="身份证号码有效时可不填",
       example=dt.date(1970, 5, 17)),
    _c("region_code", "所在地区代码", REGION, synonyms=("行政区划代码", "区划代码", "所在地区", "户籍地区划代码",
                                                   "所在村（社区）", "居住地区划代码"),
       example="430524100200"),
)
PERSON_NAMES = frozenset(c.name for c in PERSON)

_D = dt.date(2026, 10, 8)

OWN: dict[str, tuple[tuple[FeedColumn, ...], str, str]] = {
    FeedKind.MEDICAL_SETTLEMENT: ((
        _c("admission_date", "入院日期", DATE, True, ("就诊日期", "入院时间"), example=dt.date(2026, 10, 2)),
        _c("discharge_date", "出院日期", DATE, synonyms=("出院时间",), example=_D),
        _c("settlement_date", "结算日期", DATE, True, ("结算时间",), example=_D),
        _c("hospital", "医疗机构", TEXT, synonyms=("定点医疗机构", "医院名称"), example="隆回县人民医院"),
        _c("total_cost", "医疗总费用", DECIMAL, True, ("总费用", "医疗费用总额"), example=Decimal("18650.40"),
           minimum=0),
        _c("basic_insurance", "基本医保支付", DECIMAL, synonyms=("统筹支付", "基本医疗保险支付"),
           example=Decimal("10200.00"), minimum=0),
        _c("critical_illness", "大病保险支付", DECIMAL, synonyms=("大病保险",), example=Decimal("2100.00"), minimum=0),
        _c("medical_assistance", "医疗救助支付", DECIMAL, synonyms=("医疗救助",), example=Decimal("1500.00"),
           minimum=0),
        _c("out_of_pocket", "个人自付", DECIMAL, True, ("个人负担", "自付金额", "个人现金支付"),
           example=Decimal("4850.40"), minimum=0),
    ), "settlement_date", "医保部门每月报送的住院和门诊慢特病结算记录"),
    FeedKind.DISABILITY: ((
        _c("disability_kind", "残疾类别", TEXT, True, ("残疾类型",), example="肢体"),
        _c("disability_grade", "残疾等级", INTEGER, True, ("等级",), note="1 至 4", example=2, minimum=1, maximum=4),
        _c("certificate_number", "残疾证号", TEXT, synonyms=("证号",), example="43052419700517021042"),
        _c("issue_date", "发证日期", DATE, True, ("办证日期",), example=_D),
        _c("cancel_date", "注销日期", DATE, synonyms=("注销时间",)),
    ), "issue_date", "残联的残疾人证发放和注销记录"),
    FeedKind.UNEMPLOYMENT: ((
        _c("registered_date", "失业登记日期", DATE, True, ("登记日期",), example=_D),
        _c("ended_date", "登记终止日期", DATE, synonyms=("终止日期", "就业日期")),
        _c("benefit_amount", "失业保险金月额", DECIMAL, synonyms=("失业保险金",), example=Decimal("1520.00"),
           minimum=0),
    ), "registered_date", "人社部门的失业登记"),
    FeedKind.DEATH_PUBLIC_SECURITY: ((
        _c("death_date", "死亡日期", DATE, True, ("死亡时间",), example=_D),
        _c("cancel_date", "户籍注销日期", DATE, synonyms=("注销日期",), example=_D),
    ), "death_date", "公安户籍因死亡注销的记录"),
    FeedKind.DEATH_CREMATION: ((
        _c("death_date", "死亡日期", DATE, True, ("死亡时间",), example=_D),
        _c("cremation_date", "火化日期", DATE, synonyms=("火化时间",), example=_D),
        _c("funeral_home", "殡仪馆", TEXT, synonyms=("火化单位",), example="隆回县殡仪馆"),
    ), "death_date", "殡葬管理部门的火化记录"),
    FeedKind.DEATH_HOSPITAL: ((
        _c("death_date", "死亡日期", DATE, True, ("死亡时间",), example=_D),
        _c("certificate_number", "死亡证明编号", TEXT, synonyms=("医学死亡证明编号",), example="D4305242026001"),
        _c("hospital", "出具机构", TEXT, synonyms=("医疗机构",), example="隆回县人民医院"),
    ), "death_date", "卫健部门的《居民死亡医学证明（推断）书》"),
    FeedKind.REGISTER_CHANGE: ((
        _c("change_kind", "变动类型", TEXT, True, ("变动原因",), note="迁入、迁出、分户等", example="迁出"),
        _c("change_date", "变动日期", DATE, True, ("办理日期",), example=_D),
        _c("new_region", "迁往地", TEXT, synonyms=("迁入地", "去向"), example="长沙市岳麓区"),
    ), "change_date", "公安的户籍迁移和分户记录"),
    FeedKind.VEHICLE: ((
        _c("plate_number", "号牌号码", TEXT, True, ("车牌号",), example="湘E12345"),
        _c("vehicle_type", "车辆类型", TEXT, synonyms=("车型",), example="小型轿车"),
        _c("registered_date", "登记日期", DATE, True, ("注册日期", "初次登记日期"), example=_D),
        _c("purchase_price", "购置价格", DECIMAL, synonyms=("车辆价格",), example=Decimal("85000.00"), minimum=0),
    ), "registered_date", "公安交管的机动车登记"),
    FeedKind.REAL_ESTATE: ((
        _c("certificate_number", "不动产权证号", TEXT, synonyms=("产权证号",),
           example="湘(2026)隆回县不动产权第0001号"),
        _c("location", "坐落", TEXT, synonyms=("不动产坐落", "房屋坐落"), example="桃洪镇红星社区"),
        _c("usage", "用途", TEXT, synonyms=("房屋用途",), example="住宅"),
        _c("floor_area", "建筑面积", DECIMAL, synonyms=("面积",), note="平方米", example=Decimal("120.50"), minimum=0),
        _c("registered_date", "登记日期", DATE, True, ("登簿日期",), example=_D),
    ), "registered_date", "自然资源部门的不动产登记"),
    FeedKind.BUSINESS: ((
        _c("company_name", "企业名称", TEXT, True, ("市场主体名称", "单位名称"), example="隆回县某某商贸有限公司"),
        _c("credit_code", "统一社会信用代码", TEXT, synonyms=("信用代码",), example="91430524MA4L000000"),
        _c("role", "任职类型", TEXT, synonyms=("职务", "身份"), note="法定代表人、股东、董事、监事、高管、个体工商户",
           example="股东"),
        _c("registered_capital", "注册资本", DECIMAL, synonyms=("出资额",), note="元", example=Decimal("500000.00"),
           minimum=0),
        _c("registered_date", "成立日期", DATE, True, ("登记日期",), example=_D),
    ), "registered_date", "市场监管部门的工商登记和企业任职"),
    FeedKind.PENSION: ((
        _c("insurance_kind", "险种", TEXT, True, ("险种类型",), note="职工养老、城乡居民养老等", example="职工养老"),
        _c("payment_date", "发放或缴费日期", DATE, True, ("发放日期", "缴费日期", "所属期"), example=_D),
        _c("monthly_amount", "月金额", DECIMAL, True, ("养老金月额", "月缴费额", "金额"), example=Decimal("3200.00"),
           minimum=0),
    ), "payment_date", "人社部门的养老金发放和社保缴费"),
    FeedKind.HOUSING_FUND: ((
        _c("employer", "单位名称", TEXT, synonyms=("缴存单位",), example="隆回县某某公司"),
        _c("deposit_date", "缴存日期", DATE, True, ("缴存年月",), example=_D),
        _c("monthly_deposit", "月缴存额", DECIMAL, True, ("缴存额",), example=Decimal("1200.00"), minimum=0),
        _c("deposit_base", "缴存基数", DECIMAL, synonyms=("基数",), example=Decimal("6000.00"), minimum=0),
    ), "deposit_date", "住房公积金中心的缴存记录"),
    FeedKind.TAX: ((
        _c("tax_year", "纳税年度", INTEGER, True, ("年度",), example=2025, minimum=2000, maximum=2100),
        _c("period_end", "所属期止", DATE, True, ("税款所属期止", "所属期止日期"), example=dt.date(2025, 12, 31)),
        _c("annual_income", "年收入额", DECIMAL, True, ("收入额", "综合所得"), example=Decimal("96000.00"), minimum=0),
        _c("tax_paid", "已缴税额", DECIMAL, synonyms=("应纳税额",), example=Decimal("1080.00"), minimum=0),
    ), "", "税务部门的个人所得税年度汇算"),
    FeedKind.PUBLIC_PAYROLL: ((
        _c("employer", "单位名称", TEXT, True, ("工作单位",), example="隆回县某某局"),
        _c("post", "职务", TEXT, synonyms=("岗位",), example="科员"),
        _c("start_date", "入职日期", DATE, synonyms=("参加工作时间",), example=_D),
        _c("monthly_pay", "月工资", DECIMAL, synonyms=("应发工资",), example=Decimal("5600.00"), minimum=0),
    ), "start_date", "财政部门的财政供养人员名单"),
    FeedKind.PRISONER: ((
        _c("prison", "服刑场所", TEXT, synonyms=("监狱",), example="湖南省某某监狱"),
        _c("admission_date", "入监日期", DATE, True, ("收监日期",), example=_D),
        _c("release_date", "刑满日期", DATE, synonyms=("刑满释放日期", "释放日期")),
    ), "admission_date", "司法行政部门的服刑人员名单"),
    FeedKind.DISASTER: ((
        _c("disaster_kind", "灾害类型", TEXT, True, ("灾种",), example="洪涝"),
        _c("disaster_date", "受灾日期", DATE, True, ("灾害发生日期",), example=_D),
        _c("house_damage", "房屋受损情况", TEXT, synonyms=("房屋损毁",), example="严重损坏"),
        _c("loss_amount", "直接经济损失", DECIMAL, synonyms=("损失金额",), example=Decimal("30000.00"), minimum=0),
    ), "disaster_date", "应急管理部门的受灾人员名单"),
    FeedKind.STUDENT_HARDSHIP: ((
        _c("school", "学校", TEXT, True, ("学校名称", "就读学校"), example="隆回县第一中学"),
        _c("grade", "年级", TEXT, synonyms=("班级",), example="高二"),
        _c("hardship_level", "困难等级", TEXT, True, ("认定等级",), note="特别困难、困难、一般困难",
           example="特别困难"),
        _c("school_year", "学年", TEXT, synonyms=("认定学年",), example="2026-2027"),
        _c("recognised_date", "认定日期", DATE, synonyms=("认定时间",), example=_D),
    ), "recognised_date", "教育部门的家庭经济困难学生认定"),
    FeedKind.UTILITY_ARREARS: ((
        _c("utility", "欠费类型", TEXT, True, ("类型",), note="水、电、气", example="电"),
        _c("arrears_amount", "欠费金额", DECIMAL, True, ("欠费",), example=Decimal("380.20"), minimum=0),
        _c("arrears_months", "欠费月数", INTEGER, synonyms=("连续欠费月数",), example=3, minimum=0),
        _c("as_of_date", "统计日期", DATE, True, ("截至日期",), example=_D),
    ), "as_of_date", "供水、供电、供气企业的欠费户（选报）"),
}

FEED_SCHEMAS: dict[str, FeedSchema] = {
    kind: FeedSchema(kind=kind, columns=PERSON + own, period_column=period, description=description,
                     label=FeedKind(kind).label)
    for kind, (own, period, description) in OWN.items()
}


def schema_for(kind: str) -> FeedSchema:
    try:
        return FEED_SCHEMAS[kind]
    except KeyError:
        from jiuzhu.core.errors import DomainError

        raise DomainError(f"没有“{kind}”这种数据类型", code="validation_error", field="kind") from None


def template_workbook(kind: str) -> bytes:
    """The downloadable template: the header row and one example row, then the column notes on a sheet of
    their own (the upload skips a sheet without a header row)."""
    schema = schema_for(kind)
    headers = [c.label + ("（必填）" if c.required else "") for c in schema.columns]
    example = [c.example for c in schema.columns]
    # Names in quotes: the upload must not take this sheet's rows for a header row.
    notes = [[f"“{c.label}”", TYPE_LABELS[c.type], "是" if c.required else "否",
              "、".join(f"“{name}”" for name in c.synonyms), c.note] for c in schema.columns]
    return workbook_bytes([
        SheetSpec(title=schema.label[:28], headers=headers, rows=[example], widths=[20] * len(headers)),
        SheetSpec(title="填写说明", headers=["列", "格式", "必填", "也可写作", "说明"], rows=notes,
                  widths=[16, 28, 6, 40, 50]),
    ])
