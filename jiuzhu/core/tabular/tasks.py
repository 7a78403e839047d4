"""Background work of the tabular kit."""

from django_tasks import task

from jiuzhu.core.tabular.store import purge_stale_uploads


@task()
def purge_uploads() -> int:
    """Uploads nobody confirmed within TABULAR_UPLOAD_MAX_AGE_HOURS are deleted (run hourly)."""
    return purge_stale_uploads()
