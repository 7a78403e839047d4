"""Validation of household and member input, shared by the form, the API and the import.

Every problem is reported with the field (and, in imports, the row) in Chinese; nothing is written
unless everything is valid."""

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from jiuzhu.core import tabular
from jiuzhu.core.identity import IdNumberError, parse_id_number
from jiuzhu.registry.models import (
    DisabilityType,
    Employment,
    HukouType,
    LabourCapacity,
    Relation,
    Schooling,
)


@dataclass(slots=True)  # slots: an import holds one per person (a million in a large roster)
class MemberRow:
    id_number: str
    name: str
    relation: str
    sex: str
    birth_date: dt.date
    disability_type: str = ""
    disability_grade: int | None = None
    serious_illness: str = ""
    labour_capacity: str = LabourCapacity.FULL
    schooling: str = ""
    employment: str = ""
    phone: str = ""
    supporter_able: bool = True
    hukou_region_code: str = ""
    death_date: dt.date | None = None
    source_row: int | None = None  # this member's row in an imported file, for messages
    ethnicity: str = ""
    # Roster benefits (issue 15): a 特困 person's support, the member's own amount and standards.
    member_amount: Decimal | None = None
    basic_amount: Decimal | None = None
    care_amount: Decimal | None = None
    basic_standard: Decimal | None = None
    care_standard: Decimal | None = None
    support_mode: str = ""
    institution: str = ""
    self_care: str = ""


@dataclass(slots=True)
class HouseholdRow:
    region_code: str
    address: str
    hukou_type: str
    members: list[MemberRow] = field(default_factory=list)
    relapse_watch: bool = False
    source_row: int | None = None  # first row in the file, for messages
    # Roster benefits (issue 15): the household's current decision and payment.
    tier: str = ""
    benefit_class: str = ""
    monthly_amount: Decimal | None = None
    dibao_standard: Decimal | None = None
    family_size: int | None = None
    covered_persons: int | None = None
    head_id_number: str = ""
    bank_name: str = ""
    bank_account: str = ""
    roster_month: dt.date | None = None
    urban_rural_code: str = ""

    @property
    def has_benefits(self) -> bool:
        return bool(self.tier)


# Choice fields accept the code or the Chinese label ("肢体残疾" or "physical").
def _choice_lookup(choices) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[value] = value
        table[str(label)] = value
    return table


CHOICES = {
    "relation": _choice_lookup(Relation),
    "disability_type": _choice_lookup(DisabilityType),
    "labour_capacity": _choice_lookup(LabourCapacity),
    "schooling": _choice_lookup(Schooling),
    "employment": _choice_lookup(Employment),
    "hukou_type": _choice_lookup(HukouType),
}
CHOICES["hukou_type"].update({"城市": "urban", "非农业": "urban", "农业": "rural", "城镇户口": "urban",
                              "农村户口": "rural", "非农业户口": "urban", "农业户口": "rural", "居民": "urban",
                              "城市户口": "urban", "居民户口": "urban", "农业家庭户口": "rural",
                              "非农业家庭户口": "urban"})
