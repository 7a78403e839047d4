"""Officers under load: the demo's data and production server, driven by locust (headless).

    python bench/registry_load.py --persons 100000 --users 100 --seconds 60 [--db sqlite|postgres] [--reuse]

1. Seeds a fresh database (bench/_setup.py: migrated, the demo world) with --persons demo persons through the
   demo builder (jiuzhu/registry/demo.py, as `manage.py load_demo`: households, means test, a batch assessment
   so the lists carry tiers in force and pending suggestions), then ANALYZE (what a deployment's periodic
   `PRAGMA optimize` / autovacuum gives the planner). --reuse keeps an already seeded database of that size.
2. Starts the server exactly as scripts/demo.sh does: gunicorn config.wsgi:application, 2 workers × 4 threads,
   JIUZHU_ENV=demo, after collectstatic.
3. Drives --users officers (accounts made here, half in each demo county, each signed in once before the run;
   --sign-in makes each virtual user sign in through the form instead, counted apart) through the
   household and person lists with filters (the region picker's township, 认定层级, 待审批建议), sorts,
   next and last pages, household pages and name searches (bench/registry_load_locust.py).
4. Prints one JSON line last: p50_ms, p95_ms, rps, errors (and per-request p95s), the think time used
   (`think_s`) and the server's CPU per request (`server_cpu_ms`: the gunicorn workers' user+system CPU over
   the run divided by the requests answered; `locust_cpu_s`, the load generator's, shares the same 2 cores).

Think time (--think MIN,MAX, default 3,10 seconds, uniform between): what each virtual officer waits between
two pages. An officer works a list by reading it: twenty rows of names, tiers and incomes, then a household
page of members, means-test entries and decisions, before the next click; that is seconds per page, not the
0.5–2 s the benchmark first used (which made 100 users ask ~65 pages a second, the work of several hundred
officers). 3–10 s (6.5 s on average) is still brisk for reading a household page. --think 0.5,2 gives the
earlier load; `rps` reports what was achieved either way.

Session 42 (2026-12-04), main 075fc00, 1,000,000 persons (366,771 households), 100 users, 120 s, a machine twice as
fast as earlier sessions' (machine_s 0.19): SQLite p50 26.5 ms, p95 83.9 ms, 15.2 requests/s, 0 errors (server CPU
25.5 ms a request); PostgreSQL p50 30.1 ms, p95 145.3 ms, 15.1 requests/s, 0 errors (19.4 ms). Seeding took 258 s
and 302 s.
"""

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _setup import ROOT, existing_database, fresh_database

PASSWORD = "Jiuzhu@2026"


def seeded(db: str, name: str, persons: int) -> bool:
    """--reuse: is the database already there with this many persons?"""
    if not existing_database(db, name):
        return False
    try:
        from jiuzhu.registry.models import Person

        return Person.objects.count() == persons
    except Exception:  # no such database or table: seed afresh
        return False
    finally:
        from django.db import connections

        connections.close_all()


