"""What the auditor's log (core/audit_labels.py) needs from the registry: Chinese descriptions of registry
objects, the persons an auditor searches for, and export filters in Chinese. Nothing here reveals a
person's record to an auditor: objects are named by number, never by name, address or ID number."""

from __future__ import annotations

from jiuzhu.registry.models import AssistanceCategory, DecisionStatus, Person, Tier, TierDecision


def _numbered(label: str):
    def describe(ids: list[str]) -> dict[str, str]:
        return {i: f"{label} #{i}" for i in ids}
    return describe


def describe_decisions(ids: list[str]) -> dict[str, str]:
    """'层级认定 #262（户号 38）': one query for the page's decisions."""
    numbers = [int(i) for i in ids if i.isdigit()]
    households = dict(TierDecision.objects.filter(pk__in=numbers).values_list("pk", "household_id"))
    return {i: f"层级认定 #{i}" + (f"（户号 {households[int(i)]}）" if i.isdigit() and int(i) in households else "")
            for i in ids}


DESCRIBERS = {
    "registry.tierdecision": describe_decisions,
    "registry.person": _numbered("人员"),
    "registry.household": _numbered("家庭"),
    "registry.assistancegrant": _numbered("救助发放"),
    "registry.incomeitem": _numbered("收入记录"),
    "registry.asset": _numbered("财产记录"),
    "registry.expense": _numbered("支出记录"),
    "registry.importbatch": _numbered("导入批次"),
}


MODEL_NAMES = {"registry.incomeitem": "收入记录", "registry.asset": "财产记录", "registry.expense": "支出记录",
               "registry.householdmembership": "家庭成员关系"}


class PersonFinder:
    """Person ids for the auditor's search; core matches them against audit rows' person_id."""

    @staticmethod
    def by_id_hash(id_hash: str):
        return Person.objects.filter(id_number_hash=id_hash).values("pk")

    @staticmethod
    def by_name(name: str, region):
        """Persons with this exact name owned in the auditor's jurisdiction (`region`'s subtree)."""
        persons = Person.objects.filter(name=name.strip())
        if region is not None:
            persons = persons.filter(region__path__startswith=region.path)
        return persons.values("pk")


PERSON_FINDERS = [PersonFinder]

FILTER_LABELS = {
    "tier": "层级", "category": "救助类别", "address": "住址", "age_band": "年龄段", "status": "状态",
    "sex": "性别", "township": "乡镇（街道）", "village": "村（社区）", "reason": "理由", "changed": "数据有变化",
    "disability": "残疾", "id_hash": "身份证号码（已加密）",
}
FILTER_VALUES = {
    "tier": dict(Tier.choices),
    "category": dict(AssistanceCategory.choices),
    "status": dict(DecisionStatus.choices),
}
