"""Face search (人脸比对) over N enrolled face vectors: the exact memory-mapped index of familysearch/faces.py.
Prints one JSON line last:
{"vectors": N, "queries": Q, "top": 10, "p50_ms": …, "p95_ms": …, "cpu_ms_p50": …, "recall_at_10": …, "checked": Q,
 "identical": …, "load": [before, after], "build_s": …, "enrol_ms": …}

    python bench/face_search.py --vectors 1000000 [--queries 200] [--top 10] [--check Q]

Data: N random 128-d vectors shaped like face_recognition's (each coordinate ~N(0, 0.09), norms near 1), in
clusters of 1-8 photos per person (a person's photos within ~0.35 of each other), written as the index files
(FaceIndex.write: vectors, ids, the quantiser's scale and measured row error, and the 8-bit codes as faiss files
of 262,144 rows) under a temporary directory and memory-mapped back, as the app does. Each query is a perturbed
copy of a random enrolled vector (a new photo of an enrolled person). `p95_ms`: one top-10 search (FaceIndex.top:
faiss scans the 8-bit codes shard by shard on the index's threads, then the rows the codes' error bound cannot
rule out are measured exactly) with the page cache warm; `cpu_ms_p50`: the process's CPU time per search
(both threads), the work whatever else runs; `recall_at_10`: the answers against brute force (np.linalg.norm over
every float32 row, ties by row) on every query (`--check` fewer); `identical`: how many answers equal brute
force's rows in order. `load`: the 1-minute load average before and after the timed searches. `enrol_ms`:
encode_face on one real photo (tests/data/faces), the median of 5 after one warm-up (the first call loads dlib's
models, ~1 s). No database: the index is built from an array here; in the app from one query over the active
FacePhoto rows.

Target (#19): 1,000,000 vectors, top-10 under 50 ms p95 at exact recall; enrolment of one photo under 1 s.

Before the 8-bit codes (the float32 matrix scanned whole), measured 2026-12-02 05:50-05:54 UTC on the shared 2-core
machine (nice 15; load average 1.3-1.9 from other jobs), 1,000,000 vectors, 200 queries:
  p50 / p95 ms: 41.7 / 57.7, 39.7 / 51.8, 48.0 / 62.2, 46.2 / 60.5; enrol_ms 228-326.
That scan read 512 MB per search at the machine's memory bandwidth (~11-13 GB/s with both cores). The codes are a
quarter of that; turning a block of them into float32 in cache and BLAS's product cost ~0.22 ns per coordinate of
CPU (cast ~0.13, product ~0.09; one thread, load ~4), ~28 ms of CPU per search over 1,000,000 rows, so ~15 ms on
two free cores (expected, not measured: the cores were never free); about 45 rows are then measured exactly (the
error bound is ~0.02 in distance here).

With the codes, 2026-12-02 10:06-10:31 UTC, load average 9-11 on the 2 cores (the whole test suite and other
sessions' tests running; not niced), 1,000,000 vectors, 200 queries, recall_at_10 1.0 and identical 200 of 200 in
every run:
  p50 / p95 ms: 121 / 254, 142 / 293, 269 / 451; cpu_ms_p50 37.6, 42.3, 49.3; build_s 7.1-15.2 (was ~1: the
  quantisation pass); enrol_ms 874, 671, 782.
At that load the target is not met by either index; the same 100 queries interleaved in one process (old scan /
codes), p50 / p95 / CPU ms: 177 / 344 / 54.6 against 148 / 285 / 45.8; 240 / 475 / 52.2 against 222 / 417 / 44.8;
148 / 349 / 57.7 against 152 / 494 / 52.7. Other processes then share the cache and the memory bus, so each search's
CPU time grows to 40-50 ms.
At load 1.3-2.0 (10:38-10:43 UTC; the scan slicing a plain view of the codes, not the np.memmap), recall_at_10 1.0,
identical 200 of 200: p50 / p95 ms 27.6 / 41.3, 54.1 / 63.5, 30.1 / 37.3; build_s 1.8-2.3; enrol_ms 196-254. The
float32 scan right after, same load: 56.5 / 73.1. So the target holds at the earlier measurement's load in two
runs of three; the second run (same code, load 1.8-2.0) stayed near 54 ms throughout, cause not found.
With faiss (faiss-cpu 1.15, 8-bit direct signed scalar quantizer: integer distances between codes in SIMD; 4
shards on 2 threads, one OpenMP thread each; the query rounded to a code and the bound widened by its rounding),
2026-12-02 on the same shared 2-core machine, 1,000,000 vectors, 200 queries, recall_at_10 1.0 and identical
answers in every run (200 of 200 checked, or --check 50):
  14:07-14:15 UTC, load 7.2-7.3 (uptime 8.0 at the start): p50 / p95 ms 30.9 / 40.0, cpu_ms_p50 10.5, build_s 9.0;
  14:19-14:30 UTC, load 6.5-6.6: 45.3 / 65.0, cpu_ms_p50 13.9, build_s 7.7;
  14:43-15:01 UTC, load 11.8-12.1 (uptime 15.2 at the start): 76.3 / 116.5, cpu_ms_p50 17.8 (--check 50);
  15:02-15:06 UTC with two CPU hogs of ours (`python3 -c "while 1: pass"` x2) beside other sessions' jobs, load
  9.0: 56.2 / 102.6, cpu_ms_p50 14.3 (--check 50).
The CPU per search fell from ~28-49 ms (NumPy: int8 -> float32 blocks, then BLAS) to 10.5-13.9 ms; on the loaded
machine the wall time is the CPU time divided by the share of the 2 cores the search gets. enrol_ms 1,468 and
1,111, 857, 599 in these runs (dlib's detection, unchanged here, follows the load: 671-874 at load 9-11 before);
encode_face alone at load 8.3, median of 7: 930 ms without faiss loaded, 830 ms with an index searched first.
Earlier still, before the float32 product went through einsum instead of BLAS's threaded sgemv: p50 / p95
158 / 307 ms at load 3.5, 317 / 515 ms at load 5.4. Under heavy load (5-8 on 2 cores) every figure doubles or worse.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PHOTO = "of_clapton-1.jpg"


def make_vectors(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    vectors = np.empty((n, 128), dtype=np.float32)
    ids = np.empty((n, 3), dtype=np.int64)
    i = person = 0
    chunk = 200_000
    while i < n:
        m = min(chunk, n - i)
        people = rng.normal(0, 0.09, size=(m, 128)).astype(np.float32)
        photos_each = rng.integers(1, 9, size=m)
        owner = np.repeat(np.arange(m), photos_each)[:m]
        block = people[owner] + rng.normal(0, 0.025, size=(m, 128)).astype(np.float32)
        vectors[i:i + m] = block
        ids[i:i + m, 0] = 1 + (rng.random(m) < 0.3)  # 70 % rescue records, 30 % missing reports
        ids[i:i + m, 1] = person + owner
        ids[i:i + m, 2] = np.arange(i, i + m)
        person += int(owner.max()) + 1
        i += m
    return vectors, ids


def enrol_ms() -> float | None:
    import django

    django.setup()
    from jiuzhu.familysearch.faces import encode_face

    path = ROOT / "tests" / "data" / "faces" / PHOTO
    if not path.exists():
        return None
    data = path.read_bytes()
    encode_face(data)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        encode_face(data)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--check", type=int, default=None, help="queries checked against brute force (all)")
    args = parser.parse_args()

    from jiuzhu.familysearch.faces import FaceIndex

    started = time.perf_counter()
    vectors, ids = make_vectors(args.vectors, args.seed)
    generated = time.perf_counter() - started
    rng = np.random.default_rng(args.seed + 1)
    picks = rng.integers(0, args.vectors, size=args.queries)
    queries = vectors[picks] + rng.normal(0, 0.03, size=(args.queries, 128)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="face-index-") as tmp:
        started = time.perf_counter()
        FaceIndex.write(Path(tmp), "bench", vectors, ids)
        build = time.perf_counter() - started
        del vectors
        index = FaceIndex.open(Path(tmp), "bench")
        index.top(queries[0], args.top)  # page the files in once (a running server keeps them mapped)
        load_before = os.getloadavg()[0]
        times = []
        cpu = []  # the process's CPU time per search, all threads: the work, whatever else the machine runs
        answers = []
        for q in queries:
            t, c = time.perf_counter(), time.process_time()
            answers.append(index.top(q, args.top))
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        load_after = os.getloadavg()[0]
        # Brute force over the float32 matrix for every query, in blocks of rows (each row's distance is computed
        # as in one call over the whole matrix, without a 512 MB temporary per query); ties by row, as a stable sort.
        top = min(args.top, len(index))
        vectors = np.asarray(index.vectors)
        hits = identical = 0
        checked = len(queries) if args.check is None else min(args.check, len(queries))
        for q, got in zip(queries[:checked], answers[:checked], strict=True):
            d = np.concatenate([np.linalg.norm(vectors[a:a + 100_000] - q, axis=1)
                                for a in range(0, len(vectors), 100_000)])
            near = np.flatnonzero(d <= np.partition(d, top - 1)[top - 1])
            rows = near[np.lexsort((near, d[near]))][:top]
            hits += len({g[2] for g in got} & set(index.ids[rows, 2].tolist()))
            identical += [g[2] for g in got] == index.ids[rows, 2].tolist()
        recall = hits / (checked * top)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(f"# generated {args.vectors} vectors in {generated:.1f}s, index written in {build:.1f}s; "
          f"load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print(json.dumps({"vectors": args.vectors, "queries": args.queries, "top": args.top,
                      "p50_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2),
                      "cpu_ms_p50": round(statistics.median(cpu), 2), "recall_at_10": round(recall, 4),
                      "checked": checked, "identical": identical, "load": [load_before, load_after],
                      "build_s": round(build, 2), "enrol_ms": enrol_ms()}))


if __name__ == "__main__":
    main()
