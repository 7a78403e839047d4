"""Event kinds of the safety-net fund (core/events.py): grep a kind to find who writes it."""


class FundEvent:
    CONTRIBUTION_RECORDED = "funds.fund_contribution_recorded"
    DISBURSEMENT_PREPARED = "funds.fund_disbursement_prepared"  # on the household's assistance chain
    DISBURSEMENT_APPROVED = "funds.fund_disbursement_approved"
    DISBURSEMENT_REJECTED = "funds.fund_disbursement_rejected"