# Values as offices write them (national system, old county systems, hand-made rosters).
CHOICES["relation"].update({
    "本人": "head", "户主本人": "head", "本人（户主）": "head", "户主(本人)": "head",
    "妻": "spouse", "夫": "spouse", "妻子": "spouse", "丈夫": "spouse", "配偶": "spouse", "老婆": "spouse",
    "老公": "spouse", "夫妻": "spouse",
    "子": "child", "女": "child", "儿子": "child", "女儿": "child", "长子": "child", "次子": "child",
    "三子": "child", "长女": "child", "次女": "child", "三女": "child", "养子": "child", "养女": "child",
    "继子": "child", "继女": "child", "独生子": "child", "独生女": "child", "儿女": "child", "子女": "child",
    "孙子": "grandchild", "孙女": "grandchild", "外孙": "grandchild", "外孙子": "grandchild",
    "外孙女": "grandchild", "孙子女": "grandchild", "孙": "grandchild", "曾孙": "grandchild",
    "曾孙女": "grandchild",
    "父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent", "父母": "parent", "岳父": "parent",
    "岳母": "parent", "公公": "parent", "婆婆": "parent", "继父": "parent", "继母": "parent", "养父": "parent",
    "养母": "parent",
    "祖父": "grandparent", "祖母": "grandparent", "外祖父": "grandparent", "外祖母": "grandparent",
    "爷爷": "grandparent", "奶奶": "grandparent", "外公": "grandparent", "外婆": "grandparent",
    "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling", "哥哥": "sibling", "弟弟": "sibling",
    "姐姐": "sibling", "妹妹": "sibling", "兄弟": "sibling", "姐妹": "sibling",
    "儿媳": "other", "女婿": "other", "侄子": "other", "侄女": "other", "外甥": "other", "外甥女": "other",
    "孙媳": "other", "其它": "other", "其他亲属": "other",
})
CHOICES["labour_capacity"].update({
    "有": "full", "健全": "full", "正常": "full", "劳动力": "full", "有劳动力": "full", "完全劳动能力": "full",
    "具有劳动能力": "full", "普通劳动力": "full", "技能劳动力": "full",
    "部分丧失": "partial", "部分丧失劳动力": "partial", "弱劳动力": "partial", "半劳动力": "partial",
    "弱劳动力或半劳动力": "partial", "部分劳动能力": "partial", "部分": "partial",
    "无": "none", "丧失": "none", "丧失劳动能力": "none", "丧失劳动力": "none", "完全丧失劳动能力": "none",
    "完全丧失": "none", "无劳动力": "none", "无劳动能力": "none", "全部丧失劳动能力": "none",
})
CHOICES["disability_type"].update({
    "视力": "visual", "视残": "visual", "盲": "visual", "视力残": "visual",
    "听力": "hearing", "听残": "hearing", "聋": "hearing", "听力言语残疾": "hearing",
    "言语": "speech", "语言": "speech", "语言残疾": "speech", "言语残": "speech",
    "肢体": "physical", "肢残": "physical", "肢体残": "physical",
    "智力": "intellectual", "智残": "intellectual", "智力残": "intellectual",
    "精神": "mental", "精残": "mental", "精神残": "mental",
    "多重": "multiple", "多重残": "multiple", "综合": "multiple",
})
CHOICES["schooling"].update({"学前": "preschool", "小学": "primary", "初中": "junior", "高中": "senior",
                             "中职": "vocational", "中专": "vocational", "大学": "college", "大专": "college",
                             "本科": "college", "非在校生": "not_in_school"})
CHOICES["employment"].update({"在业": "employed", "务工": "employed", "外出务工": "employed",
                              "打零工": "flexible", "农业": "farming", "在家务农": "farming",
                              "无业人员": "none", "待业": "unemployed", "离退休": "retired"})

# ---- Benefit columns (issue 15) ------------------------------------------------------------------

CHOICES["tier"] = {
    "低保": "dibao", "低保对象": "dibao", "低保户": "dibao", "城市低保": "dibao", "农村低保": "dibao",
    "城镇低保": "dibao", "最低生活保障": "dibao", "低保家庭": "dibao", "dibao": "dibao",
    "特困": "tekun", "特困人员": "tekun", "特困供养": "tekun", "特困供养人员": "tekun", "五保": "tekun",
    "五保户": "tekun", "城市特困": "tekun", "农村特困": "tekun", "tekun": "tekun",
    "低保边缘": "near_dibao", "低保边缘家庭": "near_dibao", "低边": "near_dibao", "near_dibao": "near_dibao",
}
CHOICES["benefit_class"] = {
    "A": "A", "A类": "A", "一类": "A", "1类": "A", "第一类": "A", "Ⅰ类": "A",
    "B": "B", "B类": "B", "二类": "B", "2类": "B", "第二类": "B", "Ⅱ类": "B",
    "C": "C", "C类": "C", "三类": "C", "3类": "C", "第三类": "C", "Ⅲ类": "C",
    "D": "D", "D类": "D", "四类": "D", "4类": "D", "第四类": "D", "Ⅳ类": "D",
}
CHOICES["support_mode"] = {
    "集中供养": "centralized", "集中": "centralized", "机构供养": "centralized", "centralized": "centralized",
    "分散供养": "dispersed", "分散": "dispersed", "居家供养": "dispersed", "dispersed": "dispersed",
}
CHOICES["self_care"] = {
    "生活能够自理": "able", "全自理": "able", "自理": "able", "能自理": "able", "完全自理": "able",
    "具备生活自理能力": "able", "able": "able",
    "生活部分不能自理": "partly", "半自理": "partly", "部分自理": "partly", "部分不能自理": "partly",
    "部分丧失生活自理能力": "partly", "partly": "partly",
    "生活完全不能自理": "unable", "全护理": "unable", "不能自理": "unable", "完全不能自理": "unable",
    "完全丧失生活自理能力": "unable", "失能": "unable", "unable": "unable",
}

