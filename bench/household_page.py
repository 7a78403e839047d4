"""Server time of the household page with a long assistance chain. Prints one JSON line last:
{"events": N, "median_ms": ..., "p95_ms": ..., "queries": ...}

    python bench/household_page.py --events 200 [--db sqlite|postgres]
"""

import argparse
import datetime as dt
import json
import statistics
import time

from _setup import fresh_database


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    fresh_database(args.db, "jiuzhu_bench_page")

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiuzhu.core.demo import DEMO_PASSWORD
    from jiuzhu.core.identity import make_id_number
    from jiuzhu.core.models import Event, User
    from jiuzhu.registry.models import AssistanceGrant, IncomeItem
    from jiuzhu.registry.services import household_register

    officer = User.objects.get(username="longhui_officer")
    names = ["张建国", "张小军", "张小红", "张明"]
    members = [{"id_number": make_id_number("430524", dt.date(1950 + i * 9, 3, 1), 20 + i), "name": name,
                "relation": "head" if i == 0 else "child"} for i, name in enumerate(names)]
    household = household_register(actor=officer, household={"region_code": "430524100200", "address": "红星社区1组1号",
                                                             "hukou_type": "rural"}, members=members)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    Event.objects.bulk_create([
        Event(kind="registry.grant_paid", subject_type="registry.household", subject_id=str(household.pk),
              household_id=household.pk, region_id=household.region_id, actor=officer,
              organization_id=officer.organization_id, occurred_at=start + dt.timedelta(days=9 * i),
              summary=f"第 {i + 1} 次救助事项记录") for i in range(args.events - 1)])
    for i in range(12):
        IncomeItem.objects.create(household=household, kind="wage", amount=1200, period_start=dt.date(2025, i + 1, 1),
                                  period_end=dt.date(2025, i + 1, 28))
        AssistanceGrant.objects.create(household=household, category="temporary", once_amount=500,
                                       period_start=dt.date(2025, i + 1, 1), period_end=dt.date(2025, i + 1, 1),
                                       granting_organization=officer.organization, status="ended")
    client = Client(HTTP_HOST="127.0.0.1")
    client.post("/login/", {"username": "longhui_officer", "password": DEMO_PASSWORD})
    url = f"/registry/households/{household.pk}/"
    client.get(url)  # warm up templates and caches
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    chain = Event.objects.filter(household_id=household.pk).count()
    print(json.dumps({"events": chain, "db": args.db, "median_ms": round(statistics.median(times), 1),
                      "p95_ms": round(sorted(times)[int(len(times) * 0.95) - 1], 1), "queries": len(queries)}))


if __name__ == "__main__":
    main()
