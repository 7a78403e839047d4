"""The policy calculator (政策计算器): from a household's answers and the local standards, which items it could
get and roughly how much. Pure functions: `estimate(answers, standards)` reads nothing; `local_standards(region,
on)` reads the registry's standards in force (registry/standards.py, the same rows the tier assessment uses).

The rules are the national ones of DOMAIN.md §1.2, simplified for an estimate:
- 低保: per-capita monthly income below the 低保标准 and per-capita deposits within the local limit
  (deposit_limit_months × standard); about (standard − per-capita income) × size a month.
- 特困: members who are elderly (≥ tekun_age), severely disabled (grade 1–2) or minors (< tekun_minor_age), with
  no one able to support them and no income; a basic living standard of at least 1.3 × the 低保标准 each.
- 低保边缘: not 低保, per-capita income below near_dibao_multiplier × standard.
- 刚性支出困难: not above, per-capita yearly income below last year's disposable income and the medical costs
  above rigid_expense_ratio of the household's yearly income.
- medical assistance and the insurance subsidy, education, disability allowances and the elderly subsidy for
  members of qualifying households; 临时救助 for sudden hardship.
When a standard is not set for the region the result says so instead of guessing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from jiuzhu.intake.catalog import ITEM_BY_CODE

TEKUN_STANDARD_FACTOR = Decimal("1.3")  # 特困 basic living standard: not below 1.3 × the 低保标准
MEDICAL_RATIO = {"tekun": Decimal("1.0"), "dibao": Decimal("0.7"), "near_dibao": Decimal("0.6"),
                 "rigid_expense": Decimal("0.5")}  # rough shares of out-of-pocket costs reimbursed
TEMPORARY_MONTHS = 3  # 临时救助 estimated as three months of the standard for the household
MAX_SIZE = 20
ESTIMATE_NOTICE = ("以上结果只是根据您填写的情况和当地标准做的估算，不是审批结论。能否享受、享受多少，"
                   "以乡镇（街道）受理后经家庭经济状况核对、入户调查和审核确认的结果为准。")

STANDARD_KEYS = ("dibao_standard_urban", "dibao_standard_rural", "near_dibao_multiplier", "deposit_limit_months",
                 "tekun_age", "tekun_minor_age", "rigid_expense_ratio", "disposable_income_last_year")
STANDARD_LABELS = {"dibao_standard_urban": "城市低保标准", "dibao_standard_rural": "农村低保标准",
                   "near_dibao_multiplier": "低保边缘收入倍数", "deposit_limit_months": "人均存款上限",
                   "rigid_expense_ratio": "刚性支出占家庭总收入比例",
                   "disposable_income_last_year": "上年度居民人均可支配收入"}


class AnswerError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Answers:
    urban: bool  # 城镇 (True) or 农村
    size: int  # household members living together
    monthly_income: Decimal  # the household's total monthly income
    deposits: Decimal = Decimal(0)  # the household's total deposits
    elderly: int = 0  # aged tekun_age (60) or older
    disabled_severe: int = 0  # disability grade 1–2
    disabled_other: int = 0  # disability grade 3–4
    minors: int = 0  # under tekun_minor_age (16)
    students: int = 0  # in school
    seriously_ill: int = 0
    no_supporter: bool = False  # no one legally obliged to support them, or they cannot
    medical_costs: Decimal = Decimal(0)  # out-of-pocket medical costs over the last 12 months
    sudden_hardship: bool = False  # fire, accident, sudden serious illness …


@dataclass(frozen=True)
class Estimate:
    code: str  # catalogue item code
    amount: Decimal | None  # rough amount in yuan, None when the amount depends on local rules not known here
    period: str  # "每月" / "一次性" / "每年" / ""
    reason: str

    @property
    def name(self) -> str:
        return ITEM_BY_CODE[self.code].name


@dataclass
class Result:
    items: list[Estimate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why something could not be estimated
    per_capita_income: Decimal | None = None
    standard: Decimal | None = None
    notice: str = ESTIMATE_NOTICE

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.items]

    def get(self, code: str) -> Estimate | None:
        return next((e for e in self.items if e.code == code), None)


def yuan(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def _count(value, label: str, field: str, size: int | None = None) -> int:
    text = str(value if value is not None else "").strip() or "0"
    try:
        number = int(text)
    except ValueError:
        raise AnswerError(f"{label}应为整数", field) from None
    if number < 0:
        raise AnswerError(f"{label}不能为负数", field)
    if size is not None and number > size:
        raise AnswerError(f"{label}不能多于家庭人口数（{size} 人）", field)
    return number


def _money(value, label: str, field: str) -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "") or "0"
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise AnswerError(f"{label}应为金额数字，如 1200 或 1200.50", field) from None
    if not number.is_finite() or number < 0:
        raise AnswerError(f"{label}应为不小于 0 的金额", field)
    if number > Decimal("100000000"):
        raise AnswerError(f"{label}过大，请检查", field)
    return number


def parse_answers(data) -> Answers:
    """The answers from a submitted form (request.POST); AnswerError names the field in Chinese."""
    hukou = (data.get("hukou") or "").strip()
    if hukou not in ("urban", "rural"):
        raise AnswerError("请选择城镇或农村", "hukou")
    size = _count(data.get("size"), "家庭人口数", "size")
    if not 1 <= size <= MAX_SIZE:
        raise AnswerError(f"家庭人口数应在 1 到 {MAX_SIZE} 人之间", "size")
    return Answers(
        urban=hukou == "urban", size=size,
        monthly_income=_money(data.get("monthly_income"), "家庭月收入", "monthly_income"),
        deposits=_money(data.get("deposits"), "家庭存款", "deposits"),
        elderly=_count(data.get("elderly"), "老年人数", "elderly", size),
        disabled_severe=_count(data.get("disabled_severe"), "一、二级残疾人数", "disabled_severe", size),
        disabled_other=_count(data.get("disabled_other"), "三、四级残疾人数", "disabled_other", size),
        minors=_count(data.get("minors"), "未成年人数", "minors", size),
        students=_count(data.get("students"), "在校学生人数", "students", size),
        seriously_ill=_count(data.get("seriously_ill"), "重病患者人数", "seriously_ill", size),
        no_supporter=data.get("no_supporter") in ("1", "on", "true"),
        medical_costs=_money(data.get("medical_costs"), "自付医疗费用", "medical_costs"),
        sudden_hardship=data.get("sudden_hardship") in ("1", "on", "true"),
    )


def local_standards(region, on: dt.date) -> dict[str, Decimal | None]:
    """The registry's standards in force for the region (nearest ancestor wins), None where not set."""
    from jiuzhu.registry.standards import standards_for

    values = standards_for(region, on).values
    return {key: values.get(key) for key in STANDARD_KEYS}


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def estimate(answers: Answers, standards: dict) -> Result:
    """What the household could get. `standards` as local_standards gives them (missing keys: not set)."""
    a = answers
    result = Result()
    standard_key = "dibao_standard_urban" if a.urban else "dibao_standard_rural"
    standard = _dec(standards.get(standard_key))
    multiplier = _dec(standards.get("near_dibao_multiplier")) or Decimal("1.5")
    deposit_months = _dec(standards.get("deposit_limit_months"))
    per_capita = a.monthly_income / a.size
    result.per_capita_income = per_capita.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    result.standard = standard
    tier = ""  # the household tier the estimate found, for the special items below

    if standard is None:
        result.notes.append(f"当地尚未设置{STANDARD_LABELS[standard_key]}，无法估算低保、特困和低保边缘；"
                            "请向乡镇（街道）窗口咨询当地标准。")
    else:
        deposit_limit = deposit_months * standard if deposit_months is not None else None
        deposits_ok = deposit_limit is None or a.deposits / a.size <= deposit_limit
        unable = a.elderly + a.disabled_severe + a.minors
        if a.no_supporter and a.monthly_income == 0 and unable > 0 and deposits_ok:
            tier = "tekun"
            people = min(unable, a.size)
            result.items.append(Estimate(
                "tekun", yuan(TEKUN_STANDARD_FACTOR * standard * people), "每月",
                f"家中有 {people} 名老年人、重度残疾人或未成年人，无生活来源且无法定义务人（或其无履行能力）；"
                f"基本生活标准不低于当地低保标准（{yuan(standard)} 元）的 1.3 倍，另有照料护理补贴"))
        if not deposits_ok:
            result.notes.append(f"家庭人均存款超过当地上限（{deposit_months} 个月低保标准，"
                                f"即每人 {yuan(deposit_limit)} 元），一般不符合低保和低保边缘条件。")
        elif per_capita < standard and tier != "tekun":
            tier = "dibao"
            monthly = yuan((standard - per_capita) * a.size)
            result.items.append(Estimate(
                "dibao", monthly, "每月",
                f"家庭人均月收入 {result.per_capita_income} 元，低于当地{STANDARD_LABELS[standard_key]} "
                f"{yuan(standard)} 元；按（{yuan(standard)} − {result.per_capita_income}）× {a.size} 人估算"))
        elif tier != "tekun" and per_capita < multiplier * standard:
            tier = "near_dibao"
            result.items.append(Estimate(
                "near_dibao", None, "",
                f"家庭人均月收入 {result.per_capita_income} 元，不低于低保标准但低于其 {multiplier} 倍"
                f"（{yuan(multiplier * standard)} 元），可认定为低保边缘家庭，享受医疗、教育等专项救助"))

    if not tier and a.medical_costs > 0:
        ratio = _dec(standards.get("rigid_expense_ratio"))
        disposable = _dec(standards.get("disposable_income_last_year"))
        if ratio is None or disposable is None:
            result.notes.append("当地尚未设置刚性支出困难家庭的认定标准（支出比例或上年度人均可支配收入），"
                                "无法估算刚性支出困难家庭认定。")
        else:
            yearly = a.monthly_income * 12
            if yearly / a.size < disposable and (yearly == 0 or a.medical_costs / yearly > ratio):
                tier = "rigid_expense"
                result.items.append(Estimate(
                    "rigid_expense", None, "",
                    f"自付医疗费用 {yuan(a.medical_costs)} 元，超过家庭年收入的 {ratio * 100:.0f}%，"
                    f"且人均年收入低于上年度居民人均可支配收入 {yuan(disposable)} 元"))

    qualifying = tier in ("dibao", "tekun", "near_dibao", "rigid_expense")
    if tier in ("dibao", "tekun", "near_dibao"):
        result.items.append(Estimate("insurance_subsidy", None, "每年",
                                     "低保、特困、低保边缘等对象参加城乡居民医保的个人缴费可获资助（比例由当地确定）"))
    if qualifying and (a.medical_costs > 0 or a.seriously_ill > 0):
        ratio = MEDICAL_RATIO[tier]
        amount = yuan(a.medical_costs * ratio) if a.medical_costs > 0 else None
        result.items.append(Estimate(
            "medical", amount, "一次性" if amount is not None else "",
            f"经基本医保、大病保险报销后个人负担的合规医疗费用，按约 {ratio * 100:.0f}% 估算救助"
            + ("（家中有重病患者）" if a.seriously_ill else "")))
    if a.students and tier in ("dibao", "tekun", "near_dibao"):
        result.items.append(Estimate("education", None, "每年",
                                     f"家中有 {a.students} 名在校学生，可按学段享受教育救助（资助标准由教育部门确定）"))
    if a.disabled_severe or (a.disabled_other and tier in ("dibao", "tekun")):
        parts = []
        if a.disabled_other + a.disabled_severe and tier in ("dibao", "tekun"):
            parts.append("低保、特困家庭中的残疾人可享受困难残疾人生活补贴")
        if a.disabled_severe:
            parts.append(f"{a.disabled_severe} 名一、二级重度残疾人可享受重度残疾人护理补贴")
        result.items.append(Estimate("disability_allowance", None, "每月", "；".join(parts)))
    if a.elderly and tier in ("dibao", "tekun"):
        result.items.append(Estimate("elderly", None, "每月",
                                     f"低保、特困家庭中的 {a.elderly} 名老年人可享受经济困难老年人补贴"))
    if a.sudden_hardship:
        if standard is None:
            result.items.append(Estimate("temporary", None, "一次性",
                                         "因突发事件、意外或重病导致基本生活暂时出现严重困难，可申请临时救助"
                                         "（当地低保标准未设置，无法估算金额）"))
        else:
            result.items.append(Estimate(
                "temporary", yuan(standard * a.size * TEMPORARY_MONTHS), "一次性",
                f"因突发事件、意外或重病导致基本生活暂时出现严重困难，按 {TEMPORARY_MONTHS} 个月低保标准估算；"
                "情况紧急的可先行救助"))
    tekun_age, minor_age = _dec(standards.get("tekun_age")), _dec(standards.get("tekun_minor_age"))
    if tekun_age is not None and tekun_age != 60:
        result.notes.append(f"当地特困人员认定的老年人年龄为 {tekun_age} 岁，请按此年龄填写老年人数。")
    if minor_age is not None and minor_age != 16:
        result.notes.append(f"当地特困人员认定的未成年人为未满 {minor_age} 岁，请按此年龄填写未成年人数。")
    if a.minors and a.no_supporter and tier != "tekun":
        result.notes.append("未成年人无人抚养的，可申请孤儿和事实无人抚养儿童基本生活保障，请向窗口咨询。")
    return result
