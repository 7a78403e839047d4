"""Task runs (core/taskruns.py): owner and scope (404 for anyone else, finding 4), progress as a real
percentage, Chinese outcome and errors, and the periodic runner."""

import os
import signal
import threading
import types
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django_tasks import task

from conftest import COUNTY_A, COUNTY_B
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, TaskRun
from jiuzhu.core.taskruns import Outcome, task_run_get, task_run_progress, task_run_start, task_run_task, task_runs_for

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SEEN: list = []  # what the sample tasks saw, for the assertions


@task_run_task
def sample_task(run, *, n: int, fail: str = "") -> Outcome:
    task_run_progress(run.pk, 1, 4)
    SEEN.append(TaskRun.objects.get(pk=run.pk).percent)
    if fail == "domain":
        raise DomainError("第3行 身份证号码：校验位错误")
    if fail == "permission":
        raise PermissionDenied("您没有“运行分层评估”的权限")
    if fail == "crash":
        raise RuntimeError("/srv/secret/path exploded")
    task_run_progress(run.pk, 4, 4)
    SEEN.append(TaskRun.objects.get(pk=run.pk).percent)
    return Outcome(summary=f"处理 {n} 条", result={"n": n})


@task()
def periodic_ping() -> int:
    SEEN.append("ping")
    return len(SEEN)


@pytest.fixture(autouse=True)
def _immediate(settings):
    settings.TASKS = IMMEDIATE
    SEEN.clear()


@pytest.fixture
def start(persona, django_capture_on_commit_callbacks):
    def make(username="longhui_officer", region=COUNTY_A, **kwargs) -> TaskRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = task_run_start(actor=persona(username), kind="core.sample", title="示例任务",
                                 region=Region.objects.get(code=region), task=sample_task, **{"n": 7, **kwargs})
        run.refresh_from_db()
        return run
    return make


def test_a_run_is_enqueued_after_commit_and_records_progress_and_outcome(persona, django_capture_on_commit_callbacks):
    officer = persona("longhui_officer")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = task_run_start(actor=officer, kind="core.sample", title="示例任务", region=officer.region,
                             task=sample_task, n=7)
        assert TaskRun.objects.get(pk=run.pk).status == "queued" and SEEN == []  # nothing runs before commit
    assert len(callbacks) == 1
    callbacks[0]()
    run.refresh_from_db()
    assert (run.status, run.get_status_display(), run.summary, run.result) == ("succeeded", "已完成", "处理 7 条",
                                                                                {"n": 7})
    assert SEEN == [25, 99]  # 1 of 4, then 4 of 4 while still running: 100 only once finished
    assert (run.done, run.total, run.percent, run.error) == (4, 4, 100, "")
    assert run.owner == officer and run.organization_id == officer.organization_id and run.region.code == COUNTY_A
    assert run.started_at <= run.finished_at and run.task_result_id


@pytest.mark.parametrize(("fail", "error"), [
    ("domain", "第3行 身份证号码：校验位错误"),
    ("permission", "您没有“运行分层评估”的权限"),
])
def test_a_refused_run_shows_the_rule_in_chinese(start, fail, error):
    run = start(fail=fail)
    assert (run.status, run.get_status_display(), run.error, run.summary) == ("failed", "失败", error, "")
    assert run.finished_at is not None


def test_a_crash_is_logged_and_the_user_sees_no_traceback(start, client_for, caplog):
    run = start(fail="crash")
    assert run.status == "failed"
    assert run.error == f"任务执行出错，已记录。请联系系统管理员，并告知任务编号 {run.pk}"
    assert "exploded" in caplog.text  # the traceback went to the log
    page = client_for("longhui_officer").get(f"/tasks/{run.pk}/").content.decode()
    assert "任务执行出错" in page and "exploded" not in page and "Traceback" not in page


def test_a_second_delivery_of_the_same_run_does_nothing(start):
    run = start()
    SEEN.clear()
    sample_task.enqueue(run_id=str(run.pk), n=99)
    run.refresh_from_db()
    assert SEEN == [] and run.summary == "处理 7 条"


def test_a_run_that_cannot_be_enqueued_fails_visibly(persona, django_capture_on_commit_callbacks, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("queue down")
    monkeypatch.setattr(type(sample_task), "enqueue", broken)
    officer = persona("longhui_officer")
    with django_capture_on_commit_callbacks(execute=True):
        run = task_run_start(actor=officer, kind="core.sample", title="示例任务", region=officer.region,
                             task=sample_task, n=1)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "任务未能加入队列，请稍后重新发起")


def test_progress_is_a_real_percentage(start):
    run = start()
    TaskRun.objects.filter(pk=run.pk).update(status="running", done=0, total=0)
    run.refresh_from_db()
    assert run.percent == 0
    task_run_progress(run.pk, 37, 200)
    run.refresh_from_db()
    assert (run.done, run.total, run.percent) == (37, 200, 18)
    task_run_progress(run.pk, 500, 200)  # never past the total
    run.refresh_from_db()
    assert (run.done, run.percent) == (200, 99)


def test_a_run_cannot_be_started_outside_the_jurisdiction(persona):
    with pytest.raises(DomainError) as refused:
        task_run_start(actor=persona("longhui_officer"), kind="core.sample", title="示例任务",
                       region=Region.objects.get(code=COUNTY_B), task=sample_task, n=1)
    assert refused.value.message == "该区划不在您的管辖范围内" and not TaskRun.objects.exists()


# ---- finding 4: a run is its owner's only ---------------------------------------------------------

