"""Pages of task runs (core/taskruns.py): the history list, one run, and its self-refreshing progress."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuzhu.core.taskruns import task_run_get, task_runs_for


@login_required
@require_GET
def task_run_list(request):
    page = Paginator(task_runs_for(actor=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "core/task_runs.html", {"page": page})


@login_required
@require_GET
def task_run_detail(request, run_id):
    return render(request, "core/task_run.html", {"run": task_run_get(actor=request.user, run_id=run_id)})


@login_required
@require_GET
def task_run_progress(request, run_id):
    """The htmx partial: polls itself every 2 s until the run has ended, then stops."""
    return render(request, "core/task_run_progress.html", {"run": task_run_get(actor=request.user, run_id=run_id)})
