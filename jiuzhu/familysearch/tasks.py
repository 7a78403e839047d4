"""Background work of family search. `PERIODIC` (core run_periodic): (task path, seconds)."""

from django_tasks import task

PERIODIC: list[tuple[str, float]] = [
    # hourly, so a notice due today is refreshed within the hour of the day's start; idempotent (a refreshed
    # notice is due again only a month later)
    ("jiuzhu.familysearch.tasks.familysearch_notice_refresh_sweep", 3600),
    ("jiuzhu.familysearch.tasks.push_send_due", 60),  # push: due deliveries every minute (also enqueued on targeting)
]


@task()
def familysearch_notice_refresh_sweep() -> dict[str, int]:
    """Published notices whose monthly refresh day has come, of clients still unidentified in stay, are published
    again (revision + 1; NOTICE_PUBLISHED each, so subscribers are told again)."""
    from jiuzhu.familysearch.notice_services import notice_refresh_sweep

    return {"refreshed": notice_refresh_sweep()}


@task()
def push_send_due() -> dict[str, int]:
    """Sends the push deliveries that are due (new ones, and failed ones whose retry time has come), each attempt
    logged; idempotent: a delivery is claimed before it is sent, a sent one is never sent again."""
    from jiuzhu.familysearch.push_sending import send_due

    return send_due()
