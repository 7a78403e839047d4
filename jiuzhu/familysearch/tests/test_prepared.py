"""The matching run's prepared table (familysearch/prepared.py) gives what a fresh read gives
(review_services.ranked_fresh: the rows the SQL blocking lets through, prepared for one run), for every client,
after rows are created, changed through every ORM write path (save, save(update_fields), QuerySet.update,
bulk_update, a profile), and deleted; and it refreshes by the changed rows, not by building the table again."""

import datetime as dt

import pandas as pd
import pytest
from django.db import transaction
from django.utils import timezone

from jiuzhu.core.models import Organization, Region, User
from jiuzhu.familysearch import prepared
from jiuzhu.familysearch import review_services as svc
from jiuzhu.familysearch.matching import synth
from jiuzhu.familysearch.models import ClientProfile, MissingReport, ReportStatus
from jiuzhu.rescue.models import RESCUE_PERIOD_DAYS, CaseStatus, RescueCase

pytestmark = pytest.mark.django_db
SEX = {"男": "M", "女": "F"}


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text) if text else dt.date(2015, 6, 1)


@pytest.fixture
def people(world):
    """140 open missing reports and 140 discharged rescue records from the library's generator, and 12 new
    clients (admitted today, ten with a profile: found date, place and features) derived from them."""
    regions = dict(Region.objects.values_list("code", "pk"))
    stations = list(Organization.objects.filter(name__endswith="救助管理站").order_by("pk"))
    user = User.objects.get(username="longhui_station")
    tz = timezone.get_current_timezone()
    rows = synth.generate_reports(280, 5, start=1, prefix="x")
    reports, cases = [], []
    for i, row in enumerate(rows.itertuples(index=False)):
        day = _day(row.missing_date)
        common = {"name": row.name, "sex": SEX[row.sex]}
        if i % 2:
            age = None if pd.isna(row.birth_year) else max(day.year - int(row.birth_year), 0)
            cases.append(RescueCase(
                station=stations[i % len(stations)], status=CaseStatus.DISCHARGED, estimated_age=age,
                arrival_channel="self_request", check_note=row.features, admitted_on=day,
                admitted_at=dt.datetime.combine(day, dt.time(12), tz), period_end=day + dt.timedelta(days=10),
                discharged_on=day + dt.timedelta(days=3), registry_home_region_id=regions.get(row.hukou_region_code),
                created_by=user, **common))
        else:
            reports.append(MissingReport(
                status=ReportStatus.OPEN, channel="station", region=stations[0].region, station=stations[0],
                birth_year=None if pd.isna(row.birth_year) else int(row.birth_year),
                height_cm=None if pd.isna(row.height_cm) else int(row.height_cm),
                hukou_region_id=regions.get(row.hukou_region_code), missing_date=day,
                last_seen_region_id=regions.get(row.last_seen_region_code), features=row.features,
                reporter_name="家属", reporter_relation="子女", created_by=user, **common))
    MissingReport.objects.bulk_create(reports)
    RescueCase.objects.bulk_create(cases)
    today = timezone.localdate()
    clients = []
    for row in synth.generate_clients(rows, 12, 6).to_dict("records"):
        case = RescueCase.objects.create(
            station=stations[0], status=CaseStatus.IN_STATION, name=row["name"] or "", sex=SEX.get(row["sex"], "U"),
            estimated_age=int(row["estimated_age"]) if row["estimated_age"] == row["estimated_age"] else None,
            arrival_channel="self_request", admitted_at=timezone.now(), admitted_on=today,
            period_end=today + dt.timedelta(days=RESCUE_PERIOD_DAYS), created_by=user)
        clients.append(case)
        if len(clients) > 10:  # the last two found the day they came: only the records before them, not themselves
            continue
        ClientProfile.objects.create(
            case=case, found_on=_day(row["found_date"]) if row["found_date"] else today,
            found_region_id=regions.get(row["found_region_code"]) or stations[0].region_id,
            features=row["features"] or "")
    return clients


def _compare(clients) -> int:
    """Every client ranked both ways: the same candidates, scores and evidence. Returns the candidates seen."""
    seen = 0
    for case in clients:
        client = svc.client_columns(svc._case_rows(RescueCase.objects.filter(pk=case.pk))[0])
        expected = svc.ranked_fresh(client, case, 10, [])
        got = prepared.rank_case(client, case, 10, [])
        assert [(c.report_id, c.score, c.explanation) for c in got] == \
            [(c.report_id, c.score, c.explanation) for c in expected], case.pk
        seen += len(expected)
    return seen


def _install(django_capture_on_commit_callbacks):
    """The state as a run installs it on commit (the test itself runs in one transaction)."""
    with django_capture_on_commit_callbacks(execute=True):
        return prepared.current()


