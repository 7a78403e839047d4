"""Background work of monitoring. `PERIODIC` (core run_periodic): (task path, seconds)."""

from django_tasks import task

PERIODIC: list[tuple[str, float]] = [
    ("jiuzhu.monitoring.tasks.scheduled_comparison_runs", 6 * 3600),  # rules: counties with new feed batches
    ("jiuzhu.monitoring.warning_tasks.warning_overdue_sweep", 3600),  # handling: overdue marking, hourly
]


@task()
def scheduled_comparison_runs() -> int:
    """A comparison run for each county with feed batches stored since its last run, and at least monthly
    while it has stored batches (runs.scheduled_runs). Re-running the same inputs changes nothing."""
    from jiuzhu.monitoring.runs import scheduled_runs

    return scheduled_runs()
