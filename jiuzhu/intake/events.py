"""Event kinds the intake app writes. Each event carries the applicant's person and household when the
applicant is in the registry, so intake steps appear on the household's assistance chain."""


class IntakeEvent:
    APPLICATION_RECEIVED = "intake.application_received"  # 受理 (window, hotline, online, discovery, transfer)
    APPLICATION_ACCEPTED = "intake.application_accepted"  # an online application taken up by a window
    NOTICE_ISSUED = "intake.notice_issued"  # 一次性告知书 printed with every missing material
    MATERIALS_RECEIVED = "intake.materials_received"  # missing materials brought in (补正)
    ITEM_PROPOSED = "intake.item_proposed"  # township's 初审意见 on an in-house item
    ITEM_DECIDED = "intake.item_decided"  # granted or refused (with a written reason)
    REFERRAL_SENT = "intake.referral_sent"  # 转办 to a department with a deadline (also a re-send)
    REFERRAL_ACCEPTED = "intake.referral_accepted"
    REFERRAL_RETURNED = "intake.referral_returned"  # back to the window, with a reason
    REFERRAL_COMPLETED = "intake.referral_completed"  # the department's outcome
    APPLICATION_CLOSED = "intake.application_closed"  # 办结
    APPLICATION_NOT_ACCEPTED = "intake.application_not_accepted"  # 不予受理, with the reason
    APPLICATION_WITHDRAWN = "intake.application_withdrawn"
    ASSIST_FIRST_GRANTED = "intake.assist_first_granted"  # 急难/先行救助 paid at once
    ASSIST_FIRST_COMPLETED = "intake.assist_first_completed"  # its paperwork completed afterwards
    HOTLINE_CALL_LOGGED = "intake.hotline_call_logged"
    COMPLAINT_ANSWERED = "intake.complaint_answered"
    STREET_SIGHTING_REPORTED = "intake.street_sighting_reported"  # a caller saw a person on the street (rescue)
    DEADLINE_OVERDUE = "intake.deadline_overdue"  # the sweep marked an application, referral or complaint late

    # ---- window part: additions below this line ----

    # ---- referrals part: additions below this line ----

    # ---- hotline and portal part: additions below this line ----
