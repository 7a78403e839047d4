"""A small recall check on generated data (the full figures: bench/name_recall.py)."""

from collections import Counter

from jiuzhu.familysearch.matching import ReportTable, rank, synth


def test_recall_at_10_on_generated_data():
    reports = synth.generate_reports(3000, seed=21)
    clients = synth.generate_clients(reports, 300, seed=22)
    table = ReportTable(reports)
    hits, total = Counter(), Counter()
    for row in clients.to_dict("records"):
        total[row["stratum"]] += 1
        hits[row["stratum"]] += row["true_report_id"] in {c.report_id for c in rank(row, table, 10)}
    assert sum(hits.values()) / len(clients) >= 0.95
    for stratum in ("surname_only", "given_only", "empty"):
        assert hits[stratum] / total[stratum] >= 0.85, (stratum, hits[stratum], total[stratum])


def test_generated_data_is_seeded():
    a = synth.generate_reports(50, seed=3)
    b = synth.generate_reports(50, seed=3)
    assert a.drop(columns=["items"]).equals(b.drop(columns=["items"]))
    assert synth.generate_clients(a, 10, seed=4).equals(synth.generate_clients(b, 10, seed=4))
