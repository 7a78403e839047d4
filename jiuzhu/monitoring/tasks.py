"""Background work of monitoring. `PERIODIC` (core run_periodic): (task path, seconds)."""

PERIODIC: list[tuple[str, float]] = [
    ("jiuzhu.monitoring.warning_tasks.warning_overdue_sweep", 3600),  # handling: overdue marking, hourly
]
