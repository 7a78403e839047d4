"""Event kinds the rescue app writes (record_event / record_events), and the handlers it registers for
kinds written by apps below it (HANDLERS, read by core/events.py)."""


class RescueEvent:
    # ---- cases part: additions below this line ----
    CLIENT_ADMITTED = "rescue.client_admitted"  # family search drafts a notice and matches (its handler, later)
    ASSISTANCE_REFUSED = "rescue.assistance_refused"  # 不予救助, with the written reason
    CLIENT_IDENTIFIED = "rescue.client_identified"  # 身份查明 (family search calls case_identity_confirm)
    REGISTRY_CHECKED = "rescue.registry_checked"  # the low-income registry's answer: tier and home region
    CARE_LOGGED = "rescue.care_logged"
    PLACEMENT_STARTED = "rescue.placement_started"  # hospital transfer or foster placement
    PLACEMENT_ENDED = "rescue.placement_ended"  # back to the station
    SUPERVISION_VISITED = "rescue.supervision_visited"
    EXTENSION_REQUESTED = "rescue.extension_requested"
    EXTENSION_DECIDED = "rescue.extension_decided"
    LONG_STAY_MARKED = "rescue.long_stay_marked"  # tasks.long_stay_sweep: unidentified after 10 days
    CLIENT_DISCHARGED = "rescue.client_discharged"  # follow-up (returnee ledger) and family search react later
    INCIDENT_REPORTED = "rescue.incident_reported"
    INCIDENT_UPDATED = "rescue.incident_updated"
    INCIDENT_CLOSED = "rescue.incident_closed"
    CASE_ESCALATED = "rescue.case_escalated"  # 提级办理: to the regional centre
    ESCALATION_ACCEPTED = "rescue.escalation_accepted"  # handled at the centre, or staff sent down (下沉协助)
    ESCALATION_CLOSED = "rescue.escalation_closed"
    SETTLEMENT_APPLIED = "rescue.settlement_applied"
    SETTLEMENT_ADVANCED = "rescue.settlement_advanced"  # plan made, approval given
    SETTLEMENT_OVERDUE = "rescue.settlement_overdue"  # tasks: a stage past its deadline, once per stage


    # ---- street part: additions below this line ----
    pass


# Handlers of lower apps' kinds (e.g. intake's IntakeEvent.STREET_SIGHTING_REPORTED → a sighting): the street part.
HANDLERS: dict = {}
