"""Event kinds the follow-up app writes, and the handlers it registers for rescue's kinds (HANDLERS, read by
core/events.py through handlers.py)."""

from jiuzhu.rescue.events import RescueEvent


class FollowupEvent:
    RETURNEE_ENTERED = "followup.returnee_entered"  # a discharge sent the client home: one ledger entry
    HOME_SET = "followup.home_set"  # the home region found (or set by a person) and the home office with it
    FEEDBACK_SENT = "followup.feedback_sent"  # in the system, or the letter posted
    RECEIPT_CONFIRMED = "followup.receipt_confirmed"  # the home office received the feedback
    ARRIVAL_CONFIRMED = "followup.arrival_confirmed"  # and the returnee arrived home
    VISITS_PLANNED = "followup.visits_planned"  # the region's rule made the schedule
    VISIT_RECORDED = "followup.visit_recorded"
    VISIT_OVERDUE = "followup.visit_overdue"  # tasks: once per visit past its date
    VISIT_HANDED_OVER = "followup.visit_handed_over"  # 衔接: an intake application made from the visit
    AT_RISK_ENTERED = "followup.at_risk_entered"  # by village staff, to be checked by the county
    AT_RISK_SUGGESTED = "followup.at_risk_suggested"  # by the system (repeat rescues, returnee's condition)
    AT_RISK_CHECKED = "followup.at_risk_checked"  # listed, or returned as incomplete
    AT_RISK_RESUBMITTED = "followup.at_risk_resubmitted"
    REPEAT_ADMISSION = "followup.repeat_admission"  # a person of the ledger or registry admitted again
    ALERT_SEEN = "followup.alert_seen"
    RELAPSE_NOTIFIED = "followup.relapse_notified"  # a 防止返贫监测对象 notified to the rural-revitalisation office
    RELAPSE_RECEIVED = "followup.relapse_received"  # and that office received it


HANDLERS: dict = {
    # A discharge that sends the client home makes the ledger entry (idempotent by the rescue record).
    RescueEvent.CLIENT_DISCHARGED: ["jiuzhu.followup.services.returnee_from_discharge_event"],
    # An admission of a person of the ledger or the at-risk registry alerts the home office (once per record);
    # identity confirmed later (寻亲) is the same admission seen again with its ID number.
    RescueEvent.CLIENT_ADMITTED: ["jiuzhu.followup.services.repeat_from_admission_event"],
    RescueEvent.CLIENT_IDENTIFIED: ["jiuzhu.followup.services.repeat_from_admission_event"],
}
