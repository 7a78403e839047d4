"""Background work of intake. `PERIODIC` (core run_periodic): (task path, seconds)."""

from django_tasks import task

PERIODIC: list[tuple[str, float]] = [
    ("jiuzhu.intake.tasks.intake_deadline_sweep", 3600),  # referrals part: overdue marking, hourly
]


@task()
def intake_deadline_sweep() -> dict[str, int]:
    """Hourly: applications, referrals, complaints and assist-first paperwork past their deadline are marked
    and announced once (DEADLINE_OVERDUE events; the owner's and the level above's work lists). Idempotent."""
    from jiuzhu.intake.deadline_sweep import deadline_sweep

    return deadline_sweep()
