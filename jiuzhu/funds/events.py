"""Event kinds the funds app writes, and the handlers it registers for the registry's kinds and for monitoring's
death warnings (spelled in core/cross_events.py: funds may not import monitoring, its sibling)."""

from jiuzhu.core.cross_events import CrossAppEvent
from jiuzhu.registry.events import RegistryEvent


class FundsEvent:
    ROLL_PREPARED = "funds.roll_prepared"  # computed (or computed again) for the actor's townships
    ROLL_CHECKED = "funds.roll_checked"  # the pre-approval checks ran over the whole roll
    HIT_OVERRIDDEN = "funds.hit_overridden"  # a check hit let through with a written reason
    TOWNSHIP_SUBMITTED = "funds.township_submitted"  # 乡镇经办
    TOWNSHIP_REVIEWED = "funds.township_reviewed"  # 乡镇审核
    COUNTY_HANDLED = "funds.county_handled"  # 县民政经办
    ROLL_APPROVED = "funds.roll_approved"  # 县民政审核: frozen
    ROLL_RETURNED = "funds.roll_returned"  # sent back a step, with the reason
    BANK_FILE_EXPORTED = "funds.bank_file_exported"
    RETURN_IMPORTED = "funds.return_imported"  # the bank's return file: paid and failed lines
    LINE_STOPPED = "funds.line_stopped"  # a failed line stopped (停发) with the reason
    LINE_CORRECTED = "funds.line_corrected"  # a failed line rebuilt into the corrected batch (更正发放)
    LINE_ADJUSTED = "funds.line_adjusted"  # a line's amount adjusted by hand on an editable township part
    INSTITUTION_ACCOUNT_SAVED = "funds.institution_account_saved"  # a 供养机构's account added or changed
    PAYMENT_STOPPED = "funds.payment_stopped"  # a payee stopped from a month on (death, termination, lapse)
    PAYMENT_HELD = "funds.payment_held"  # 暂停发放: a death warning not yet verified
    PAYMENT_HOLD_LIFTED = "funds.payment_hold_lifted"  # the death warning rebutted (未死亡证明): paid again
    RECOVERY_OPENED = "funds.recovery_opened"  # 追缴
    RECOVERY_REPAID = "funds.recovery_repaid"


HANDLERS = {
    RegistryEvent.PERSON_DIED: ["jiuzhu.funds.services.stop_for_event"],
    RegistryEvent.GRANT_ENDED: ["jiuzhu.funds.services.stop_for_event"],
    RegistryEvent.TIER_ENDED: ["jiuzhu.funds.services.stop_for_event"],
    # Monitoring's dispositions that end assistance (核查终止) go through the registry (tier_decision_end,
    # grant_terminate: TIER_ENDED, GRANT_ENDED above); a death warning holds the payee before any of that.
    CrossAppEvent.DEATH_WARNING_RAISED: ["jiuzhu.funds.services.hold_for_death_warning"],
    CrossAppEvent.DEATH_WARNING_REBUTTED: ["jiuzhu.funds.services.lift_hold_for_rebuttal"],
}
