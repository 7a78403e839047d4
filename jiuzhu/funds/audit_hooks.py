"""资金发放's names for the auditor's log (core/audit_labels.py), gathered from its parts."""

from jiuzhu.funds import fund_audit_hooks, purchase_audit_hooks

DESCRIBERS = {**fund_audit_hooks.DESCRIBERS, **purchase_audit_hooks.DESCRIBERS}
FILTER_LABELS = {**fund_audit_hooks.FILTER_LABELS, **purchase_audit_hooks.FILTER_LABELS}
FILTER_VALUES = {**fund_audit_hooks.FILTER_VALUES, **purchase_audit_hooks.FILTER_VALUES}
