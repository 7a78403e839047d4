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


# ---- window part: fixtures below this line ----

@pytest.fixture
def receive_all():
    """Marks every missing material of an application received, through the service (as its first officer)."""
    from jiuzhu.intake.application_services import materials_receive, missing_materials

    def run(application, actor=None):
        ids = list(missing_materials(application).values_list("pk", flat=True))
        if ids:
            materials_receive(actor=actor or application.first_officer, application=application, material_ids=ids)
        application.refresh_from_db()
        return application
    return run


@pytest.fixture
def registered_applicant(register):
    """The applicant of take_application registered in the low-income registry (county A), so events and
    audit rows carry their person and household."""
    from conftest import member
    from jiuzhu.intake.tests.conftest import applicant_number

    household = register(members=[{**member("李秀英", "head"), "id_number": applicant_number()}])
    return household
