"""Event kinds the rescue app writes (record_event / record_events), and the handlers it registers for
kinds written by apps below it (HANDLERS, read by core/events.py)."""


class RescueEvent:
    # ---- cases part: additions below this line ----

    # ---- street part: additions below this line ----
    pass


# Handlers of lower apps' kinds (e.g. intake's IntakeEvent.STREET_SIGHTING_REPORTED → a sighting): the street part.
HANDLERS: dict = {}