def test_only_the_owner_sees_a_run(start, persona):
    run = start()
    assert task_run_get(actor=persona("longhui_officer"), run_id=run.pk) == run
    for other in ("dongkou_officer", "longhui_approver"):  # county B; same county and office
        with pytest.raises(Http404):
            task_run_get(actor=persona(other), run_id=run.pk)
        assert list(task_runs_for(actor=persona(other))) == []
    with pytest.raises(Http404):
        task_run_get(actor=persona("longhui_officer"), run_id="not-a-uuid")


def test_an_owner_moved_out_of_the_runs_region_no_longer_sees_it(start, persona):
    run = start()
    officer = persona("longhui_officer")
    officer.region = Region.objects.get(code=COUNTY_B)
    officer.save(update_fields=["region"])
    with pytest.raises(Http404):
        task_run_get(actor=persona("longhui_officer"), run_id=run.pk)


def test_another_countys_user_with_the_uuid_gets_404_on_pages_and_api(start, client_for):
    run = start()
    other = client_for("dongkou_officer")
    for url in (f"/tasks/{run.pk}/", f"/tasks/{run.pk}/progress/", f"/api/v1/core/tasks/{run.pk}"):
        assert other.get(url).status_code == 404, url
    assert "示例任务" not in other.get("/tasks/").content.decode()
    assert other.get("/api/v1/core/tasks").json() == []
    owner = client_for("longhui_officer")
    page = owner.get(f"/tasks/{run.pk}/").content.decode()
    assert "示例任务" in page and "已完成" in page and "处理 7 条" in page
    body = owner.get(f"/api/v1/core/tasks/{run.pk}").json()
    assert (body["id"], body["status"], body["status_label"], body["percent"], body["summary"]) == (
        str(run.pk), "succeeded", "已完成", 100, "处理 7 条")
    assert [r["id"] for r in owner.get("/api/v1/core/tasks").json()] == [str(run.pk)]
    assert owner.get(f"/tasks/{uuid.uuid4()}/").status_code == 404


def test_the_progress_partial_polls_until_the_run_ends(start, client_for):
    run = start()
    owner = client_for("longhui_officer")
    TaskRun.objects.filter(pk=run.pk).update(status="running", done=3, total=4, finished_at=None)
    running = owner.get(f"/tasks/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in running and 'value="75"' in running and "进行中" in running
    TaskRun.objects.filter(pk=run.pk).update(status="succeeded")
    done = owner.get(f"/tasks/{run.pk}/progress/").content.decode()
    assert "hx-trigger" not in done and "已完成" in done and "处理 7 条" in done


def test_the_history_lists_the_users_runs_newest_first(start, client_for):
    first = start(n=1)
    second = start(n=2)
    page = client_for("longhui_officer").get("/tasks/").content.decode()
    assert page.index(f"/tasks/{second.pk}/") < page.index(f"/tasks/{first.pk}/")
    assert "处理 2 条" in page and "已完成" in page
    assert '<a href="/tasks/">任务</a>' in page  # in the menu of every signed-in role


@pytest.mark.parametrize("username", ["longhui_window", "longhui_clerk", "longhui_station", "longhui_analyst",
                                      "longhui_auditor", "longhui_admin"])
def test_every_staff_role_has_the_task_page(client_for, username):
    page = client_for(username).get("/tasks/")
    assert page.status_code == 200 and '<a href="/tasks/">任务</a>' in page.content.decode()


# ---- periodic jobs ------------------------------------------------------------------------------

@pytest.fixture
def periodic(monkeypatch):
    """Stands in for every app's tasks.py (core's and the apps' own PERIODIC lists) with one module holding
    the given PERIODIC list."""
    from jiuzhu.core.management.commands import run_periodic

    def use(jobs):
        module = types.ModuleType("jiuzhu.core.tasks")
        if jobs is not None:
            module.PERIODIC = jobs
        monkeypatch.setattr(run_periodic, "app_modules", lambda name: iter([("jiuzhu.core", module)]))
    return use


def test_run_periodic_once_enqueues_every_job_once(periodic, capsys, db):
    periodic([("jiuzhu.core.tests.test_taskruns.periodic_ping", 60)])
    call_command("run_periodic", "--once")
    assert SEEN == ["ping"]
    assert "已加入队列：jiuzhu.core.tests.test_taskruns.periodic_ping" in capsys.readouterr().out


def test_run_periodic_without_jobs_says_so(periodic, capsys, db):
    periodic(None)
    call_command("run_periodic", "--once")
    assert SEEN == [] and "没有周期任务" in capsys.readouterr().out


@pytest.mark.parametrize(("path", "message"), [
    ("jiuzhu.core.tests.test_taskruns.SEEN", "不是后台任务"),
    ("jiuzhu.core.tests.test_taskruns.nothing", "找不到任务"),
])
def test_run_periodic_refuses_a_bad_entry(periodic, db, path, message):
    periodic([(path, 60)])
    with pytest.raises(CommandError, match=message):
        call_command("run_periodic", "--once")


def test_run_periodic_repeats_when_due_and_stops_cleanly_on_sigterm(periodic, db):
    periodic([("jiuzhu.core.tests.test_taskruns.periodic_ping", 0.05)])
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        call_command("run_periodic")  # returns only because SIGTERM stopped it
    finally:
        timer.cancel()  # if the command failed early, the signal must not reach pytest itself
    assert SEEN.count("ping") >= 3
    assert signal.getsignal(signal.SIGTERM) is before
