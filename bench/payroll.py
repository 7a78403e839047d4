"""The monthly payment roll (issue 21) for N persons in one county: computed, checked and exported, then the bank's
return file imported and reconciled. Prints one JSON line last:
{"persons": N, "households": H, "roll_seconds": …, "checks_seconds": …, "export_seconds": …,
 "return_import_seconds": …, "seconds": …}; `seconds` is roll + checks + export (the first target).

    python bench/payroll.py --persons 100000 [--db sqlite|postgres] [--pay person|household] [--name N] [--reuse]

Data (not timed; generated in a child process, so neither its time nor its memory counts; --reuse starts again
from the pristine copy an earlier run kept: /tmp/<name>.pristine.sqlite3 or the PostgreSQL database
<name>_pristine): households of 1-4 persons (2.5 on average) in 隆回县's villages, each with a confirmed 低保
decision in force. --pay person (default): every member holds his own monthly grant and account (按人施保 paid
to each person's social-security card, the 惠民惠农财政补贴资金"一卡通" the Hunan counties use), so the roll,
the bank file and the bank's return file have a line per person: 1,000,000 lines at 1,000,000 persons, the
issue's return-file size. --pay household: one grant per household paid to the head's account (0.4 lines per
person, the figures below up to session 30). Accounts are encrypted (two banks); 1 owner in 500 shares an
account with another household (a check hit), 1 line in 997 is above the standard (a check hit). The roll is
set approved directly (the review chain is per township, not a cost of size); the export writes each bank's csv
to a temporary file (account numbers decrypted); the return file lists every line (0.5 % failed) as the bank
sends it back.
Targets: 1,000,000 persons (about 400,000 households) computed, checked and exported under 30 s; the return
file imported and reconciled under 30 s; on SQLite and PostgreSQL.
Measured 2026-12-02 (session 30, payments branch), 100,000 persons = 39,980 lines, 2 shared cores:
SQLite (load 4.6): roll 0.66 s, checks 0.61 s, export 1.45 s, return import 0.66 s; total 2.72 s.
PostgreSQL (load 2.2): roll 2.4 s, checks 0.44 s, export 148.0 s (!), return import 1.43 s. Cause (pgexport
branch): the audit chain trigger's cached plan for the chain's head was a sequential scan (planned on the small
log analysed above), so each of the payees' audit rows scanned the whole log. Core migration 0016 keeps it on the
index: PostgreSQL (load 1.8) roll 2.25 s, checks 0.45 s, export 1.59 s, return import 1.51 s; SQLite (load 1.4)
export 1.62 s.
Measured 2026-12-02 (session 31, pay1m branch), 1,000,000 persons = 400,086 households, --pay person = 1,000,000
lines and a 1,000,000-line return file, SQLite, 2 cores shared by up to 7 helpers (load average 7-11, so about a
quarter of a core each): before (load 7.1): roll 64.1 s, checks 58.3 s, export 124.6 s, return import 72.2 s,
peak 507 MB. After the export as Arrow columns, the 256 MB page cache, the json_each return UPDATEs and the
unmerged roll query (load 11.4): roll 68.8 s, checks 64.2 s, export 70.2 s, return import 76.3 s, peak 1,077 MB
(the later chunked fetch lowers it). Not under 30 s at that load; see the branch's report for where the time
goes (per-row audit chain trigger, per-row AES-GCM, registry lookups in random order).
Measured 2026-12-02 (session 32, pay branch), 1,000,000 persons = 1,000,000 lines, SQLite, 2 shared cores.
Before (main 43d5660, load 10.1): roll 49.9 s, checks 50.6 s, export 75.7 s, return import 58.9 s (CPU of this
process 17.8 / 19.5 / 27.0 / 20.4 s), peak 817 MB. After (load 3.4): roll 10.4 s, checks 6.3 s, export 11.4 s =
28.1 s; return import 14.1 s (CPU 10.0 / 6.2 / 11.1 / 10.2 s), peak 936 MB. What changed: the bank file's payees
audited as one list (core.audit.audit_person_set: one chained row + one INSERT … SELECT into an unchained side
table, instead of a million rows through the chain trigger and its Python SHA-256); the 未采集/须更新 checks on the
partial index of flagged accounts (they probed the registry once per line, twice); the roll's total read along
(roll, township, id) (14 s through the household index); the export read along the table in id order (no sort)
with crypto.decrypt_many; the return file's failures driving their UPDATE (a materialised CTE); paymentline's
registry references without database constraints (PostgreSQL's per-row constraint triggers) and one index less.
Then (lead, quiet machine): SQLite (load 1.2) roll 9.86 s, checks 6.38 s, export 11.28 s = 27.53 s, return import
10.14 s, peak 929 MB. PostgreSQL, first 1M measurement (load 1.3): roll 22.25, checks 4.69, export 11.71 = 38.64 s,
return import 24.21 s; after the line's own roll and correction_of lost their constraints, the household index
went, the roll INSERT ran without JIT and with 256 MB work_mem, and the bank file came through COPY into Arrow
(load 0.6-1.0): roll 15.7-15.9, checks 4.4-4.6, export 9.4-9.5 = 29.7-29.8 s, return import 19.7-19.9 s, peak
840-880 MB.
Run with `--reuse` the data is migrated first (a pristine copy may predate a migration; not timed).
"""

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

