"""Enqueues the periodic jobs: `PERIODIC = [(task path, seconds), ...]` in each jiuzhu app's tasks.py.

    manage.py run_periodic          # forever; SIGTERM or Ctrl+C stops it cleanly
    manage.py run_periodic --once   # enqueue every job once and exit (tests, cron)

It only enqueues; the task worker (`manage.py db_worker`) runs the jobs, so more workers scale them
out. Every job is due when the runner starts, then every `seconds` after it was last enqueued. Run one
runner per deployment: two would enqueue each job twice (harmless, since periodic jobs are idempotent
sweeps, but wasted work).
"""

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils.module_loading import import_string
from django_tasks.base import Task

from jiuzhu.core.discovery import app_modules

log = logging.getLogger(__name__)

RETRY_SECONDS = 10  # after a failed enqueue (e.g. SQLite busy), try again this soon


def periodic_jobs() -> list[tuple[str, Task, float]]:
    """(path, task, seconds) from every installed jiuzhu app's tasks.py that declares PERIODIC."""
    jobs = []
    for app, module in app_modules("tasks"):
        for path, seconds in getattr(module, "PERIODIC", []):
            try:
                task = import_string(path)
            except ImportError as exc:
                raise CommandError(f"{app}.tasks.PERIODIC：找不到任务 {path}") from exc
            if not isinstance(task, Task):
                raise CommandError(f"{app}.tasks.PERIODIC：{path} 不是后台任务（缺少 @task）")
            if not seconds or seconds <= 0:
                raise CommandError(f"{app}.tasks.PERIODIC：{path} 的间隔必须是正数秒")
            jobs.append((path, task, float(seconds)))
    return jobs


class Command(BaseCommand):
    help = "按各应用 tasks.py 中的 PERIODIC 定时把周期任务加入队列（由 db_worker 执行）"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="每个周期任务加入队列一次后退出")

    def handle(self, *args, once: bool = False, **options):
        jobs = periodic_jobs()
        if not jobs:
            self.stdout.write("没有周期任务（各应用 tasks.py 中未声明 PERIODIC）")
            return
        stop = threading.Event()
        previous = {}
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        next_due = {path: 0.0 for path, _, _ in jobs}  # monotonic seconds; all due at start
        try:
            while not stop.is_set():
                close_old_connections()
                for path, task, seconds in jobs:
                    now = time.monotonic()
                    if next_due[path] > now or stop.is_set():
                        continue
                    try:
                        result = task.enqueue()
                    except DatabaseError:
                        if once:
                            raise
                        log.warning("periodic job %s could not be enqueued; retrying", path, exc_info=True)
                        next_due[path] = now + min(seconds, RETRY_SECONDS)
                        continue
                    next_due[path] = now + seconds
                    if options.get("verbosity", 1) >= 1:
                        self.stdout.write(f"已加入队列：{path}（{result.id}）")
                if once:
                    break
                stop.wait(max(0.0, min(next_due.values()) - time.monotonic()))
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            close_old_connections()
        if not once:
            self.stdout.write("周期任务已停止")
