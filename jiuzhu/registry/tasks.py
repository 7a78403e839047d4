"""Background work of the registry. Each job is a task run (core/taskruns.py): owner, scope, progress."""

import datetime as dt

from jiuzhu.core.models import Region
from jiuzhu.core.taskruns import Outcome, task_run_progress, task_run_task
from jiuzhu.registry import services
from jiuzhu.registry.models import Tier

TIER_ASSESSMENT = "registry.tier_assessment"  # TaskRun.kind of the batch assessment


@task_run_task
def tier_assessment_task(run, *, region_code: str, on: str) -> Outcome:
    """A county's annual tier review, started by services.tier_assessment_start. Runs as the run's owner,
    so the service checks the capability and the scope again when the job runs."""
    counts = services.tier_assess_region(actor=run.owner, region=Region.objects.get(code=region_code),
                                         on=dt.date.fromisoformat(on),
                                         progress=lambda done, total: task_run_progress(run.pk, done, total))
    by_tier = "，".join(f"{Tier(tier).label} {n}" for tier, n in sorted(counts["by_tier"].items(),
                                                                         key=lambda item: -item[1]))
    summary = (f"评估 {counts['assessed']} 条，新生成建议 {counts['written']} 条，"
               f"数据未变化 {counts['unchanged']} 条。")
    if by_tier:
        summary += f"\n建议层级：{by_tier}。"
    if counts["written"]:
        summary += "\n新建议请审批人员在家庭页确认或改定。"
    return Outcome(summary=summary, result=counts)
