"""Follow-up fixtures. Personas are the demo accounts: longhui_station (隆回县救助管理站), dongkou_station and
dongkou_officer (洞口县: the home county of the clients below), dongkou_coordinator (洞口镇's first village),
longhui_coordinator (隆回's first village, another county)."""

import datetime as dt

import pytest

from jiuzhu.core.identity import make_id_number

DONGKOU = "430525"  # 洞口县: has a rescue station and a civil-affairs office in the demo world
DONGKOU_VILLAGE = "430525100200"  # the dongkou coordinator's village
FAR_COUNTY = "410102"  # 郑州市中原区: no office of the demo world uses the platform there


def id_in(county: str, seq: int = 31, born: dt.date = dt.date(1975, 3, 8)) -> str:
    return make_id_number(county, born, seq)


@pytest.fixture
def admit(persona, django_capture_on_commit_callbacks):
    """Admits a client at 隆回's station (handlers run after the commit, as in production)."""
    from jiuzhu.rescue.cases_services import case_admit

    def make(username="longhui_station", **extra):
        data = {"sex": "M", "arrival_channel": "self_request", "name": "刘小河", "id_number": id_in(DONGKOU),
                "hukou_text": "", "estimated_age": 45, "vagrancy_reason": "外出务工无着", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return case_admit(actor=persona(username), **data)
    return make


@pytest.fixture
def send_home(persona, django_capture_on_commit_callbacks):
    """Discharges a case by escort home (护送返乡) or another kind; the discharge event is delivered."""
    from jiuzhu.rescue.cases_services import case_discharge

    def go(case, kind="escorted_return", username="longhui_station", **extra):
        data = {"destination": "洞口县", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return case_discharge(actor=persona(username), case=case, kind=kind, **data)
    return go


@pytest.fixture
def returnee(admit, send_home):
    """A client of 洞口县 admitted at 隆回 and escorted home: its ledger entry."""
    from jiuzhu.followup.models import ReturneeEntry

    def make(**admit_extra):
        case = admit(**admit_extra)
        send_home(case)
        return ReturneeEntry.objects.get(case=case)
    return make


@pytest.fixture
def village(world):
    from jiuzhu.core.models import Region

    return Region.objects.get(code=DONGKOU_VILLAGE)
