"""Telling a family that their missing relative was found (通知家属). No SMS gateway exists yet: the adapter
records the text and the channel "电话/短信" for the station to phone or text by hand, and says it was not
delivered by a gateway. A gateway plugs in here (same signature), so the services do not change."""

from __future__ import annotations

from jiuzhu.core.crypto import decrypt_text
from jiuzhu.familysearch.models import FamilyNotification, MatchCandidate, MissingReport

CHANNEL = "电话/短信"


def family_notice_text(*, report: MissingReport, station_name: str, station_phone: str = "") -> str:
    who = report.name or "您登记寻找的亲人"
    contact = f"，电话 {station_phone}" if station_phone else ""
    return (f"{report.reporter_name}您好：{station_name}经比对核实，{who}目前在本站受到救助。"
            f"请携带户口簿和本人身份证件与本站联系{contact}，办理接领手续。")[:500]


def send_family_notice(*, candidate: MatchCandidate, report: MissingReport, text: str, actor) -> FamilyNotification:
    """Records (and, once a gateway exists, sends) the notice to the report's contact, in the caller's
    transaction. The phone number stays encrypted on the report; the row keeps its last four digits."""
    phone = decrypt_text(report.reporter_phone_cipher) if report.reporter_phone_cipher else ""
    return FamilyNotification.objects.create(
        candidate=candidate, report=report, channel=CHANNEL, phone_last4=phone[-4:], text=text[:500],
        delivered=False, sent_by=actor if getattr(actor, "pk", None) else None)
