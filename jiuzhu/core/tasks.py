"""Background work of core."""

from django_tasks import task

from jiuzhu.core import events

# (task path, every so many seconds): the periodic runner starts each of these on its schedule.
PERIODIC = [("jiuzhu.core.tasks.deliver_pending_events", 60),
            ("jiuzhu.core.tabular.tasks.purge_uploads", 3600)]  # uploads unconfirmed after 24 h


@task()
def deliver_pending_events(limit: int = 1000) -> dict[str, int]:
    """The outbox sweep: events whose handlers have not all run (the enqueue after commit was lost, a
    handler failed) are delivered now, at most `limit` per run, oldest first. Running it twice
    delivers nothing twice."""
    return events.deliver_pending(limit=limit)
