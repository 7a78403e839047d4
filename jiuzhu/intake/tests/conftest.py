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


# ---- hotline and portal part ---------------------------------------------------------------------------------

def png_bytes(width: int = 600, height: int = 200, extra: int = 0) -> bytes:
    """A valid PNG (white, `width`×`height`); `extra` bytes of incompressible noise make it as large as wanted."""
    import os
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff" * (width * 3) for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw))
    if extra:
        body += chunk(b"tEXt", b"n\x00" + os.urandom(extra))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def data_url(data: bytes, kind: str = "image/png") -> str:
    import base64

    return f"data:{kind};base64," + base64.b64encode(data).decode()


@pytest.fixture
def portal_media(settings, tmp_path):
    """A test's own MEDIA_ROOT, where the signed authorisations are kept (core/files)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def city_standards(persona):
    """低保 standards for 邵阳市 (inherited by both demo counties): rural 600, urban 780; rigid-expense ratio 0.5
    and last year's disposable income 30000."""
    from jiuzhu.registry.standards import standard_set

    admin = persona("shaoyang_admin")
    city = Region.objects.get(code="430500")
    for key, value in {"dibao_standard_rural": 600, "dibao_standard_urban": 780, "rigid_expense_ratio": "0.5",
                       "disposable_income_last_year": 30000}.items():
        standard_set(actor=admin, region=city, key=key, value=value, effective_from=dt.date(2025, 1, 1))
    return city


# ---- referrals part ----------------------------------------------------------------------------------------

@pytest.fixture
def referred(take_application, persona):
    """An application with two items (temporary, medical) taken at 桃洪镇's window; medical referred to
    隆回县医疗保障局 by the window officer. {"application", "item", "referral"}."""
    from jiuzhu.intake.referral_services import referral_send

    application = take_application()
    item = application.items.select_related("application", "application__region").get(item="medical")
    referral = referral_send(actor=persona("longhui_window"), item=item, note="请核定医疗救助")
    return {"application": application, "item": item, "referral": referral}


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