from _setup import existing_database, fresh_database

MONTH = dt.date(2026, 11, 1)


def generate(persons: int, seed: int, pay: str) -> int:
    """Households, persons, decisions, grants and accounts in bulk. Returns households written.

    pay="person" (the default, 按人施保 through the 惠民惠农 一卡通): each member holds a grant of his own (person_id
    set, 150 a month) and an account (his social-security card), so the roll has a line per person and the bank's
    return file a line per person. pay="household": one grant per household paid to the head's account (one line
    per household, about 0.4 lines per person)."""
    from _setup import insert_rows, reset_sequences
    from django.db import connection, transaction

    from jiuzhu.core.crypto import encrypt_many, keyed_hash_many
    from jiuzhu.core.models import Organization, Region
    from jiuzhu.registry.models import AssistanceGrant, Household, PaymentAccount, Person, TierDecision

    rng = random.Random(seed)
    villages = list(Region.objects.filter(level="village", path__contains="/430524/").values_list("pk", flat=True))
    org = Organization.objects.filter(region__code="430524").first().pk
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    hh, people, decisions, grants = [], [], [], []
    members = []  # (person id, household id) in order
    pid = hid = 0
    while pid < persons:
        hid += 1
        size = min(rng.choice([1, 2, 2, 3, 3, 4]), persons - pid)
        village = rng.choice(villages)
        hh.append((hid, village, f"演示地址{hid}", "rural", False, True, now, now))
        for k in range(size):
            pid += 1
            members.append((pid, hid))
            people.append((pid, hid, "head" if k == 0 else "child", village, f"c{pid}", f"h{seed}-{pid}", f"成员{pid}",
                           "", "", "M" if k % 2 == 0 else "F", dt.date(1960 + k * 10, 1, 1), "", None, "", "full", "",
                           "", "", True, now, now, ""))
        decisions.append((hid, hid, dt.date(2026, 1, 1), "dibao", "dibao", "confirmed", size, 100, 600, "{}", "[]", "",
                          dt.date(2026, 1, 1), dt.date(2027, 12, 31), now, "", False, "imported", "", ""))
        if pay == "household":
            amount = 150 * size + (900 if hid % 997 == 0 else 0)  # 1 in 997 above the standard (600 × persons)
            grants.append((hid, hid, None, "basic_living", amount, dt.date(2026, 1, 1), org, hid, "active", "", now,
                           ""))
    if pay == "person":
        # 1 person in 997 above the standard (600 for one person)
        grants = [(p, h, p, "basic_living", 150 + (900 if p % 997 == 0 else 0), dt.date(2026, 1, 1), org, h,
                   "active", "", now, "") for p, h in members]
        owners = members  # (person, household) holding an account
    else:
        owners = [(None, h) for h in range(1, hid + 1)]
    # every 500th owner shares the number of the owner 5 places before (another household: households hold ≤ 4)
    numbers = [f"6217{(k if k % 500 else k - 5):012d}" for k in range(1, len(owners) + 1)]
    ciphers, hashes = encrypt_many(numbers), keyed_hash_many(numbers)
    accounts = [(k + 1, h, p, "农村商业银行" if (p or h) % 3 else "邮政储蓄银行", ciphers[k], hashes[k],
                 numbers[k][-4:], True, now) for k, (p, h) in enumerate(owners)]
    with transaction.atomic(), connection.cursor() as cur:
        insert_rows(cur, connection, "registry_household", ["id", "region_id", "address", "hukou_type", "relapse_watch",
                                                        "is_active", "created_at", "updated_at", "head_id"], [
            (*h, None) for h in hh])
        insert_rows(cur, connection, "registry_person", [
            "id", "household_id", "relation", "region_id", "id_number_cipher", "id_number_hash", "name",
            "name_pinyin", "name_sound_key", "sex", "birth_date", "disability_type", "disability_grade",
            "serious_illness", "labour_capacity", "schooling", "employment", "phone", "supporter_able", "created_at",
            "updated_at", "ethnicity"], people)
        # one join (a correlated MIN per household ran 12+ min on PostgreSQL at 400,000 unanalysed households)
        cur.execute("UPDATE registry_household SET head_id = m.pid FROM (SELECT household_id, MIN(id) AS pid"
                    " FROM registry_person GROUP BY household_id) m WHERE m.household_id = registry_household.id")
        insert_rows(cur, connection, "registry_tierdecision", [
            "id", "household_id", "assessed_on", "recommended_tier", "tier", "status", "members", "per_capita_income",
            "dibao_standard", "facts", "reasons", "override_reason", "valid_from", "valid_to", "created_at",
            "run_key", "warned", "source", "import_row", "benefit_class"], decisions)
        insert_rows(cur, connection, "registry_assistancegrant", [
            "id", "household_id", "person_id", "category", "monthly_amount", "period_start",
            "granting_organization_id", "tier_decision_id", "status", "end_reason", "created_at", "service"],
            [(k + 1, *g[1:]) for k, g in enumerate(grants)])
        insert_rows(cur, connection, "registry_paymentaccount", [
            "id", "household_id", "person_id", "bank_name", "account_cipher", "account_hash", "account_tail",
            "is_active", "created_at"], accounts)
    reset_sequences(connection, [Household, Person, TierDecision, AssistanceGrant, PaymentAccount])
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return hid


