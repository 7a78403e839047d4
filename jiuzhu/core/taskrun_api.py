"""Task runs in the JSON API: the caller's own runs only; any other run is 404 (core/taskruns.py)."""

import datetime as dt
import uuid

from ninja import Router, Schema

from jiuzhu.core.models import TaskRun
from jiuzhu.core.taskruns import task_run_get, task_runs_for

router = Router(tags=["后台任务"])


class TaskRunOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    region_code: str
    status: str
    status_label: str
    done: int
    total: int
    percent: int
    summary: str
    result: dict
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _out(run: TaskRun) -> TaskRunOut:
    return TaskRunOut(id=run.pk, kind=run.kind, title=run.title, region_code=run.region.code, status=run.status,
                      status_label=run.get_status_display(), done=run.done, total=run.total, percent=run.percent,
                      summary=run.summary, result=run.result, error=run.error, created_at=run.created_at,
                      started_at=run.started_at, finished_at=run.finished_at)


@router.get("/tasks", response=list[TaskRunOut], summary="我发起的后台任务（最新 100 个）")
def task_runs(request, kind: str | None = None):
    return [_out(run) for run in task_runs_for(actor=request.auth, kind=kind)[:100]]


@router.get("/tasks/{run_id}", response=TaskRunOut, summary="一个后台任务的进度和结果")
def task_run(request, run_id: uuid.UUID):
    return _out(task_run_get(actor=request.auth, run_id=run_id))
