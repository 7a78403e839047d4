"""Event kinds of payees' accounts and manual adjustments (core/events.py): grep a kind to find who writes it.
Kept apart from events.py (FundsEvent) so the roll's event kinds and handlers stay in one small file."""


class AccountEvent:
    LINE_ADJUSTED = "funds.line_adjusted"  # a line's amount adjusted by hand on an editable township part
    INSTITUTION_ACCOUNT_SAVED = "funds.institution_account_saved"  # a 供养机构's account added or changed
