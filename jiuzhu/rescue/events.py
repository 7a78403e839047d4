"""Event kinds the rescue app writes (record_event / record_events), and the handlers it registers for
kinds written by apps below it (HANDLERS, read by core/events.py)."""

from jiuzhu.intake.events import IntakeEvent


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
    DISCHARGE_PLANNED = "rescue.discharge_planned"  # 待办离站 opened (family search: the family found)
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
    SIGHTING_REPORTED = "rescue.sighting_reported"  # a person in need seen on the street (any channel)
    SIGHTING_DISPATCHED = "rescue.sighting_dispatched"  # sent to the station responsible for the place
    SIGHTING_CONTACTED = "rescue.sighting_contacted"  # first contact: the response time is measured to here
    SIGHTING_CLOSED = "rescue.sighting_closed"  # outcome: brought in, hospital, refused help, not found
    PATROL_TEAM_CREATED = "rescue.patrol_team_created"
    PATROL_PLANNED = "rescue.patrol_planned"
    PATROL_RECORDED = "rescue.patrol_recorded"  # what the patrol found (each person found is a sighting)
    PATROL_CANCELLED = "rescue.patrol_cancelled"
    WEATHER_ALERT_RECORDED = "rescue.weather_alert_recorded"  # patrols follow the alert frequency
    STATION_LOCATION_SET = "rescue.station_location_set"


# Handlers of lower apps' kinds, read by core/events.py through handlers.py (which re-exports this table).
HANDLERS: dict = {
    # street part: a hotline call about a person on the street becomes a sighting (idempotent by the call).
    IntakeEvent.STREET_SIGHTING_REPORTED: ["jiuzhu.rescue.street_services.sighting_from_hotline_event"],
}
