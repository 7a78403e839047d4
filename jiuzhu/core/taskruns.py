"""Task runs: one mechanism for every long job a user starts (ARCHITECTURE.md, "core/taskruns").

An app's service starts a job with `task_run_start(...)`: the `TaskRun` row (owner, organisation,
scope region, Chinese title) is written in the caller's transaction and the django-task is enqueued
after commit with the run's id. The task function is declared with `@task_run_task`; it receives the
run, reports progress with `task_run_progress(run.pk, done, total)` and returns an `Outcome` (Chinese
summary + JSON result). The wrapper records start, success and failure, so apps never catch
exceptions themselves: a `DomainError`, `PermissionDenied` or `ValidationError` becomes the run's
Chinese error; anything else is logged with its traceback (never shown) and the run says only that it
failed and gives its number.

    @task_run_task
    def tier_assessment_task(run, *, region_code: str, on: str) -> Outcome: ...

Who sees a run: only its owner, and only while the run's region is still inside the owner's
jurisdiction (a department clerk: while the run belongs to the clerk's organisation). Colleagues of the
same office do not see each other's runs: a run's summary may hold what only its owner's capabilities
open, and what a run writes (tier recommendations, warnings...) is shown to colleagues through the
records themselves, each with its own scope. Anyone else gets 404, pages and API alike.
"""

import logging
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_tasks import task as django_task
from django_tasks.base import Task

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, TaskRun, TaskRunStatus
from jiuzhu.core.scoping import is_department_actor, region_in_scope, scope_q

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a task function returns: the Chinese summary users read and a JSON result for machines."""

    summary: str
    result: dict = field(default_factory=dict)


# ---- services ---------------------------------------------------------------------------------

def _may_start_in(actor, region: Region) -> bool:
    if region_in_scope(actor, region):
        return True
    # Department staff have no region subtree; their jobs are scoped to their organisation's region.
    return bool(is_department_actor(actor) and actor.organization_id
                and actor.organization.region_id == region.pk)


def task_run_start(*, actor, kind: str, title: str, region: Region, task: Task, **kwargs) -> TaskRun:
    """Creates the run and enqueues `task(run_id=..., **kwargs)` after the surrounding transaction
    commits (kwargs must be JSON values). The caller has checked the actor's capability."""
    if not _may_start_in(actor, region):
        raise DomainError("该区划不在您的管辖范围内", code="out_of_scope", field="region")
    with transaction.atomic():
        run = TaskRun.objects.create(kind=kind, title=title[:200], owner=actor,
                                     organization_id=actor.organization_id, region=region)
        transaction.on_commit(lambda: _enqueue(run.pk, task, kwargs))
    return run


def _enqueue(run_id: uuid.UUID, task: Task, kwargs: dict) -> None:
    try:
        result = task.enqueue(run_id=str(run_id), **kwargs)
    except Exception:  # the queue itself failed: the run says so instead of waiting forever
        log.exception("task run %s could not be enqueued", run_id)
        task_run_fail(run_id, error="任务未能加入队列，请稍后重新发起")
        return
    # The worker may have started (and recorded the id) already; fill it only if still empty.
    TaskRun.objects.filter(pk=run_id, task_result_id="").update(task_result_id=result.id)


def task_run_progress(run_id: uuid.UUID | str, done: int, total: int) -> None:
    """`done` of `total` units finished (households, rows, steps). Ignored once the run has ended."""
    if total < 0 or done < 0:
        raise ValueError("progress must not be negative")
    TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.RUNNING).update(done=min(done, total), total=total)


def task_run_finish(run_id: uuid.UUID | str, *, summary: str, result: dict | None = None) -> None:
    TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.RUNNING).update(
        status=TaskRunStatus.SUCCEEDED, summary=summary, result=result or {}, finished_at=timezone.now())


def task_run_fail(run_id: uuid.UUID | str, *, error: str) -> None:
    TaskRun.objects.filter(pk=run_id, status__in=[TaskRunStatus.QUEUED, TaskRunStatus.RUNNING]).update(
        status=TaskRunStatus.FAILED, error=error, finished_at=timezone.now())


def _begin(run_id: str, task_result_id: str) -> TaskRun | None:
    """Queued -> running, once: a second delivery of the same run finds it started and does nothing."""
    started = TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.QUEUED).update(
        status=TaskRunStatus.RUNNING, started_at=timezone.now(), task_result_id=task_result_id)
    if not started:
        log.warning("task run %s is not queued (gone, running or finished); skipped", run_id)
        return None
    return TaskRun.objects.select_related("owner", "owner__region", "owner__organization", "region").get(pk=run_id)


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "您没有执行该任务的权限"


def task_run_task(func):
    """Declares a task-run function `func(run, **kwargs) -> Outcome` as a django-task that takes
    `run_id` and records start, progress, the outcome or the failure on the run."""

    def body(context, *, run_id: str, **kwargs):
        run = _begin(run_id, context.task_result.id)
        if run is None:
            return None
        try:
            outcome = func(run, **kwargs)
        except (DomainError, PermissionDenied, ValidationError) as exc:
            # A rule refused the job (capability, scope, missing standard): the owner reads why.
            task_run_fail(run.pk, error=_message(exc))
            return {"status": TaskRunStatus.FAILED.value}
        except Exception:
            log.exception("task run %s (%s) failed", run.pk, run.kind)
            task_run_fail(run.pk, error=f"任务执行出错，已记录。请联系系统管理员，并告知任务编号 {run.pk}")
            raise  # the worker marks the django-task failed too, with the traceback for administrators
        task_run_finish(run.pk, summary=outcome.summary, result=outcome.result)
        return {"status": TaskRunStatus.SUCCEEDED.value}

    # The worker imports the task by the function's own module path, where the Task object will live.
    # (Not functools.wraps: its __wrapped__ would make django-tasks read `func`'s arguments, not `context`.)
    body.__module__, body.__qualname__, body.__name__ = func.__module__, func.__qualname__, func.__name__
    body.__doc__ = func.__doc__
    return django_task(takes_context=True)(body)


# ---- selectors --------------------------------------------------------------------------------

def task_runs_for(*, actor, kind: str | None = None) -> QuerySet[TaskRun]:
    """The actor's own runs still inside their jurisdiction, newest first."""
    if actor is None or not actor.is_authenticated:
        return TaskRun.objects.none()
    runs = TaskRun.objects.filter(owner=actor)
    q = scope_q(actor, region_field="region", department_field="organization")
    if q is not None:
        runs = runs.filter(q)
    if kind:
        runs = runs.filter(kind=kind)
    return runs.select_related("region").order_by("-created_at")


def task_run_get(*, actor, run_id: uuid.UUID | str) -> TaskRun:
    """One run of the actor's; 404 for every other run, so a UUID tells nobody else anything."""
    try:
        run_id = uuid.UUID(str(run_id))
    except ValueError:
        raise Http404("任务不存在") from None
    run = task_runs_for(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise Http404("任务不存在或您无权查看")
    return run
