"""Estimates weights.json: per evidence and level, log2(m/u) counted on generated data.

m = share of true pairs at the level, u = share of other pairs at the level among the same blocked
candidates (so the weights rank within what blocking keeps). Counts are smoothed (+0.5). A level the true
pairs reach fewer than MIN_M times (sex conflict, which blocking removes; levels the generator rarely
makes) keeps its PRIOR weight; every weight is then held within BOUNDS, which encode what the data cannot
teach: a conflicting name stays weak negative evidence (false names), a height difference is never
decisive (families estimate heights), sex conflict is strongly negative. The name level is the reading
that weighs most, so the estimate is repeated with the new weights (twice is enough: the readings barely
change).

    python -m jiuzhu.familysearch.matching.train [--reports 20000] [--clients 4000] [--seed 100] [--out PATH]

The bench (bench/name_recall.py) generates its data with other seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources

import numpy as np

from . import synth
from .evidence import EVIDENCE, LEVELS
from .ranking import ReportTable, _as_client, compare, load_weights


def count_levels(table: ReportTable, clients, weights) -> tuple[dict, dict]:
    m = {e: np.zeros(len(LEVELS[e])) for e in EVIDENCE}
    u = {e: np.zeros(len(LEVELS[e])) for e in EVIDENCE}
    position = {rid: i for i, rid in enumerate(table.report_id)}
    for row in clients.to_dict("records"):
        client = _as_client(row)
        rows = table.block(client)
        levels, excluded = compare(client, table, rows, weights)
        true = rows == position[row["true_report_id"]]
        other = ~true & ~excluded
        for e in EVIDENCE:
            m[e] += np.bincount(levels[e][true], minlength=len(LEVELS[e]))
            u[e] += np.bincount(levels[e][other], minlength=len(LEVELS[e]))
    return m, u


MIN_M = 20
PRIOR = {
    "name": {"unknown": 0, "exact": 12, "sound": 10, "given_exact": 6, "given_sound": 5, "nickname": 3,
             "surname": 3, "partial": 4, "surname_conflict": -3, "given_conflict": -2, "conflict": -2},
    "sex": {"unknown": 0, "same": 1, "conflict": -10},
    "age": {"unknown": 0, "exact": 1.5, "close": 1, "near": 0, "far": -2},
    "height": {"unknown": 0, "exact": 1.5, "close": 0, "far": -2, "conflict": -4},
    "home": {"unknown": 0, "county": 8, "city": 5, "province": 3, "other": -2},
    "place": {"unknown": 0, "county": 5, "city": 3, "province": 2, "other": -1},
    "time": {"unknown": 0, "month": 1, "year": 0.5, "years": 0, "long": -0.5},
    "features": {"unknown": 0, "high": 6, "medium": 2, "low": 0, "none": -2},
}
BOUNDS = {  # (lowest, highest); levels not named: (-12, 20)
    ("name", "conflict"): (-3, 0), ("name", "surname_conflict"): (-4, 0), ("name", "given_conflict"): (-3, 0),
    ("name", "partial"): (0, 8),
    ("sex", "conflict"): (-12, -8),
    ("height", "far"): (-3, 0), ("height", "conflict"): (-5, 0),
    ("age", "far"): (-4, 0),
    ("home", "other"): (-4, 0), ("place", "other"): (-4, 0),
    ("features", "none"): (-4, 0), ("features", "low"): (-4, 2),
}


def estimate(m: dict, u: dict) -> dict:
    out = {}
    for e in EVIDENCE:
        pm = (m[e] + 0.5) / (m[e].sum() + 0.5 * len(m[e]))
        pu = (u[e] + 0.5) / (u[e].sum() + 0.5 * len(u[e]))
        w = np.log2(pm / pu)
        out[e] = {}
        for i, level in enumerate(LEVELS[e]):
            x = w[i] if m[e][i] >= MIN_M else PRIOR[e][level]
            lo, hi = BOUNDS.get((e, level), (-12, 20))
            out[e][level] = round(float(np.clip(x, lo, hi)), 3)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="由生成数据估计各证据等级的权重（log2 m/u）")
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--out", default=str(resources.files(__package__).joinpath("weights.json")))
    args = parser.parse_args(argv)
    reports = synth.generate_reports(args.reports, args.seed)
    clients = synth.generate_clients(reports, args.clients, args.seed + 1)
    table = ReportTable(reports)
    weights = load_weights()
    for _ in range(2):
        m, u = count_levels(table, clients, weights)
        estimated = estimate(m, u)
        weights = {e: np.array([estimated[e][level] for level in LEVELS[e]]) for e in EVIDENCE}
    payload = {
        "about": f"log2(m/u) from train.py: {args.reports} generated reports, {args.clients} clients, seed "
                 f"{args.seed}; u among blocked candidates",
        "weights": estimated,
        "m_counts": {e: m[e].astype(int).tolist() for e in EVIDENCE},
    }
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    print(json.dumps(estimated, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
