"""Name-and-attribute matching for family search (issue 19): a pure library, no Django models, no database.

    from jiuzhu.familysearch.matching import ReportTable, rank, rank_many
    table = ReportTable(reports_df)            # prepared once, reused across queries
    rank(client_dict, table, top=10)           # -> [Candidate(report_id, score, explanation)]
    rank_many(clients_df, table, top=10)       # -> DataFrame[client_id, rank, report_id, score]

Columns are those of ``jiuzhu match-csv`` (records.CLIENT_COLUMNS, records.REPORT_COLUMNS).
"""

from .ranking import Candidate, Evidence, ReportTable, load_weights, rank, rank_many

__all__ = ["Candidate", "Evidence", "ReportTable", "load_weights", "rank", "rank_many"]