FIELD_LABELS = {
    "id_number": "身份证号码", "name": "姓名", "relation": "与户主关系", "sex": "性别", "birth_date": "出生日期",
    "disability_type": "残疾类别", "disability_grade": "残疾等级", "serious_illness": "重病（病种）",
    "labour_capacity": "劳动能力", "schooling": "在学情况", "employment": "就业情况", "phone": "联系电话",
    "supporter_able": "有具备履行能力的法定义务人", "hukou_region_code": "户籍地区划代码",
    "region_code": "所在村（社区）区划代码", "address": "住址", "hukou_type": "户籍类型",
    "household_key": "户编号", "death_date": "死亡日期", "relapse_watch": "防止返贫监测户",
    "township": "所属乡镇（街道）", "village": "所属村（社区）", "ethnicity": "民族",
    "head_id_number": "户主身份证号码", "head_name": "户主姓名", "family_size": "家庭人口",
    "covered_persons": "保障人数", "tier": "保障对象类型", "benefit_class": "保障类别",
    "monthly_amount": "月保障金额", "member_amount": "个人月保障金额", "dibao_standard": "保障标准",
    "basic_amount": "基本生活费", "care_amount": "照料护理费", "basic_standard": "基本生活标准",
    "care_standard": "照料护理标准", "support_mode": "供养方式", "institution": "供养机构",
    "self_care": "自理能力", "bank_name": "开户银行", "bank_account": "银行账号", "roster_month": "发放年月",
    "urban_rural_code": "城乡分类代码",
}

_SEX = {"男": "M", "女": "F", "M": "M", "F": "F", "1": "M", "2": "F", "男性": "M", "女性": "F", "m": "M",
        "f": "F"}


class RowErrors(tabular.RowErrors):
    """The kit's row/column errors with the registry's field labels. `elsewhere` collects the keyed hashes
    of numbers found registered outside the actor's jurisdiction (bulk.check_against_registry), which the
    caller hands to core.disclosure before answering."""

    def __init__(self):
        super().__init__(FIELD_LABELS)
        self.elsewhere: list[str] = []


_GRADES = str.maketrans({"一": "1", "二": "2", "三": "3", "四": "4", "壹": "1", "贰": "2", "叁": "3", "肆": "4",
                         "Ⅰ": "1", "Ⅱ": "2", "Ⅲ": "3", "Ⅳ": "4", "１": "1", "２": "2", "３": "3", "４": "4"})
_text = tabular.text  # the one cell-to-text rule, shared with grouping in imports.py
parse_date = tabular.parse_date  # raises CellError (a ValueError) with a Chinese message


def _choice(errors, row, name, raw, *, required=False, default=""):
    text = _text(raw)
    if not text:
        if required:
            errors.add(row, name, "必填")
        return default
    value = CHOICES[name].get(text)
    if value is None:
        allowed = "、".join(str(label) for label in {v: k for k, v in CHOICES[name].items()
                                                     if not k.isascii()}.values())
        errors.add(row, name, f"“{text}”不是有效取值，可填：{allowed}")
        return default
    return value


