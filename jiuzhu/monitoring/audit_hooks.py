"""What the auditor's log (core/audit_labels.py) needs from monitoring's warning handling: Chinese names of
its objects, by number only (never a person's name or ID number)."""

from __future__ import annotations

from jiuzhu.monitoring.models import Warning


def _numbered(label: str):
    def describe(ids: list[str]) -> dict[str, str]:
        return {i: f"{label} #{i}" for i in ids}
    return describe


def describe_warnings(ids: list[str]) -> dict[str, str]:
    """'预警 #12（死亡信息比对）': one query for the page's warnings."""
    numbers = [int(i) for i in ids if i.isdigit()]
    names = dict(Warning.objects.filter(pk__in=numbers).values_list("pk", "indicator__name"))
    return {i: f"预警 #{i}" + (f"（{names[int(i)]}）" if i.isdigit() and int(i) in names else "") for i in ids}


DESCRIBERS = {
    "monitoring.warning": describe_warnings,
    "monitoring.warningvisit": _numbered("入户核实"),
    "monitoring.warningreferral": _numbered("转介部门"),
    "monitoring.warningconference": _numbered("一事一议"),
    "monitoring.warningtermination": _numbered("核查终止"),
    "monitoring.warningfile": _numbered("预警材料"),
}

MODEL_NAMES = {"monitoring.warning": "预警", "monitoring.warningvisit": "入户核实",
               "monitoring.warningreferral": "转介部门", "monitoring.warningconference": "一事一议",
               "monitoring.warningtermination": "核查终止", "monitoring.warningfile": "预警材料"}
