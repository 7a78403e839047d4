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


class FaceCodes(dict):
    """{file: (identity, Encoding or the Chinese refusal, sha256)}, each photo encoded on first use (about 0.3 s
    each): a test that iterates every photo pays for all of them once per session, a test that needs one photo
    (`fast_faces`) pays for that one only."""

    def __init__(self):
        from jiuzhu.familysearch.faces import encode_face

        super().__init__()
        self.encode_face = encode_face  # the real one: fast_faces replaces the module's with a lookup in here
        self.rows = {row["file"]: row["identity"] for row in face_rows()}
        self.hashes = {hashlib.sha256(photo_bytes(f)).hexdigest(): f for f in self.rows}

    def _encode(self, name: str):
        from jiuzhu.core.errors import DomainError

        data = photo_bytes(name)
        try:
            code = self.encode_face(data)
        except DomainError as exc:
            code = exc.message
        return (self.rows[name], code, hashlib.sha256(data).hexdigest())

    def __getitem__(self, name):
        if not dict.__contains__(self, name):
            dict.__setitem__(self, name, self._encode(name))
        return dict.__getitem__(self, name)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __contains__(self, name):
        return name in self.rows

    def keys(self):
        return self.rows.keys()

    def items(self):
        return [(name, self[name]) for name in self.rows]

    def values(self):
        return [self[name] for name in self.rows]

    def get(self, name, default=None):
        return self[name] if name in self.rows else default

    def by_sha(self, sha: str):
        """The code of the shared photo with these bytes' SHA-256, or None for any other bytes."""
        name = self.hashes.get(sha)
        return None if name is None else self[name][1]


@pytest.fixture(scope="session")
def face_codes():
    """{file: (identity, Encoding or the Chinese refusal, sha256)} for every shared photo, each encoded once per
    test session, when first used (FaceCodes)."""
    return FaceCodes()


@pytest.fixture
def fast_faces(face_codes, monkeypatch):
    """The services encode a shared photo from the session's codes (the same result, without a second dlib run)."""
    from jiuzhu.core.errors import invalid
    from jiuzhu.familysearch import faces

    real = faces.encode_face

    def encode(data: bytes):
        code = face_codes.by_sha(hashlib.sha256(data).hexdigest())
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
def notice_for():
    """A 寻亲公告 row for a rescue record, published unless said otherwise (the notices' services are another
    part's: the public forms only read the row)."""
    import secrets

    from django.utils import timezone

    from jiuzhu.familysearch.models import FamilyNotice, NoticeStatus

    def make(case, *, status=NoticeStatus.PUBLISHED, **extra):
        # admission drafts the notice already (notice_services' handler): that row is set as wanted
        FamilyNotice.objects.filter(case=case).delete()
        return FamilyNotice.objects.create(
            case=case, station=case.station, region=case.station.region, public_code=secrets.token_hex(6),
            status=status, due_at=timezone.now() + dt.timedelta(hours=24), title=f"{case.station.name}寻亲公告",
            sex=case.sex, estimated_age=case.estimated_age, found_on=case.admitted_on, found_place="汽车站",
            features="左耳较大", contact_phone="0739-1234567",
            published_at=timezone.now() if status == NoticeStatus.PUBLISHED else None, **extra)
    return make


@pytest.fixture
def sms_outbox():
    """core.sms's in-memory outbox, emptied before and after the test."""
    from jiuzhu.core.sms import OutboxBackend

    OutboxBackend.outbox.clear()
    yield OutboxBackend.outbox
    OutboxBackend.outbox.clear()


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
