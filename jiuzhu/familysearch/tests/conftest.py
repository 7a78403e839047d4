"""Family-search fixtures. Personas are the demo accounts: longhui_station (station worker, 隆回县救助管理站),
longhui_stationmgr, dongkou_station (the other county's station), shaoyang_regional (the regional centre above
both), longhui_officer (civil affairs: no family-search capability).

Real photos come from tests/data/faces/ in the repository (a copy of the workplace's shared/data/faces, so CI has
them; PROVENANCE.csv names each photo's source, licence and identity; MULTI: several people).
Each photo is encoded once per test session (`face_codes`), and `fast_faces` makes the services use those codes
instead of encoding a known photo again (any other bytes still go through the real encoder)."""

import csv
import datetime as dt
import hashlib
import io
import os
from pathlib import Path

import pytest

FACES_DIR = Path(os.environ.get("JIUZHU_FACES_DIR", Path(__file__).resolve().parents[3] / "tests" / "data" / "faces"))


def face_rows() -> list[dict]:
    with open(FACES_DIR / "PROVENANCE.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def photo_bytes(name: str) -> bytes:
    return (FACES_DIR / name).read_bytes()


@pytest.fixture(scope="session")
def face_codes():
    """{file: (identity, Encoding or the Chinese refusal)} for every shared photo, encoded once per session."""
    from jiuzhu.core.errors import DomainError
    from jiuzhu.familysearch.faces import encode_face

    codes = {}
    for row in face_rows():
        data = photo_bytes(row["file"])
        try:
            codes[row["file"]] = (row["identity"], encode_face(data), hashlib.sha256(data).hexdigest())
        except DomainError as exc:
            codes[row["file"]] = (row["identity"], exc.message, hashlib.sha256(data).hexdigest())
    return codes


@pytest.fixture
def fast_faces(face_codes, monkeypatch):
    """The services encode a shared photo from the session's codes (the same result, without a second dlib run)."""
    from jiuzhu.core.errors import invalid
    from jiuzhu.familysearch import faces

    by_hash = {sha: code for _identity, code, sha in face_codes.values()}
    real = faces.encode_face

    def encode(data: bytes):
        code = by_hash.get(hashlib.sha256(data).hexdigest())
        if code is None:
            return real(data)
        if isinstance(code, str):
            raise invalid(code, "photo")
        return code

    monkeypatch.setattr(faces, "encode_face", encode)
    return encode


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def blank_jpeg():
    """A JPEG with no face in it (a grey card)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), (128, 128, 128)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def region(world):
    from jiuzhu.core.models import Region

    def get(code: str):
        return Region.objects.get(code=code)
    return get


@pytest.fixture
def file_report(persona, region):
    """Files a missing report through the service as `username` (default the 隆回 station worker); None: the
    portal."""
    from jiuzhu.familysearch.services import missing_report_create

    def make(username="longhui_station", *, region_code="430524", **extra):
        actor = persona(username) if username else None
        data = {"channel": "station" if actor else "portal", "region": region(region_code), "sex": "M",
                "missing_date": dt.date.today() - dt.timedelta(days=30), "name": "李长林", "birth_year": 1958,
                "reporter_name": "李梅", "reporter_relation": "女儿", "reporter_phone": "13800001234", **extra}
        return missing_report_create(actor=actor, **data)
    return make


@pytest.fixture
def admit(persona, django_capture_on_commit_callbacks):
    """Admits a client at a station (default 隆回), handlers delivered after the commit as in production."""
    from jiuzhu.rescue.cases_services import case_admit

    def make(username="longhui_station", **extra):
        data = {"sex": "M", "arrival_channel": "self_request", "name": "", "estimated_age": 60,
                "vagrancy_reason": "走失", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return case_admit(actor=persona(username), **data)
    return make


@pytest.fixture
def published_notice(persona, region):
    """A published 寻亲公告 of a client admitted at `username`'s station (handlers not run: only the notice is
    wanted). `home`: the client's accent region code (ClientProfile); `point`: the sighting's (lat, lon)."""
    import secrets

    from django.utils import timezone

    from jiuzhu.core.identity import make_id_number
    from jiuzhu.familysearch.models import ClientProfile, FamilyNotice
    from jiuzhu.rescue.cases_services import case_admit
    from jiuzhu.rescue.models import RescueCase, Sighting

    def make(username="longhui_station", *, home: str = "", point: tuple[float, float] | None = None):
        actor = persona(username)
        case = case_admit(actor=actor, sex="M", arrival_channel="self_request", estimated_age=60,
                          vagrancy_reason="走失", id_number=make_id_number("430524", dt.date(1960, 3, 1), 17),
                          hukou_text="隆回县桃洪镇红星社区18号")
        station_region = actor.organization.region
        if point is not None:
            now = timezone.now()
            sighting = Sighting.objects.create(
                reporter_kind="citizen", region=station_region, region_path=station_region.path, place="汽车站",
                latitude=point[0], longitude=point[1], seen_at=now, description="老人", reported_at=now)
            RescueCase.objects.filter(pk=case.pk).update(sighting=sighting)
        if home:
            ClientProfile.objects.create(case=case, accent_region=region(home), found_on=dt.date.today(),
                                         found_region=station_region)
        now = timezone.now()
        return FamilyNotice.objects.create(
            case=case, station=actor.organization, region=station_region, public_code=secrets.token_hex(6),
            status="published", due_at=now, title="男，约60岁，汽车站发现", sex="M", estimated_age=60,
            features="左眉有痣", found_on=dt.date.today(), found_place="汽车站", contact_phone="0739-8221234",
            revision=1, published_at=now)
    return make
