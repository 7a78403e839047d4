from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"
    # Each app declares its own navigation, so core builds the menu without importing higher apps.
    def ready(self):
        # Database set-up, not a domain subscription: give each SQLite connection the function the
        # audit log's chain trigger calls (see migration 0005).
        from django.db.backends.signals import connection_created

        from jiuzhu.core.audit import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="jiuzhu_sqlite_functions")

        from jiuzhu.core import checks  # noqa: F401 (registers the database checks)

    # Navigation entries: (label, url name, capability that opens it, None for every signed-in user, or the
    # predicate `(user) -> bool` the page's view asks when it refuses more than a missing capability).
    navigation = [
        ("审计日志", "core:audit_log", "view_audit_log"),
        ("接口文档", "api-1.0.0:openapi-view", "administer"),
        ("接口令牌", "core:tokens", "administer"),
        ("系统管理", "core:admin_hub", "administer"),  # users, locks, tokens, standards (core/user_views.py)
        ("登录锁定", "core:sign_in_locks", "administer"),
        ("区划管理", "core:regions", "administer"),
        ("任务", "core:task_runs", None),  # each user's own background jobs (core/taskruns.py)
    ]
