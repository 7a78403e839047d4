"""Background work of family search. `PERIODIC` (core run_periodic): (task path, seconds)."""

from django_tasks import task

PERIODIC: list[tuple[str, float]] = [
    ("jiuzhu.familysearch.tasks.push_send_due", 60),  # push: due deliveries every minute (also enqueued on targeting)
]


@task()
def push_send_due() -> dict[str, int]:
    """Sends the push deliveries that are due (new ones, and failed ones whose retry time has come), each attempt
    logged; idempotent: a delivery is claimed before it is sent, a sent one is never sent again."""
    from jiuzhu.familysearch.push_sending import send_due

    return send_due()
