"""Event kinds the family-search app writes, and the handlers it registers for rescue's kinds (HANDLERS, read by
core/events.py through handlers.py)."""

from jiuzhu.rescue.events import RescueEvent


class FamilySearchEvent:
    MISSING_REPORTED = "familysearch.missing_reported"  # a family's report, from the portal or entered by staff
    FACE_ENROLLED = "familysearch.face_enrolled"  # a photo's face embedded and added to the 1:N set
    FACE_ENROLL_FAILED = "familysearch.face_enroll_failed"  # no single face in an admission photo: retake it
    FACE_SEARCHED = "familysearch.face_searched"  # one row of the face-search ledger (人脸比对使用台账)
    PROFILE_SAVED = "familysearch.profile_saved"  # a client's identification profile (甄别信息) filled in or changed
    MATCH_RUN = "familysearch.match_run"  # a matching run wrote or updated candidates (比对候选)
    MATCH_CONFIRMED = "familysearch.match_confirmed"  # a reviewer confirmed a candidate: identity established, the
    # family told; the next step is discharge (rescue's CLIENT_IDENTIFIED is recorded by its own service too)
    MATCH_REJECTED = "familysearch.match_rejected"  # a reviewer rejected a candidate: the pair never comes back
    NOTICE_DRAFTED = "familysearch.notice_drafted"  # a 寻亲公告 drafted for an unidentified client (due in 24 h)
    NOTICE_PUBLISHED = "familysearch.notice_published"  # approved and public (first time or a monthly refresh):
    # geo-targeted push reacts to this kind
    NOTICE_WITHDRAWN = "familysearch.notice_withdrawn"  # the client identified or gone: off the portal and feed
    NOTICE_EDITED = "familysearch.notice_edited"  # the station changed a notice's public fields (names of fields only)
    TIP_RECEIVED = "familysearch.tip_received"  # a member of the public gave a clue on a published notice
    TIP_HANDLED = "familysearch.tip_handled"  # the station followed the clue up and marked it handled
    # Geo-targeted push (定向推送): push_services.py, push_targeting.py
    PUSH_SUBSCRIBED = "familysearch.push_subscribed"  # a subscription filed (public form) or registered (webhook)
    PUSH_CONFIRMED = "familysearch.push_confirmed"  # its address confirmed by the code or link: it now receives
    PUSH_UNSUBSCRIBED = "familysearch.push_unsubscribed"  # one click: no more deliveries, pending ones given up
    PUSH_TARGETED = "familysearch.push_targeted"  # a notice revision's deliveries written (payload: how many)
    PUSH_RETRIED = "familysearch.push_retried"  # a station user's "retry now" on a notice's failed deliveries
    DNA_REQUESTED = "familysearch.dna_requested"  # DNA 比对: reported to the police for a blood sample
    DNA_COLLECTED = "familysearch.dna_collected"  # the sample taken and sent (its number)
    DNA_RESULT = "familysearch.dna_result"  # the police's comparison result: matched (a name) or no match


HANDLERS: dict = {
    # A client admitted with a photo: the photo is enrolled (once per photo and record) and searched against every
    # enrolled face; a photo without a single face is recorded for the station to retake, the admission stands.
    # Then the name-and-attribute ranking runs, merged with that face search's candidates (review_services).
    # And an unidentified client gets a draft notice (寻亲公告), due 24 hours after admission (notice_services).
    RescueEvent.CLIENT_ADMITTED: ["jiuzhu.familysearch.services.face_from_admission_event",
                                  "jiuzhu.familysearch.review_services.match_from_admission_event",
                                  "jiuzhu.familysearch.notice_services.notice_draft_from_admission_event"],
    # A missing report filed with a photo is matched at once against every enrolled face (its own kind: the
    # search runs after the report's commit, through the same outbox).
    # Then the report is ranked against current and past clients (review_services).
    FamilySearchEvent.MISSING_REPORTED: ["jiuzhu.familysearch.services.face_from_report_event",
                                         "jiuzhu.familysearch.review_services.match_from_report_event"],
    # The client identified (a confirmed match, or rescue's own identification) or gone: the notice is withdrawn,
    # off the portal and the feed at once. Each is a no-op without an open notice (the kinds follow each other).
    FamilySearchEvent.MATCH_CONFIRMED: ["jiuzhu.familysearch.notice_services.notice_withdraw_on_match_event",
                                        "jiuzhu.familysearch.review_services.discharge_from_confirmation_event"],
    RescueEvent.CLIENT_IDENTIFIED: ["jiuzhu.familysearch.notice_services.notice_withdraw_on_identified_event"],
    RescueEvent.CLIENT_DISCHARGED: ["jiuzhu.familysearch.notice_services.notice_withdraw_on_discharge_event"],
    # A notice published or refreshed: push it to the subscribers whose circle holds the found place or the
    # suspected home region (one delivery per subscriber and revision); the sender task sends them.
    FamilySearchEvent.NOTICE_PUBLISHED: ["jiuzhu.familysearch.push_targeting.push_from_notice_event"],
    # A confirmed match: the family is found, rescue opens a 待办离站 (relatives collect the client, or an
    # escorted return) on the case page and the station's work list; idempotent, not for a client already gone.
}
