"""What the auditor's log (core/audit_labels.py) needs from rescue: Chinese names of its objects, by number and
station only (never a client's name or ID number), and its export filters in Chinese. Each part adds below its
marker."""

from __future__ import annotations

# ---- cases part ----


def describe_cases(ids: list[str]) -> dict[str, str]:
    """'救助记录 #12（隆回县救助管理站）': one query for the page's records."""
    from jiuzhu.rescue.models import RescueCase

    numbers = [int(i) for i in ids if i.isdigit()]
    stations = dict(RescueCase.objects.filter(pk__in=numbers).values_list("pk", "station__name"))
    return {i: f"救助记录 #{i}" + (f"（{stations[int(i)]}）" if i.isdigit() and int(i) in stations else "")
            for i in ids}


def _numbered(label: str):
    def describe(ids: list[str]) -> dict[str, str]:
        return {i: f"{label} #{i}" for i in ids}
    return describe


DESCRIBERS = {
    "rescue.rescuecase": describe_cases,
    "rescue.carelog": _numbered("照料记录"),
    "rescue.supervisionvisit": _numbered("托养监督检查"),
    "rescue.periodextension": _numbered("延长救助期限"),
    "rescue.incident": _numbered("异常事件"),
    "rescue.dischargeplan": _numbered("待办离站"),
}


def _show_values() -> dict[str, str]:
    from jiuzhu.rescue.cases_selectors import FILTERS

    return {key: label for key, (label, _) in FILTERS.items()}


FILTER_LABELS = {"show": "范围"}
FILTER_VALUES = {"show": _show_values()}

# ---- street part: add to DESCRIBERS / FILTER_LABELS / FILTER_VALUES below this line ----
