"""Background work of the registry. Each job is a task run (core/taskruns.py): owner, scope, progress."""

import datetime as dt

from jiuzhu.core.models import Region
from jiuzhu.core.taskruns import Outcome, task_run_progress, task_run_task
from jiuzhu.registry import assessment, services

TIER_ASSESSMENT = "registry.tier_assessment"  # TaskRun.kind of the batch assessment


@task_run_task
def tier_assessment_task(run, *, region_code: str, on: str) -> Outcome:
    """A county's annual tier review, started by services.tier_assessment_start. Runs as the run's owner,
    so the service checks the capability and the scope again when the job runs."""
    counts = services.tier_assess_region(actor=run.owner, region=Region.objects.get(code=region_code),
                                         on=dt.date.fromisoformat(on),
                                         progress=lambda done, total: task_run_progress(run.pk, done, total))
    summary = assessment.summary(counts)
    if counts["written"]:
        summary += "\n新建议请审批人员在审批队列或家庭页确认或改定。"
    return Outcome(summary=summary, result=counts)
