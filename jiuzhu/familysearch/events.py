"""Event kinds the family-search app writes, and the handlers it registers for rescue's kinds (HANDLERS, read by
core/events.py through handlers.py)."""

from jiuzhu.rescue.events import RescueEvent


class FamilySearchEvent:
    MISSING_REPORTED = "familysearch.missing_reported"  # a family's report, from the portal or entered by staff
    FACE_ENROLLED = "familysearch.face_enrolled"  # a photo's face embedded and added to the 1:N set
    FACE_ENROLL_FAILED = "familysearch.face_enroll_failed"  # no single face in an admission photo: retake it
    FACE_SEARCHED = "familysearch.face_searched"  # one row of the face-search ledger (人脸比对使用台账)


HANDLERS: dict = {
    # A client admitted with a photo: the photo is enrolled (once per photo and record) and searched against every
    # enrolled face; a photo without a single face is recorded for the station to retake, the admission stands.
    RescueEvent.CLIENT_ADMITTED: ["jiuzhu.familysearch.services.face_from_admission_event"],
    # A missing report filed with a photo is matched at once against every enrolled face (its own kind: the
    # search runs after the report's commit, through the same outbox).
    FamilySearchEvent.MISSING_REPORTED: ["jiuzhu.familysearch.services.face_from_report_event"],
}
