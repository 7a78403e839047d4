"""Background work of follow-up. `PERIODIC` (core run_periodic): (task path, seconds)."""

from django_tasks import task

PERIODIC: list[tuple[str, float]] = [
    ("jiuzhu.followup.tasks.followup_overdue_sweep", 3600),  # hourly, idempotent
]


@task()
def followup_overdue_sweep() -> dict[str, int]:
    """Hourly: each planned visit past its date is flagged once (VISIT_OVERDUE), for its region and the level
    above; the flag makes it idempotent."""
    from jiuzhu.followup.services import overdue_sweep

    return {"flagged": overdue_sweep()}
