"""Event kinds the rescue app writes (record_event / record_events), and the handlers it registers for
kinds written by apps below it (HANDLERS, read by core/events.py)."""

from jiuzhu.intake.events import IntakeEvent


class RescueEvent:
    # ---- cases part: additions below this line ----

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
