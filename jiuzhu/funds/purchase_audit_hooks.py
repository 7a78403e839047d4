"""What the auditor's log needs from the purchase of services: Chinese names of its objects by number only, and
its export filters in Chinese."""

from jiuzhu.funds.fund_audit_hooks import _numbered

DESCRIBERS = {
    "funds.provider": _numbered("承接主体"),
    "funds.contract": _numbered("购买服务合同"),
    "funds.contractstaff": _numbered("派驻人员"),
    "funds.servicerecord": _numbered("服务记录"),
    "funds.milestone": _numbered("支付节点"),
    "funds.evaluation": _numbered("绩效评价"),
}
FILTER_LABELS = {"show": "范围"}


def _show_values() -> dict[str, str]:
    from jiuzhu.funds.purchase_selectors import RECORD_FILTERS

    return {key: label for key, (label, _) in RECORD_FILTERS.items()}


FILTER_VALUES = {"show": _show_values()}
