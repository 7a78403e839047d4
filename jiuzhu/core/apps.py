from django.apps import AppConfig

ALL_STAFF = ("window_officer", "assistance_officer", "approver", "coordinator", "analyst", "administrator",
             "station_worker", "station_manager", "regional_officer", "department_clerk", "auditor")


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"
    # Navigation entries: (label, url name, roles that see it). Each app declares its own, so core
    # builds the menu without importing higher apps.
    def ready(self):
        # Database set-up, not a domain subscription: give each SQLite connection the function the
        # audit log's delete trigger calls (see migration 0002).
        from django.db.backends.signals import connection_created

        from jiuzhu.core.audit import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="jiuzhu_sqlite_functions")

    navigation = [
        ("审计日志", "core:audit_log", ("auditor", "administrator")),
        ("接口文档", "api-1.0.0:openapi-view", ("administrator", "analyst")),
        ("系统管理", "admin:index", ("administrator",)),
    ]
