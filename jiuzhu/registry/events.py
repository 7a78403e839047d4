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
    TIER_ASSESSED = "registry.tier_assessed"
    TIER_CONFIRMED = "registry.tier_confirmed"
    TIER_OVERRIDDEN = "registry.tier_overridden"
    GRANT_CREATED = "registry.grant_created"
    GRANT_ENDED = "registry.grant_ended"