def _bool(errors, row, name, raw, default: bool) -> bool:
    try:
        value = tabular.parse_bool(raw)
    except tabular.CellError as exc:
        errors.add(row, name, exc.message)
        return default
    return default if value is None else value


def member_from_raw(raw: dict, errors: RowErrors, row: int | None = None, *, today: dt.date | None = None)\
        -> MemberRow | None:
    """One member from a dict of field name -> raw cell value. Returns None if any field is invalid."""
    before = len(errors.items)
    today = today or dt.date.today()
    info = None
    id_raw = _text(raw.get("id_number"))
    if not id_raw:
        errors.add(row, "id_number", "必填")
    else:
        try:
            # The raw cell goes in unchanged: a float means Excel turned the number into a number.
            info = parse_id_number(raw.get("id_number"))
        except IdNumberError as exc:
            errors.add(row, "id_number", exc.message)
        else:
            note = id_notice(raw.get("id_number"), info)
            if note:
                errors.notice(row, "id_number", note, value=str(raw.get("id_number")))
    name = _text(raw.get("name"))
    if not name:
        errors.add(row, "name", "必填")
    elif len(name) > 50:
        errors.add(row, "name", "姓名过长（最多 50 字）")
    relation = _choice(errors, row, "relation", raw.get("relation"), required=True)
    sex_text = _text(raw.get("sex"))
    if info and sex_text:
        sex = _SEX.get(sex_text)
        if sex is None:
            errors.add(row, "sex", f"“{sex_text}”应填“男”或“女”")
        elif sex != info.sex:
            errors.add(row, "sex", "性别与身份证号码不符")
    birth = None
    try:
        birth = parse_date(raw.get("birth_date"))
    except ValueError as exc:
        errors.add(row, "birth_date", str(exc))
    if info and birth and birth != info.birth_date:
        errors.add(row, "birth_date", f"出生日期与身份证号码不符（号码中为 {info.birth_date}）")
    if info and info.birth_date > today:
        errors.add(row, "id_number", "身份证号码中的出生日期晚于今天")
    disability_type = _choice(errors, row, "disability_type", raw.get("disability_type"))
    grade_text = _text(raw.get("disability_grade")).removesuffix("残疾").removeprefix("第").removesuffix("级")\
        .translate(_GRADES)
    grade = None
    if grade_text:
        if grade_text not in {"1", "2", "3", "4"}:
            errors.add(row, "disability_grade", f"“{grade_text}”应为 1 至 4 级")
        else:
            grade = int(grade_text)
    if bool(disability_type) != bool(grade):
        errors.add(row, "disability_grade", "残疾类别与残疾等级须同时填写")
    death = None
    try:
        death = parse_date(raw.get("death_date"))
    except ValueError as exc:
        errors.add(row, "death_date", str(exc))
    if death and info and death < info.birth_date:
        errors.add(row, "death_date", "死亡日期早于出生日期")
    hukou_code = _text(raw.get("hukou_region_code"))
    if hukou_code and (not hukou_code.isdigit() or len(hukou_code) not in (6, 12)):
        errors.add(row, "hukou_region_code", "区划代码应为 6 位或 12 位数字")
    phone = _text(raw.get("phone"))
    if phone and (len(phone) > 20 or not phone.replace("-", "").replace(" ", "").isdigit()):
        errors.add(row, "phone", f"“{phone}”不是有效的电话号码")
    member = MemberRow(
        id_number=info.number if info else "",
        name=name,
        relation=relation,
        sex=info.sex if info else "",
        birth_date=info.birth_date if info else today,
        disability_type=disability_type,
        disability_grade=grade,
        serious_illness=_text(raw.get("serious_illness"))[:60],
        labour_capacity=_choice(errors, row, "labour_capacity", raw.get("labour_capacity"),
                                default=LabourCapacity.FULL),
        schooling=_choice(errors, row, "schooling", raw.get("schooling")),
        employment=_choice(errors, row, "employment", raw.get("employment")),
        phone=phone,
        supporter_able=_bool(errors, row, "supporter_able", raw.get("supporter_able"), True),
        hukou_region_code=hukou_code,
        death_date=death,
        source_row=row,
        ethnicity=_ethnicity(errors, row, raw.get("ethnicity")),
    )
    if has_benefit_columns(raw):
        _member_benefits(member, raw, errors, row)
    return None if len(errors.items) > before else member


