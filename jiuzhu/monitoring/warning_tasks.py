"""Background work of warning handling (listed in tasks.py PERIODIC)."""

from django_tasks import task

from jiuzhu.monitoring import warning_services


@task()
def warning_overdue_sweep() -> int:
    """Hourly: warnings past their deadline are marked overdue and their owner and the level above are
    told (work lists, WARNING_OVERDUE events). Idempotent."""
    return warning_services.overdue_sweep()
