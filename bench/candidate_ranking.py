"""Ranking one new client against historical rescue records and missing reports (issue 19). Prints one JSON
line last: {"records": N, "reports": M, "p95_ms": …, "p50_ms": …, "prepare_seconds": …, ...}

    python bench/candidate_ranking.py --records 1000000 --reports 100000 [--queries 300] [--seed 11]

Both sets are generated (jiuzhu/familysearch/matching/synth.py; records are historical rescue records with
the report columns) and prepared once into one ReportTable (a `source` column tells them apart), as a
long-running process would hold them; `prepare_seconds` is that one-off cost and not part of the query time.
Each query is one new client derived with noise from a random row of either set (every name stratum), timed
from the client dict to the explained top 10 (`rank()`), after 5 warm-up queries. `recall_at_10` is the
share of those clients whose source row is in their top 10 (a sanity check, not the accuracy bench).

Measured 2026-12-02 on the shared 2-core machine (load ~5 from other sessions' work), 1,000,000 records and
100,000 reports, 300 queries: p50 56.4 ms, p95 139.6 ms, max 287 ms, CPU 43 ms per query; the block (same
sex or unknown, birth years the estimated age allows, unknown birth years) is 191,172 rows at the median and
the whole table for a client with neither sex nor age. recall@10 0.897 against 1.1 million rows. Preparing
the table: 61 s (names and feature bigrams per distinct value), ~2.4 GB peak with the generator's frames.
An earlier run at load 5.7: p50 109 ms, p95 230 ms (CPU 55 ms per query): wall times follow the load.
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from jiuzhu.familysearch.matching import ReportTable, rank, synth  # noqa: E402
from jiuzhu.familysearch.matching.records import read_client  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    started = time.monotonic()
    records = synth.generate_reports(args.records, args.seed, prefix="H").assign(source="历史救助记录")
    reports = synth.generate_reports(args.reports, args.seed + 1, prefix="R").assign(source="走失登记")
    both = pd.concat([records, reports], ignore_index=True)
    generated = time.monotonic() - started
    clients = synth.generate_clients(both, args.queries + 5, args.seed + 2)
    print(f"# generated {len(both):,} rows in {generated:.1f}s", file=sys.stderr)

    started = time.monotonic()
    table = ReportTable(both.drop(columns=["items", "true_birth_year", "true_height", "true_missing_day",
                                           "true_last_seen"]))
    prepare = time.monotonic() - started
    del records, reports, both
    print(f"# prepared in {prepare:.1f}s", file=sys.stderr)

    rows = clients.to_dict("records")
    for row in rows[:5]:
        rank(row, table, 10)
    times, hits, sizes = [], 0, []
    cpu_started = time.process_time()
    for row in rows[5:]:
        t0 = time.perf_counter()
        candidates = rank(row, table, 10)
        times.append(time.perf_counter() - t0)
        hits += row["true_report_id"] in {c.report_id for c in candidates}
    for row in rows[5:]:
        sizes.append(len(table.block(read_client(row))))
    cpu = time.process_time() - cpu_started
    times_ms = np.array(times) * 1000
    print(json.dumps({
        "records": args.records,
        "reports": args.reports,
        "queries": len(times),
        "p50_ms": round(float(np.percentile(times_ms, 50)), 1),
        "p95_ms": round(float(np.percentile(times_ms, 95)), 1),
        "max_ms": round(float(times_ms.max()), 1),
        "cpu_ms_per_query": round(cpu * 1000 / len(times), 1),
        "block_rows_p50": int(np.percentile(sizes, 50)),
        "block_rows_max": int(max(sizes)),
        "recall_at_10": round(hits / len(times), 4),
        "prepare_seconds": round(prepare, 1),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
