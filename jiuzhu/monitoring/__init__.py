"""Dynamic monitoring and early warning (低收入人口动态监测): department feeds, indicators, comparison runs
(DuckDB | Spark), warnings and their four dispositions. Sits above the registry: it changes registry data only
through registry services."""
