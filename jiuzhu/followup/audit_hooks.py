"""What the auditor's log (core/audit_labels.py) needs from follow-up: Chinese names of its objects by number only
(never a person's name or ID number), and its export filters in Chinese."""

from __future__ import annotations


def _numbered(label: str):
    def describe(ids: list[str]) -> dict[str, str]:
        return {i: f"{label} #{i}" for i in ids}
    return describe


DESCRIBERS = {
    "followup.returneeentry": _numbered("返乡受助人员台账"),
    "followup.followupvisit": _numbered("回访"),
    "followup.atriskperson": _numbered("易流浪走失人员"),
    "followup.repeatalert": _numbered("再次流浪提醒"),
}


def _show_values() -> dict[str, str]:
    from jiuzhu.followup.selectors import AT_RISK_FILTERS, ENTRY_FILTERS, VISIT_FILTERS

    return {key: label for table in (VISIT_FILTERS, ENTRY_FILTERS, AT_RISK_FILTERS)
            for key, (label, _) in table.items()}


FILTER_LABELS = {"show": "范围"}
FILTER_VALUES = {"show": _show_values()}