MEMBER_BENEFITS = ("member_amount", "basic_amount", "care_amount", "basic_standard", "care_standard",
                   "support_mode", "institution", "self_care")


_MEMBER_BENEFITS = frozenset(MEMBER_BENEFITS)


def has_benefit_columns(raw: dict) -> bool:
    if _MEMBER_BENEFITS.isdisjoint(raw):  # the file has none of these columns (most rosters)
        return False
    return any(raw.get(name) not in (None, "") for name in MEMBER_BENEFITS)


def _member_benefits(member: MemberRow, raw: dict, errors: RowErrors, row) -> None:
    for name in ("member_amount", "basic_amount", "care_amount", "basic_standard", "care_standard"):
        setattr(member, name, amount(errors, row, name, raw.get(name)))
    member.support_mode = _choice(errors, row, "support_mode", raw.get("support_mode"))
    member.self_care = _choice(errors, row, "self_care", raw.get("self_care"))
    member.institution = _text(raw.get("institution"))[:100]
    if member.support_mode == "centralized" and not member.institution:
        errors.add(row, "institution", "集中供养须填写供养机构")
    parts = [v for v in (member.basic_amount, member.care_amount) if v is not None]
    if member.member_amount is not None and len(parts) == 2 and sum(parts) != member.member_amount:
        errors.add(row, "member_amount", f"个人月保障金额 {member.member_amount} 元不等于基本生活费与照料护理费之和"
                                         f"（{sum(parts)} 元）")
    if member.basic_standard is not None and member.basic_amount is not None \
            and member.basic_amount > member.basic_standard:
        errors.add(row, "basic_amount",
                   f"基本生活费 {member.basic_amount} 元高于基本生活标准 {member.basic_standard} 元")
    if member.care_standard is not None and member.care_amount is not None \
            and member.care_amount > member.care_standard:
        errors.add(row, "care_amount", f"照料护理费 {member.care_amount} 元高于照料护理标准 {member.care_standard} 元")


MAX_MONTHLY = Decimal(20000)  # no assistance paid monthly comes near this: a typo (an extra digit) or a total


_CLEAN_AMOUNTS: dict = {}  # cell -> its amount, for cells accepted without an error or a notice


def amount(errors: RowErrors, row, name: str, raw) -> Decimal | None:
    """A monthly amount in yuan: non-negative, at most two decimals, plausible (< 20,000 a month)."""
    key = (raw.__class__, raw)  # 1, 1.0 and True are one dict key but not one cell
    try:
        return _CLEAN_AMOUNTS[key]  # a roster repeats its amounts (150, 300, 450 …): checked once each
    except (KeyError, TypeError):
        pass
    before = len(errors.items) + len(errors.notices)
    number = _amount(errors, row, name, raw)
    if len(errors.items) + len(errors.notices) == before and len(_CLEAN_AMOUNTS) < 100_000:
        try:
            _CLEAN_AMOUNTS[key] = number
        except TypeError:
            pass
    return number


def _amount(errors: RowErrors, row, name: str, raw) -> Decimal | None:
    value = raw
    if isinstance(raw, str):
        folded = unicodedata.normalize("NFKC", raw)
        if folded != raw and folded.strip() != raw.strip():
            errors.notice(row, name, "全角数字已改为半角", value=raw)
        value = folded
    try:
        number = tabular.parse_decimal(value)
    except tabular.CellError as exc:
        errors.add(row, name, exc.message)
        return None
    if number is None:
        return None
    if number < 0:
        errors.add(row, name, f"金额不能为负数（{number}）")
        return None
    if number > MAX_MONTHLY:
        errors.add(row, name, f"月金额 {number} 元不合常理（超过 {MAX_MONTHLY} 元），请核对是否多写了位数或填成了合计")
        return None
    return number


