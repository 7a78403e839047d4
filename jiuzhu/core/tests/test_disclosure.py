"""Finding 2: answers that a number is registered outside the user's jurisdiction are audited (the keyed
hash, never the number) and capped per user per day; passing the cap alerts the auditors once and refuses."""

import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.disclosure import DisclosureEvent, disclose_registered_elsewhere
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event

NUMBERS = [make_id_number("430525", dt.date(1970, 1, 1), seq) for seq in range(11, 17)]
HASHES = [keyed_hash(n) for n in NUMBERS]


def rows(action, username="longhui_officer"):
    return list(AuditLog.objects.filter(action=action, username=username).order_by("id"))


def test_each_answer_is_audited_with_the_hash_never_the_number(persona, settings):
    settings.DISCLOSURE_DAILY_LIMIT = 20
    officer = persona("longhui_officer")
    disclose_registered_elsewhere(actor=officer, id_hashes=[*HASHES[:2], HASHES[0]])
    written = rows("disclosure")
    assert [(r.object_type, r.object_id, r.actor_id, r.organization_id) for r in written] == [
        ("core.id_number_hash", HASHES[0], officer.pk, officer.organization_id),
        ("core.id_number_hash", HASHES[1], officer.pk, officer.organization_id)]
    assert not any(n in str(r.detail) + r.object_repr for r in written for n in NUMBERS)
    disclose_registered_elsewhere(actor=officer, id_hashes=[])
    assert len(rows("disclosure")) == 2


def test_passing_the_daily_cap_alerts_once_and_refuses(persona, settings):
    settings.DISCLOSURE_DAILY_LIMIT = 3
    officer = persona("longhui_officer")
    disclose_registered_elsewhere(actor=officer, id_hashes=HASHES[:2])
    disclose_registered_elsewhere(actor=officer, id_hashes=HASHES[:2])  # the same numbers again: not counted twice
    assert len(rows("disclosure")) == 4
    with pytest.raises(DomainError) as exc:
        disclose_registered_elsewhere(actor=officer, id_hashes=HASHES[2:4])
    assert exc.value.code == "disclosure_limit"
    assert "今日已提示 2 名人员已在您管辖范围以外登记，本次还涉及 2 人，超过每日 3 人的上限" in exc.value.message
    assert len(rows("disclosure")) == 4  # nothing answered
    (alert,) = rows("disclosure_limit")
    assert alert.detail == {"limit": 3, "answered_today": 2, "refused": 2, "refused_hashes": HASHES[2:4]}
    (event,) = Event.objects.filter(kind=DisclosureEvent.LIMIT_PASSED)
    assert (event.actor_id, event.subject_id, event.region_id) == (officer.pk, str(officer.pk), officer.region_id)
    # Refused again the same day: audited again, but the auditors are alerted once.
    with pytest.raises(DomainError):
        disclose_registered_elsewhere(actor=officer, id_hashes=HASHES[4:])
    assert len(rows("disclosure_limit")) == 2 and Event.objects.filter(kind=DisclosureEvent.LIMIT_PASSED).count() == 1
    # Within the cap still: one more number fits.
    disclose_registered_elsewhere(actor=officer, id_hashes=[HASHES[2]])
    assert len(rows("disclosure")) == 5


def test_the_cap_is_per_user_and_per_day(persona, settings, monkeypatch):
    settings.DISCLOSURE_DAILY_LIMIT = 2
    disclose_registered_elsewhere(actor=persona("longhui_officer"), id_hashes=HASHES[:2])
    disclose_registered_elsewhere(actor=persona("dongkou_officer"), id_hashes=HASHES[2:4])  # another user's own cap
    with pytest.raises(DomainError):
        disclose_registered_elsewhere(actor=persona("longhui_officer"), id_hashes=HASHES[4:5])
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    disclose_registered_elsewhere(actor=persona("longhui_officer"), id_hashes=HASHES[4:6])
    assert len(rows("disclosure")) == 4 and len(rows("disclosure", "dongkou_officer")) == 2
