"""Background work of rescue. `PERIODIC` (core run_periodic): (task path, seconds). Each part adds its tasks
below its marker."""

from django_tasks import task

PERIODIC: list[tuple[str, float]] = [
    ("jiuzhu.rescue.tasks.rescue_long_stay_sweep", 3600),  # cases part: hourly, idempotent
    ("jiuzhu.rescue.tasks.rescue_settlement_overdue_sweep", 3600),  # cases part: hourly, idempotent
]


# ---- cases part ----

@task()
def rescue_long_stay_sweep() -> dict[str, int]:
    """Hourly: clients still unidentified more than 10 days after admission become long-stay (滞留人员), each
    with one LONG_STAY_MARKED event. Idempotent: a marked record is never marked again."""
    from jiuzhu.rescue.cases_services import long_stay_sweep

    return {"marked": long_stay_sweep()}


@task()
def rescue_settlement_overdue_sweep() -> dict[str, int]:
    """Hourly: each settlement stage past its deadline is announced once on the client's record."""
    from jiuzhu.rescue.cases_services import settlement_overdue_sweep

    return {"noticed": settlement_overdue_sweep()}


# ---- street part: tasks below this line ----