def id_notice(raw, info) -> str:
    """What the importer changed in an ID number that it accepted; empty when nothing."""
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or raw == info.number:
        return ""
    changes = []
    if info.upgraded_from_15:
        changes.append(f"15位旧号码已升级为18位（{info.number[:6]}…{info.number[-4:]}）")
    if "x" in raw:
        changes.append("末位小写x已改为大写X")
    if any("\uff10" <= c <= "\uff19" or c == "\uff38" or c == "\uff58" for c in raw):
        changes.append("全角字符已改为半角")
    if raw != raw.strip() or any(c.isspace() for c in raw.strip()):
        changes.append("去掉了多余的空格")
    return "；".join(changes)


ETHNIC_GROUPS = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺").split()
ETHNICITY = {**{name: name + "族" for name in ETHNIC_GROUPS}, **{name + "族": name + "族" for name in ETHNIC_GROUPS},
             "穿青人": "穿青人", "其他": "其他", "外国血统": "外国血统中国籍人士",
             "外国血统中国籍人士": "外国血统中国籍人士"}


def _ethnicity(errors: RowErrors, row, raw) -> str:
    value = _text(raw)
    if not value:
        return ""
    found = ETHNICITY.get(value)
    if found is None:
        errors.add(row, "ethnicity", f"“{value}”不是民族名称（如 汉族、苗族、瑶族）")
        return ""
    return found


_COUNTS: dict = {}  # cell -> the count parse_integer accepted it as (家庭人口, 保障人数)

HOUSEHOLD_BENEFITS = ("tier", "benefit_class", "monthly_amount", "dibao_standard", "family_size", "covered_persons",
                      "bank_name", "bank_account", "roster_month")


# Cells that are one household's own (its head's number, its account): not part of _HOUSEHOLDS_SEEN's key.
_OWN_CELLS = frozenset({"head_id_number", "bank_account", "head_name", "household_key"})
# The household cells (and defaults) of a household accepted without an error or a notice -> the values they
# gave: a roster's households share a few thousand combinations of place, class, amount, size and month.
_HOUSEHOLDS_SEEN: dict = {}
_SEEN_FIELDS = ("region_code", "address", "hukou_type", "relapse_watch", "tier", "benefit_class", "monthly_amount",
                "dibao_standard", "family_size", "covered_persons", "bank_name", "roster_month", "urban_rural_code")


def household_from_raw(raw: dict, errors: RowErrors, row: int | None = None, *, rows: dict | None = None,
                       defaults: dict | None = None) -> HouseholdRow | None:
    """A household from its columns. `rows` names the row each value came from (household columns may come
    from any member's row); `defaults` fills what the roster does not carry (address, hukou type).
    A combination of cells (its own number and account aside) already accepted without an error or a notice
    is not checked again: the household gets the values it gave, and its account its own check."""
    account = raw.get("bank_account")
    try:
        # Whether the account is given decides whether the benefit columns are read (and _benefits' memo).
        key = (*[(k, v.__class__, v) for k, v in raw.items() if k not in _OWN_CELLS], account in (None, ""),
               bool(_text(account)), *(defaults.items() if defaults else ()))
        found = _HOUSEHOLDS_SEEN.get(key)
    except TypeError:  # an unhashable cell: never from a file, but be safe
        key = found = None
    if found is not None:
        (code, address, hukou_type, relapse, tier, benefit_class, monthly, standard, size, covered, bank_name, month,
         urban_rural, read) = found
        head = raw.get("head_id_number")
        head = head if head.__class__ is str and head and not head[0].isspace() and not head[-1].isspace() \
            and "\u3000" not in head else _text(head)
        if not read:
            account = ""
        elif account.__class__ is str and account.isdigit() and 6 <= len(account) <= 30 and bank_name:
            pass  # what _account accepts as it is (the usual account: digits only)
        else:
            household = HouseholdRow(code, address, hukou_type, [], relapse, row, tier, benefit_class, monthly,
                                     standard, size, covered, head, bank_name, "", month, urban_rural)
            before = len(errors.items)
            rows = rows or {}
            _account(household, raw, errors, lambda name: rows.get(name, row))
            return None if len(errors.items) > before else household
        return HouseholdRow(code, address, hukou_type, [], relapse, row, tier, benefit_class, monthly, standard, size,
                            covered, head, bank_name, account, month, urban_rural)
    before_all = len(errors.items) + len(errors.notices)
    household = _household_from_raw(raw, errors, row, rows=rows, defaults=defaults)
    if household is not None and key is not None and len(errors.items) + len(errors.notices) == before_all:
        if len(_HOUSEHOLDS_SEEN) >= 20_000:
            _HOUSEHOLDS_SEEN.clear()
        read = any(raw.get(name) not in (None, "") for name in HOUSEHOLD_BENEFITS) or bool((defaults or {}).get("tier"))
        _HOUSEHOLDS_SEEN[key] = (*(getattr(household, name) for name in _SEEN_FIELDS), read)
    return household


