"""Event kinds the registry writes. Grep a constant to find who writes it and who handles it."""


class RegistryEvent:
    HOUSEHOLD_REGISTERED = "registry.household_registered"
    MEMBER_ADDED = "registry.member_added"
    PERSON_UPDATED = "registry.person_updated"
    PERSON_DIED = "registry.person_died"
    PERSON_MOVED = "registry.person_moved"
    MEANS_INCOME_RECORDED = "registry.means_income_recorded"
    MEANS_ASSET_RECORDED = "registry.means_asset_recorded"
    MEANS_EXPENSE_RECORDED = "registry.means_expense_recorded"
    MEANS_ITEM_VOIDED = "registry.means_item_voided"  # an income, asset or expense voided with a reason
    TIER_ASSESSED = "registry.tier_assessed"
    TIER_CONFIRMED = "registry.tier_confirmed"
    TIER_OVERRIDDEN = "registry.tier_overridden"
    TIER_DECISION_UNDONE = "registry.tier_decision_undone"  # an approver took back a confirmation/override
    GRANT_CREATED = "registry.grant_created"
    GRANT_ENDED = "registry.grant_ended"
    DOCUMENT_ATTACHED = "registry.document_attached"  # a scanned document kept for a household or a decision
    DOCUMENT_VOIDED = "registry.document_voided"
    TIER_ENDED = "registry.tier_ended"  # a decision in force ended early (停保) by the approver, with the reason
    PAYMENT_ACCOUNT_IMPORTED = "registry.payment_account_imported"  # a bank template row changed an account