def test_the_prepared_table_ranks_as_a_fresh_read_after_creates_updates_and_deletes(
        people, django_capture_on_commit_callbacks):
    built = _install(django_capture_on_commit_callbacks)
    assert built.delta is None and _compare(people) >= 60

    reports = list(MissingReport.objects.order_by("pk"))
    earlier = list(RescueCase.objects.filter(status=CaseStatus.DISCHARGED).order_by("pk"))
    # creates: a report and an earlier record that are the first client's own story
    first = svc.client_columns(svc._case_rows(RescueCase.objects.filter(pk=people[0].pk))[0])
    twin = {"name": first["name"] or "王建国", "sex": people[0].sex if people[0].sex != "U" else "M"}
    MissingReport.objects.create(status=ReportStatus.OPEN, channel="station", region=reports[0].region,
                                 station=reports[0].station, missing_date=first["found_date"] - dt.timedelta(days=9),
                                 reporter_name="家属", reporter_relation="子女", created_by=reports[0].created_by,
                                 features=first["features"], **twin)
    RescueCase.objects.create(station=earlier[0].station, status=CaseStatus.DISCHARGED, arrival_channel="other",
                              admitted_on=first["found_date"] - dt.timedelta(days=400),
                              admitted_at=timezone.now() - dt.timedelta(days=400),
                              period_end=first["found_date"], created_by=earlier[0].created_by,
                              estimated_age=first["estimated_age"], check_note=first["features"], **twin)
    # changes through each write path
    reports[0].name = people[1].name or "张三"
    reports[0].save()
    reports[1].birth_year = None
    reports[1].save(update_fields=["birth_year"])
    MissingReport.objects.filter(pk__in=[r.pk for r in reports[2:12]]).update(status=ReportStatus.FOUND)
    MissingReport.objects.filter(pk__in=[r.pk for r in reports[12:30]]).update(sex="U")
    RescueCase.objects.filter(pk__in=[c.pk for c in earlier[:10]]).update(status=CaseStatus.REFUSED,
                                                                      refusal_reason="非救助对象")
    for case in earlier[10:20]:
        case.sex, case.estimated_age = "U", (case.estimated_age or 40) + 7
    RescueCase.objects.bulk_update(earlier[10:20], ["sex", "estimated_age"])
    ClientProfile.objects.create(case=earlier[20], found_on=earlier[20].admitted_on,
                                 found_region=earlier[20].station.region, stated_name=people[2].name or "李四",
                                 features="左眉有痣", height_cm=171)
    # deletes
    MissingReport.objects.filter(pk__in=[r.pk for r in reports[30:40]]).delete()
    RescueCase.objects.filter(pk__in=[c.pk for c in earlier[30:40]]).delete()

    state = _install(django_capture_on_commit_callbacks)
    assert state.base is built.base  # refreshed by the changed rows, not built again
    assert len(state.delta_rows) == 2 + 2 + 10 + 18 + 10 + 10 + 1
    assert not state.base_exists[state.base.table.positions(
        [f"r{r.pk}" for r in reports[30:40]] + [f"c{c.pk}" for c in earlier[30:40]])].any()
    assert _compare(people) >= 60

    # a later change to a row already in the delta, and a profile changed again
    MissingReport.objects.filter(pk=reports[0].pk).update(name="")
    profile = ClientProfile.objects.get(case=earlier[20])
    profile.features = "右手缺小指"
    profile.save(update_fields=["features"])
    again = _install(django_capture_on_commit_callbacks)
    assert again.base is built.base and len(again.delta_rows) == len(state.delta_rows)
    assert _compare(people) >= 60


def test_every_orm_write_path_sets_the_change_stamp(people):
    case = people[0]
    stamps = []

    def stamp():
        stamps.append(RescueCase.objects.get(pk=case.pk).changed_at)
        return stamps[-1]

    stamp()
    case.name = "甲"
    case.save(update_fields=["name"])
    assert stamp() > stamps[-2]
    RescueCase.objects.filter(pk=case.pk).update(name="乙")
    assert stamp() > stamps[-2]
    case.name = "丙"
    RescueCase.objects.bulk_update([case], ["name"])
    assert stamp() > stamps[-2]
    report = MissingReport.objects.first()
    before = report.changed_at
    MissingReport.objects.filter(pk=report.pk).update(status=ReportStatus.FOUND)
    assert MissingReport.objects.get(pk=report.pk).changed_at > before


def test_a_state_read_in_a_transaction_that_rolls_back_serves_no_later_run(people):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        prepared.current()
        raise Rollback
    assert prepared._state is None