def _household_from_raw(raw: dict, errors: RowErrors, row: int | None = None, *, rows: dict | None = None,
                        defaults: dict | None = None) -> HouseholdRow | None:
    before = len(errors.items)
    rows = rows or {}
    defaults = defaults or {}

    def at(name):
        return rows.get(name, row)

    code = _text(raw.get("region_code"))
    if not code:
        errors.add(at("region_code"), "region_code", "必填")
    elif not code.isdigit() or len(code) not in (6, 12):
        errors.add(at("region_code"), "region_code", "区划代码应为 6 位或 12 位数字")
    address = _text(raw.get("address")) or defaults.get("address", "")
    if not address:
        errors.add(at("address"), "address", "必填")
    elif len(address) > 200:
        errors.add(at("address"), "address", "住址过长（最多 200 字）")
    if _text(raw.get("hukou_type")) or not defaults.get("hukou_type"):
        hukou_type = _choice(errors, at("hukou_type"), "hukou_type", raw.get("hukou_type"), required=True)
    else:
        hukou_type = defaults["hukou_type"]
    relapse = _bool(errors, at("relapse_watch"), "relapse_watch", raw.get("relapse_watch"), False)
    household = HouseholdRow(region_code=code, address=address, hukou_type=hukou_type, relapse_watch=relapse,
                             source_row=row)
    if any(raw.get(name) not in (None, "") for name in HOUSEHOLD_BENEFITS) or defaults.get("tier"):
        _benefits(household, raw, errors, at, defaults)
    household.head_id_number = _text(raw.get("head_id_number"))
    if len(errors.items) > before:
        return None
    return household


# The benefit cells of a household that were accepted -> the values they gave: a roster's households share a
# few hundred combinations of tier, class, amount, sizes and month (the bank account, its own, is not kept).
_BENEFITS_SEEN: dict = {}
# The benefit columns, which are also the HouseholdRow attributes they give.
_BENEFIT_FIELDS = ("tier", "benefit_class", "monthly_amount", "dibao_standard", "family_size", "covered_persons",
                   "bank_name", "roster_month")


def _benefits(household: HouseholdRow, raw: dict, errors: RowErrors, at, defaults: dict) -> None:
    """household_from_raw's benefit columns; a combination of cells already accepted (without an error or a
    notice) is not parsed again. Cells are keyed with their type (1, 1.0 and True are one dict key, not one cell)."""
    values = [raw.get(name) for name in _BENEFIT_FIELDS]
    key = (*values, *map(type, values), defaults.get("tier", ""), defaults.get("roster_month"),
           bool(_text(raw.get("bank_account"))))
    try:
        found = _BENEFITS_SEEN.get(key)
    except TypeError:  # an unhashable cell: never from a file, but be safe
        found, key = None, None
    if found is not None:
        for name, value in zip(_BENEFIT_FIELDS, found, strict=True):
            setattr(household, name, value)
        _account(household, raw, errors, at)
        return
    before = len(errors.items) + len(errors.notices)
    _parse_benefits(household, raw, errors, at, defaults)
    if key is not None and len(errors.items) + len(errors.notices) == before:  # a notice is given every time
        if len(_BENEFITS_SEEN) >= 10_000:
            _BENEFITS_SEEN.clear()
        _BENEFITS_SEEN[key] = tuple(getattr(household, name) for name in _BENEFIT_FIELDS)


