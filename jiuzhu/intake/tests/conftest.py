"""Intake fixtures: an application taken at 桃洪镇's window (county A) through the service."""

import datetime as dt

import pytest

from conftest import VILLAGE_A
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Region


def applicant_number(seq: int = 31, born=dt.date(1968, 3, 9)) -> str:
    return make_id_number("430524", born, seq)


@pytest.fixture
def village_a(world):
    return Region.objects.get(code=VILLAGE_A)


@pytest.fixture
def take_application(persona, village_a):
    """Takes an application through intake's service as `username` (the window officer by default)."""
    from jiuzhu.intake.models import Channel
    from jiuzhu.intake.services import application_create

    def make(username="longhui_window", items=("temporary", "medical"), region=None, **extra):
        data = {"channel": Channel.WINDOW, "applicant_name": "李秀英", "applicant_id_number": applicant_number(),
                "circumstances": "丈夫重病住院，家中无劳动力", "applicant_phone": "13800001111", **extra}
        return application_create(actor=persona(username) if username else None, region=region or village_a,
                                  items=list(items), **data)
    return make


# ---- referrals part ----------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _fresh_workday_overrides():
    """The working-day overrides are cached per process (core/workdays.py): no test sees another's rows."""
    from jiuzhu.core.workdays import clear_override_cache

    clear_override_cache()
    yield
    clear_override_cache()


@pytest.fixture
def referred(take_application, persona):
    """An application with two items (temporary, medical) taken at 桃洪镇's window; medical referred to
    隆回县医疗保障局 by the window officer. {"application", "item", "referral"}."""
    from jiuzhu.intake.referral_services import referral_send

    application = take_application()
    item = application.items.select_related("application", "application__region").get(item="medical")
    referral = referral_send(actor=persona("longhui_window"), item=item, note="请核定医疗救助")
    return {"application": application, "item": item, "referral": referral}
