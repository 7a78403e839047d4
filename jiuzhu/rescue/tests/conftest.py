"""Rescue fixtures. Personas are the demo accounts: longhui_station (station worker, 隆回县救助管理站),
longhui_stationmgr (its manager), dongkou_station (the other county's station), shaoyang_regional (the regional
centre 邵阳市救助管理站, whose children are both county stations)."""

import pytest

# ---- cases part ----


@pytest.fixture
def admit(persona):
    """Admits a client through the service as `username` (the 隆回 station worker by default)."""
    from jiuzhu.rescue.cases_services import case_admit

    def make(username="longhui_station", **extra):
        data = {"sex": "M", "arrival_channel": "self_request", "name": "王大山", "estimated_age": 45,
                "hukou_text": "河南省周口市", "vagrancy_reason": "外出务工无着", **extra}
        return case_admit(actor=persona(username), **data)
    return make


@pytest.fixture
def shift_admission():
    """Moves a record's admission `days` back (the 10-day rules without waiting ten days)."""
    import datetime as dt

    from jiuzhu.rescue.models import RescueCase

    def shift(case, days: int):
        admitted_on = case.admitted_on - dt.timedelta(days=days)
        RescueCase.objects.filter(pk=case.pk).update(
            admitted_on=admitted_on, admitted_at=case.admitted_at - dt.timedelta(days=days),
            period_end=case.period_end - dt.timedelta(days=days))
        case.refresh_from_db()
        return case
    return shift


# ---- street part: fixtures below this line ----