def _name(args) -> str:
    return args.name or f"jiuzhu_bench_payroll_{args.persons}_{args.pay}"


def _restore(args) -> bool:
    """The run's database becomes a copy of the generated one; False when nothing was generated for it yet."""
    from _setup import restore_pristine

    return restore_pristine(args.db, _name(args))


def child(args) -> None:
    """--generate-only (run as a child process, so neither its time nor its memory counts): a fresh database with
    the data, kept as the pristine copy."""
    from _setup import keep_pristine

    fresh_database(args.db, _name(args))
    started = time.monotonic()
    households = generate(args.persons, args.seed, args.pay)
    print(f"# generated {households} households, {args.persons} persons in {time.monotonic() - started:.1f}s",
          file=sys.stderr)
    keep_pristine(args.db, _name(args))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pay", choices=["person", "household"], default="person",
                        help="a roll line (and a return-file line) per person (一卡通) or per household")
    parser.add_argument("--name", default="", help="database name (default jiuzhu_bench_payroll_<persons>_<pay>)")
    parser.add_argument("--reuse", action="store_true",
                        help="start from the data an earlier run generated for the same name (a pristine copy)")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        child(args)
        return
    if not (args.reuse and _restore(args)):
        child_args = [sys.executable, __file__, "--generate-only", "--persons", str(args.persons), "--db", args.db,
                      "--seed", str(args.seed), "--pay", args.pay, "--name", _name(args)]
        subprocess.run(child_args, check=True)
        _restore(args)
    os.environ.setdefault("JIUZHU_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    existing_database(args.db, _name(args))

    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a pristine copy kept before a later migration (not timed)

    from jiuzhu.core.exports import csv_bytes_columns
    from jiuzhu.core.models import Region, User
    from jiuzhu.funds import rolls, services
    from jiuzhu.funds.models import PaymentLine, PaymentRoll, RollStatus
    from jiuzhu.registry.models import Household

    households = Household.objects.count()
    admin = User.objects.create_superuser(username="bench_admin")
    county = Region.objects.get(code="430524")

    cpu = {}
    t0, c0 = time.monotonic(), time.process_time()
    roll = services.roll_prepare(actor=admin, county=county, month=MONTH, item="2081902")
    roll_seconds, cpu["roll"] = time.monotonic() - t0, time.process_time() - c0

    t0, c0 = time.monotonic(), time.process_time()
    hits = rolls.run_checks(roll)
    checks_seconds, cpu["checks"] = time.monotonic() - t0, time.process_time() - c0

    PaymentRoll.objects.filter(pk=roll.pk).update(status=RollStatus.APPROVED)
    roll.refresh_from_db()
    t0, c0 = time.monotonic(), time.process_time()
    exported = 0
    with tempfile.TemporaryDirectory() as folder:
        for bank in roll.lines.values_list("bank_name", flat=True).distinct():
            layout, columns = services.bank_file(actor=admin, roll=roll, bank_name=bank)
            data = csv_bytes_columns([h for h, _ in layout.columns], columns)  # as the view's csv layout
            with open(os.path.join(folder, f"{bank}.csv"), "wb") as fh:
                fh.write(data)
            exported += len(data)
    export_seconds, cpu["export"] = time.monotonic() - t0, time.process_time() - c0

    ids = PaymentLine.objects.filter(roll=roll).order_by("id").values_list("id", "total")
    body = "\n".join(f"{i},{t},{'失败,账户已冻结' if i % 200 == 0 else '成功,'}" for i, t in ids.iterator())
    data = ("流水号,金额,处理结果,失败原因\n" + body + "\n").encode("utf-8")
    settings.TABULAR_MAX_UPLOAD_BYTES = max(getattr(settings, "TABULAR_MAX_UPLOAD_BYTES", 0), len(data) + 1)
    t0, c0 = time.monotonic(), time.process_time()
    record = services.return_import(actor=admin, roll=roll, data=data, filename="回盘.csv")
    balance = services.balance(roll)
    return_seconds, cpu["return_import"] = time.monotonic() - t0, time.process_time() - c0
    assert balance["issued"] == balance["paid"] + balance["returned"]
    print(json.dumps({
        "persons": args.persons, "households": households, "db": args.db, "lines": roll.lines.count(),
        "roll_seconds": round(roll_seconds, 2), "checks_seconds": round(checks_seconds, 2), "hits": hits,
        "export_seconds": round(export_seconds, 2), "export_mb": round(exported / 2**20, 1),
        "return_import_seconds": round(return_seconds, 2), "paid": record.paid, "failed": record.failed,
        "seconds": round(roll_seconds + checks_seconds + export_seconds, 2),
        "load_average": round(os.getloadavg()[0], 1),
        # this process's CPU seconds per phase (SQLite runs in it; PostgreSQL's server work is not counted)
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
