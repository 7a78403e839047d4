"""The catalogue of assistance items (救助事项) a window accepts: the 22 policy lines of the city "大救助"
model (seed 002) and the items of 社会救助暂行办法, each with its responsible department, eligibility note,
required materials, handling time limit in working days and whether it is granted without application
(免申即享).

The national defaults are here; a region changes an item's time limit, materials and eligibility note, and
which items are 免申即享, through region settings with effective dates (settings_catalog.py). `item_terms`
reads what is in force for a region on a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

CIVIL_AFFAIRS = ""  # handled by civil affairs itself (township 初审, county 审核确认), not referred


@dataclass(frozen=True)
class ItemDefinition:
    code: str
    name: str
    department: str  # core.models.Department code, or CIVIL_AFFAIRS
    time_limit: int  # working days from acceptance
    materials: tuple[str, ...]
    eligibility: str
    without_application: bool = False  # 免申即享 by default
    registry_category: str = ""  # registry.AssistanceCategory a grant of this item is recorded as


ID = "申请人居民身份证、户口簿"
INCOME = "家庭成员收入证明或收入情况申报"
AUTH = "家庭经济状况核对授权书"

ITEMS: tuple[ItemDefinition, ...] = (
    ItemDefinition("dibao", "最低生活保障", CIVIL_AFFAIRS, 30, (ID, INCOME, AUTH, "家庭财产申报表"),
                   "共同生活的家庭成员人均收入低于当地低保标准，且财产状况符合规定", registry_category="basic_living"),
    ItemDefinition("tekun", "特困人员救助供养", CIVIL_AFFAIRS, 30, (ID, AUTH, "残疾证或年龄证明",
                                                                   "无法定义务人或其无履行能力的证明"),
                   "无劳动能力、无生活来源、无法定义务人或其无履行能力的老年人、残疾人和未成年人",
                   registry_category="destitute_support"),
    ItemDefinition("near_dibao", "低保边缘家庭认定", CIVIL_AFFAIRS, 30, (ID, INCOME, AUTH),
                   "家庭人均收入低于低保标准的 1.5 倍（地方可放宽），且财产状况符合规定"),
    ItemDefinition("rigid_expense", "刚性支出困难家庭认定", CIVIL_AFFAIRS, 30,
                   (ID, INCOME, AUTH, "医疗、教育等刚性支出票据"),
                   "刚性支出较大导致基本生活出现严重困难"),
    ItemDefinition("temporary", "临时救助", CIVIL_AFFAIRS, 10,
                   (ID, "困难情况说明", "相关证明材料（医疗票据、事故证明等）"),
                   "因突发事件、意外伤害、重大疾病等导致基本生活暂时出现严重困难", registry_category="temporary"),
    ItemDefinition("emergency", "急难型临时救助", CIVIL_AFFAIRS, 3, (ID, "困难情况说明"),
                   "遭遇急难情形，需立即救助的，可先行救助、事后补齐材料", registry_category="temporary"),
    ItemDefinition("medical", "医疗救助", "medical_insurance", 20, (ID, "医疗费用票据及结算单", "诊断证明"),
                   "救助对象经基本医保、大病保险报销后个人负担的合规医疗费用", registry_category="medical"),
    ItemDefinition("insurance_subsidy", "城乡居民医保参保资助", "medical_insurance", 15, (ID,),
                   "低保、特困、防返贫监测等对象参加城乡居民基本医疗保险的个人缴费给予资助",
                   without_application=True, registry_category="medical"),
    ItemDefinition("education", "教育救助", "education", 20, (ID, "学籍证明或录取通知书"),
                   "在学的低保、特困、低保边缘家庭等困难家庭学生", registry_category="education"),
    ItemDefinition("housing", "住房救助（公租房、租赁补贴）", "housing", 30, (ID, "住房情况证明"),
                   "住房困难的低保、特困、低保边缘家庭", registry_category="housing"),
    ItemDefinition("rural_housing", "农村危房改造", "housing", 30, (ID, "房屋安全鉴定材料"),
                   "居住在危房中的农村低收入群体", registry_category="housing"),
    ItemDefinition("employment", "就业救助", "hrss", 20, (ID, "失业登记证明"),
                   "有劳动能力、处于失业状态的低保家庭成员", registry_category="employment"),
    ItemDefinition("public_welfare_job", "公益性岗位安置", "hrss", 20, (ID, "就业困难人员认定材料"),
                   "就业困难人员和零就业家庭成员", registry_category="employment"),
    ItemDefinition("disaster", "受灾人员救助", "emergency", 10, (ID, "受灾情况说明"),
                   "遭受自然灾害、基本生活受到影响的人员", registry_category="disaster"),
    ItemDefinition("disability_allowance", "困难残疾人生活补贴和重度残疾人护理补贴", "disabled_federation", 20,
                   (ID, "第二代残疾人证"), "低保家庭中的残疾人；一、二级重度残疾人", registry_category="service"),
    ItemDefinition("orphan", "孤儿和事实无人抚养儿童基本生活保障", CIVIL_AFFAIRS, 30,
                   (ID, "父母死亡、失踪或服刑等证明"), "父母双亡或事实无人抚养的未成年人"),
    ItemDefinition("children", "困境儿童保障", CIVIL_AFFAIRS, 20, (ID, "困境情况证明"),
                   "因家庭贫困、自身残疾或监护缺失导致生活、就医、就学等困难的儿童"),
    ItemDefinition("elderly", "经济困难老年人补贴", CIVIL_AFFAIRS, 20, (ID,),
                   "低保、特困家庭中的老年人；高龄、失能老年人", without_application=True, registry_category="service"),
    ItemDefinition("funeral", "惠民殡葬（基本殡葬服务费减免）", CIVIL_AFFAIRS, 5, (ID, "死亡证明"),
                   "低保、特困对象等困难群众去世后的基本殡葬服务费用"),
    ItemDefinition("legal_aid", "法律援助", "justice", 7, (ID, "经济困难状况说明", "案件相关材料"),
                   "经济困难、需要法律帮助的公民"),
    ItemDefinition("women_children", "困难妇女儿童帮扶", "womens_federation", 15, (ID, "困难情况说明"),
                   "生活困难的妇女、儿童"),
    ItemDefinition("worker_aid", "困难职工帮扶", "trade_union", 15, (ID, "工作单位证明"),
                   "生活困难的职工家庭"),
    ItemDefinition("charity", "慈善救助", "charity", 15, (ID, "困难情况说明"),
                   "政府救助后仍有困难的家庭，由慈善组织帮扶", registry_category="charity"),
    ItemDefinition("red_cross", "红十字人道救助", "red_cross", 15, (ID, "困难情况说明"),
                   "遭遇重大疾病、意外等生活困难人员"),
)

ITEM_BY_CODE: dict[str, ItemDefinition] = {item.code: item for item in ITEMS}
ItemCode = models.TextChoices("ItemCode", [(item.code, (item.code, item.name)) for item in ITEMS])


@dataclass(frozen=True)
class ItemTerms:
    """An item's terms in force for a region on a date (catalogue defaults overridden by region settings)."""

    code: str
    name: str
    department: str
    time_limit: int
    materials: tuple[str, ...]
    eligibility: str
    without_application: bool

    @property
    def referred(self) -> bool:
        """Handled by another department (a referral), not by civil affairs itself."""
        return self.department != CIVIL_AFFAIRS


def item_terms(code: str, region, on: dt.date) -> ItemTerms:
    """The item's terms for `region` on `on`. Raises KeyError for an unknown code (callers validate first)."""
    from jiuzhu.core.region_settings import settings_in_force
    from jiuzhu.intake import settings_catalog as sc

    item = ITEM_BY_CODE[code]
    keys = [sc.limit_key(code), sc.materials_key(code), sc.eligibility_key(code), sc.WITHOUT_APPLICATION_KEY]
    rows = settings_in_force(keys, region, on)
    values = {key: row.value for key, row in rows.items()}
    materials_text = values.get(sc.materials_key(code))
    materials = tuple(m.strip() for m in materials_text.replace("\n", "；").split("；") if m.strip()) \
        if materials_text else item.materials
    without = values.get(sc.WITHOUT_APPLICATION_KEY) or sc.DEFAULT_WITHOUT_APPLICATION
    return ItemTerms(
        code=code, name=item.name, department=item.department,
        time_limit=int(values.get(sc.limit_key(code)) or item.time_limit),
        materials=materials,
        eligibility=values.get(sc.eligibility_key(code)) or item.eligibility,
        without_application=code in without.get(sc.WITHOUT_APPLICATION_ROW, []),
    )