def _account(household: HouseholdRow, raw: dict, errors: RowErrors, at) -> None:
    account = _text(raw.get("bank_account")).replace(" ", "").replace("-", "")
    if account and (not account.isdigit() or not 6 <= len(account) <= 30):
        errors.add(at("bank_account"), "bank_account", "银行账号应为 6 至 30 位数字")
    elif account and not household.bank_name:
        errors.add(at("bank_name"), "bank_name", "填写了银行账号，须同时填写开户银行")
    household.bank_account = account


def _parse_benefits(household: HouseholdRow, raw: dict, errors: RowErrors, at, defaults: dict) -> None:
    household.tier = _choice(errors, at("tier"), "tier", raw.get("tier")) or defaults.get("tier", "")
    household.benefit_class = _choice(errors, at("benefit_class"), "benefit_class", raw.get("benefit_class"))
    household.monthly_amount = amount(errors, at("monthly_amount"), "monthly_amount", raw.get("monthly_amount"))
    household.dibao_standard = amount(errors, at("dibao_standard"), "dibao_standard", raw.get("dibao_standard"))
    for name in ("family_size", "covered_persons"):
        value = raw.get(name)
        key = (value.__class__, value)  # 1, 1.0 and True are one dict key but not one cell
        try:
            setattr(household, name, _COUNTS[key])  # a roster's sizes repeat: each parsed once
            continue
        except (KeyError, TypeError):
            pass
        try:
            number = tabular.parse_integer(value, minimum=1, maximum=30)
        except tabular.CellError as exc:
            errors.add(at(name), name, exc.message)
        else:
            setattr(household, name, number)
            if len(_COUNTS) < 10_000:
                try:
                    _COUNTS[key] = number
                except TypeError:
                    pass
    household.bank_name = _text(raw.get("bank_name"))[:60]
    _account(household, raw, errors, at)
    try:
        month = tabular.parse_date(raw.get("roster_month")) if _text(raw.get("roster_month")) else None
    except tabular.CellError:
        month = _month(_text(raw.get("roster_month")))
        if month is None:
            errors.add(at("roster_month"), "roster_month",
                       f"“{_text(raw.get('roster_month'))}”应为年月，如 2026-11")
    household.roster_month = (month or defaults.get("roster_month"))
    if household.roster_month:
        household.roster_month = household.roster_month.replace(day=1)
    if household.tier and household.tier != "dibao" and household.benefit_class:
        errors.add(at("benefit_class"), "benefit_class", "保障类别（A类/B类/C类）只适用于低保对象")
    if household.covered_persons and household.family_size and household.covered_persons > household.family_size:
        errors.add(at("covered_persons"), "covered_persons",
                   f"保障人数（{household.covered_persons}）多于家庭人口（{household.family_size}）")


def _month(value: str) -> dt.date | None:
    """2026-11, 2026年11月, 202611, 2026.11 → the first of the month."""
    cleaned = value.replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-").strip("-")
    if cleaned.isdigit() and len(cleaned) == 6:
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    parts = cleaned.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12 and len(parts[0]) == 4:
        return dt.date(int(parts[0]), int(parts[1]), 1)
    return None


def check_household_shape(household: HouseholdRow, errors: RowErrors) -> None:
    """Exactly one head; no person twice in the same household."""
    heads = [m for m in household.members if m.relation == Relation.HEAD]
    row = household.source_row
    if not heads:
        errors.add(row, "relation", "该户没有户主（与户主关系须有一人为“户主”）")
    elif len(heads) > 1:
        errors.add(row, "relation", f"该户有 {len(heads)} 名户主，只能有一名")
