"""The batch tier assessment as a task run: who may start it, what its owner sees, and nobody else."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from conftest import COUNTY_A
from jiuzhu.core.models import Region, TaskRun
from jiuzhu.registry import assessment, services
from jiuzhu.registry.models import TierDecision

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.django_db(transaction=True)  # the worker closes connections, as in production
def test_the_run_page_leads_to_the_task_run_and_the_worker_finishes_it(standards, register, client_for, settings,
                                                                       django_capture_on_commit_callbacks):
    """The real database task backend and its worker: the task-run page polls until the run is done."""
    settings.TASKS = DB_BACKEND
    register()
    officer = client_for("longhui_officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post("/registry/assessment/", {"region": COUNTY_A, "on": "2026-06-30"})
    run = TaskRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tasks/{run.pk}/"
    assert (run.kind, run.title, run.status) == ("registry.tier_assessment",
                                                 "分层评估：湖南省邵阳市隆回县（基准日 2026-06-30）", "queued")
    waiting = officer.get(f"/tasks/{run.pk}/").content.decode()
    assert "排队中" in waiting and 'hx-trigger="every 2s"' in waiting and 'value="0"' in waiting
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.percent) == ("succeeded", 10, 10, 100)
    assert run.summary == ("评估 1 户：建议低保 1 户 / 特困 0 户 / 低保边缘 0 户 / 不符合 0 户；\n"
                           "未重新建议（认定在有效期内、数据未变）0 户；\n收入记录覆盖不足 1 户；\n"
                           "新生成建议 1 条，与待审批建议相同未重复生成 0 条。\n"
                           "新建议请审批人员在审批队列或家庭页确认或改定。")
    assert run.result == {"assessed": 1, "written": 1, "unchanged": 0, "kept": 0, "by_tier": {"dibao": 1},
                          "single_person": 0, "coverage_short": 1, "reused": 0}
    done = officer.get(f"/tasks/{run.pk}/progress/").content.decode()
    assert "已完成" in done and "新生成建议 1 条" in done and "hx-trigger" not in done
    assert TierDecision.objects.count() == 1
    history = officer.get("/registry/assessment/").content.decode()  # this user's runs on the assessment page
    assert f'href="/tasks/{run.pk}/"' in history and "评估 1 户：建议低保 1 户 / 特困 0 户" in history


def test_finding_4_another_countys_user_with_the_uuid_gets_404(standards, register, client_for, settings,
                                                               django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    register()
    with django_capture_on_commit_callbacks(execute=True):
        client_for("longhui_officer").post("/registry/assessment/", {"region": COUNTY_A, "on": "2026-06-30"})
    run = TaskRun.objects.get()
    assert run.status == "succeeded"
    other = client_for("dongkou_officer")
    for url in (f"/tasks/{run.pk}/", f"/tasks/{run.pk}/progress/", f"/api/v1/core/tasks/{run.pk}",
                f"/registry/assessment/{run.task_result_id}/status/"):  # the old status view is gone
        assert other.get(url).status_code == 404, url
    owner = client_for("longhui_officer")
    assert "新生成建议 1 条" in owner.get(f"/tasks/{run.pk}/").content.decode()
    assert owner.get(f"/api/v1/core/tasks/{run.pk}").json()["result"]["written"] == 1


@pytest.mark.parametrize("username", ["longhui_window", "longhui_coordinator", "longhui_analyst"])
def test_a_role_without_run_assessment_gets_403_not_500(client_for, username):
    client = client_for(username)
    assert client.post("/registry/assessment/", {"region": COUNTY_A, "on": "2026-06-30"}).status_code == 403
    assert client.get("/registry/assessment/").status_code == 403
    assert not TaskRun.objects.exists()


def test_the_services_require_run_assessment(standards, register, persona):
    county = Region.objects.get(code=COUNTY_A)
    register()
    analyst = persona("longhui_analyst")  # the whole county in scope, but not this capability
    with pytest.raises(PermissionDenied, match="运行分层评估"):
        services.tier_assessment_start(actor=analyst, region=county, on=dt.date(2026, 6, 30))
    with pytest.raises(PermissionDenied, match="运行分层评估"):
        services.tier_assess_region(actor=analyst, region=county, on=dt.date(2026, 6, 30))
    assert not TaskRun.objects.exists() and not TierDecision.objects.exists()


def test_the_run_is_refused_outside_the_jurisdiction(persona, world):
    from jiuzhu.core.errors import DomainError

    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        services.tier_assessment_start(actor=persona("longhui_officer"), region=Region.objects.get(code="430525"),
                                       on=dt.date(2026, 6, 30))
    assert not TaskRun.objects.exists()


@pytest.mark.django_db(transaction=True)  # the worker closes connections, as in production
def test_a_run_whose_owner_lost_the_capability_fails_in_chinese(standards, register, persona, settings,
                                                                django_capture_on_commit_callbacks):
    """The task runs the service as the owner, so the guard holds when the job runs, not only when it starts."""
    settings.TASKS = DB_BACKEND
    register()
    officer = persona("longhui_officer")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.tier_assessment_start(actor=officer, region=officer.region, on=dt.date(2026, 6, 30))
    officer.roles.all().delete()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "您没有“运行分层评估”的权限")
    assert not TierDecision.objects.exists()


def test_assessment_reports_its_steps(standards, register):
    household = register()
    steps = []
    assessment.assess(on=dt.date(2026, 6, 30), household_ids=[household.pk],
                      progress=lambda done, total: steps.append((done, total)))
    assert steps == [(0, 10), (7, 10), (8, 10), (10, 10)]
