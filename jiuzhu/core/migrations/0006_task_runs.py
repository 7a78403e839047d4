"""Task runs (core/taskruns.py): a long job's owner, scope, progress, result summary and history."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_audit_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaskRun",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=60, verbose_name="任务类型")),
                ("title", models.CharField(max_length=200, verbose_name="任务")),
                ("status", models.CharField(choices=[("queued", "排队中"), ("running", "进行中"),
                                                     ("succeeded", "已完成"), ("failed", "失败")],
                                            default="queued", max_length=10, verbose_name="状态")),
                ("done", models.PositiveBigIntegerField(default=0, verbose_name="已完成")),
                ("total", models.PositiveBigIntegerField(default=0, verbose_name="总量")),
                ("summary", models.TextField(blank=True, verbose_name="结果")),
                ("result", models.JSONField(blank=True, default=dict)),
                ("error", models.TextField(blank=True, verbose_name="错误")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="发起时间")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="开始时间")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="结束时间")),
                ("task_result_id", models.CharField(blank=True, max_length=64)),
                ("organization", models.ForeignKey(blank=True, null=True,
                                                   on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to="core.organization", verbose_name="机构")),
                ("owner", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="task_runs",
                                            to=settings.AUTH_USER_MODEL, verbose_name="发起人")),
                ("region", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to="core.region", verbose_name="区划")),
            ],
            options={
                "verbose_name": "后台任务",
                "verbose_name_plural": "后台任务",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["owner", "-created_at"], name="taskrun_owner_history")],
            },
        ),
    ]
