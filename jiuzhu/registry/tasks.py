"""Background work of the registry."""

import datetime as dt

from django_tasks import task

from jiuzhu.core.models import Region, User


@task()
def tier_assessment_task(*, actor_id: int, region_code: str, on: str) -> dict:
    """A county's annual tier review; the page polls this task's result."""
    from jiuzhu.registry.services import tier_assess_region

    actor = User.objects.get(pk=actor_id)
    region = Region.objects.get(code=region_code)
    return tier_assess_region(actor=actor, region=region, on=dt.date.fromisoformat(on))