def seed(db: str, name: str, persons: int) -> dict:
    started = time.monotonic()
    fresh_database(db, name)
    from django.core.management import call_command
    from django.db import connection

    call_command("load_demo", persons=persons, villages=10, quiet=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seed_s": round(time.monotonic() - started, 1)}


def bench_users(count: int) -> list[dict]:
    """Officer accounts for the virtual users, half in each demo county, like longhui_officer/dongkou_officer."""
    from django.contrib.auth.hashers import make_password

    from jiuzhu.core.models import User, UserRole

    password = make_password(PASSWORD)
    users = []
    for i in range(count):
        template = User.objects.get(username="longhui_officer" if i % 2 == 0 else "dongkou_officer")
        username = f"bench_officer_{i}"
        user, _ = User.objects.update_or_create(username=username, defaults={
            "password": password, "organization_id": template.organization_id, "region_id": template.region_id,
            "full_name": f"压测经办员{i}", "is_active": True})
        user.groups.set(template.groups.all())
        UserRole.objects.filter(user=user).delete()
        UserRole.objects.bulk_create([UserRole(user=user, role=r.role) for r in UserRole.objects.filter(user=template)])
        users.append({"username": username, "county": template.region.code, "session": signed_in(user)})
    return users


def signed_in(user) -> str:
    """The user's session, signed in once before the run (as officers sign in once in the morning): 100
    password checks (PBKDF2, ~0.5 s of CPU each) would otherwise fill the first minute of a 2-core server."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="jiuzhu.core.auth.PasswordBackend")  # the backend a form sign-in records
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def scenario_data(users: list[dict]) -> dict:
    """What the virtual users pick from: household ids and township names per county, common name beginnings."""
    from jiuzhu.core.models import Region
    from jiuzhu.registry.models import Household, Person

    data = {"users": users, "password": PASSWORD, "counties": {}}
    for code in {u["county"] for u in users}:
        county = Region.objects.get(code=code)
        ids = list(Household.objects.filter(region__path__startswith=county.path).values_list("pk", flat=True))
        townships = list(Region.objects.filter(parent=county, level="township").values_list("name", flat=True))
        data["counties"][code] = {"households": random.Random(1).sample(ids, min(2000, len(ids))),
                                  "townships": townships}
    names = list(Person.objects.order_by("?").values_list("name", flat=True)[:300])
    data["names"] = sorted({n[:2] for n in names if len(n) >= 2})
    return data


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "JIUZHU_ENV": "demo", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", os.environ.get("WEB_WORKERS", "2"), "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("服务器未能启动")


def cpu_seconds(processes) -> float:
    """User+system CPU seconds of these processes so far (a process already gone counts nothing)."""
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except Exception:  # the process has exited
            continue
    return total


def run_locust(port: int, users: int, seconds: int, data_path: str, out_prefix: str) -> float:
    """Runs locust to the end; returns its CPU seconds (it shares the server's cores)."""
    import psutil

    env = {**os.environ, "REGISTRY_LOAD_DATA": data_path}
    child = subprocess.Popen([str(ROOT / ".venv" / "bin" / "locust"), "-f",
                              str(ROOT / "bench" / "registry_load_locust.py"), "--headless", "-u", str(users),
                              "-r", str(max(1, users // 10)), "-t", f"{seconds}s",
                              "--host", f"http://127.0.0.1:{port}", "--csv", out_prefix, "--only-summary",
                              "--loglevel", "WARNING", "--stop-timeout", "10"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    locust, used = psutil.Process(child.pid), 0.0
    while child.poll() is None:
        used = cpu_seconds([locust]) or used
        time.sleep(0.5)
    return used


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def read_stats(out_prefix: str, times_path: str, seconds: int) -> dict:
    """The officers' work after signing in (each user signs in once; sign-ins are counted in `sign_in_*`)."""
    with open(f"{out_prefix}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    sign_in = [r for r in rows if r["Name"] in ("登录页", "登录")]
    times = json.loads(Path(times_path).read_text(encoding="utf-8"))
    per = {}
    for name in sorted({t[0] for t in times}):
        mine = [t[1] for t in times if t[0] == name]
        per[name] = {"n": len(mine), "p50_ms": _pct(mine, 0.5), "p95_ms": _pct(mine, 0.95)}
    values = [t[1] for t in times]
    return {"p50_ms": _pct(values, 0.5), "p95_ms": _pct(values, 0.95), "rps": round(len(values) / seconds, 1),
            "errors": sum(1 for t in times if t[2]) + sum(int(r["Failure Count"]) for r in sign_in),
            "requests": len(values), "sign_in_p95_ms": max((float(r["95%"]) for r in sign_in), default=0),
            "per_request": per}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database of this size")
    parser.add_argument("--sign-in", action="store_true", help="each virtual user signs in through the form")
    parser.add_argument("--think", default="3,10", help="seconds each officer waits between pages: MIN,MAX")
    args = parser.parse_args()
    think_min, think_max = (float(x) for x in args.think.split(","))
    os.environ["JIUZHU_ENV"] = "demo"
    os.environ.setdefault("JIUZHU_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    name = f"jiuzhu_load_{args.persons}"
    result = {"persons": args.persons, "users": args.users, "seconds": args.seconds, "db": args.db}
    if args.reuse and seeded(args.db, name, args.persons):
        result["seed_s"] = 0
    else:
        result.update(seed(args.db, name, args.persons))
    from django.db import connections

    data = scenario_data(bench_users(args.users))
    data["sign_in"] = args.sign_in
    data["think"] = [think_min, think_max]
    connections.close_all()
    work = tempfile.mkdtemp(prefix="registry_load_")
    data_path = os.path.join(work, "data.json")
    Path(data_path).write_text(json.dumps(data, ensure_ascii=False))
    server = start_server(args.port)
    import psutil

    workers = psutil.Process(server.pid).children(recursive=True)
    server_cpu = cpu_seconds(workers)
    try:
        locust_cpu = run_locust(args.port, args.users, args.seconds, data_path, os.path.join(work, "locust"))
        server_cpu = cpu_seconds(workers) - server_cpu
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    stats = read_stats(os.path.join(work, "locust"), data_path + ".times.json", args.seconds)
    stats["think_s"] = [think_min, think_max]
    stats["server_cpu_ms"] = round(1000 * server_cpu / max(1, stats["requests"]), 1)
    stats["locust_cpu_s"] = round(locust_cpu, 1)
    per = stats.pop("per_request")
    print("# per request: " + json.dumps(per, ensure_ascii=False), file=sys.stderr)
    print(json.dumps({**result, **stats}, ensure_ascii=False))


if __name__ == "__main__":
    main()
