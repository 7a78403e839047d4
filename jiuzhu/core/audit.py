"""Audit rows: sign-ins, every change, every read of a person's record. Append-only (see AuditLog)."""

from jiuzhu.core.context_vars import current_ip, current_token_id
from jiuzhu.core.models import AuditAction, AuditLog


def _object_fields(obj) -> dict:
    if obj is None:
        return {}
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }


def audit(action: str, *, actor=None, obj=None, person_id: int | None = None, username: str = "",
          detail: dict | None = None, ip: str | None = None) -> AuditLog:
    detail = dict(detail or {})
    token_id = current_token_id.get()
    if token_id is not None:
        detail.setdefault("api_token", token_id)
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditLog.objects.create(
        action=action,
        actor=user,
        username=username or (user.username if user else ""),
        organization_id=getattr(user, "organization_id", None),
        ip=ip or current_ip.get(),
        person_id=person_id,
        detail=detail,
        **_object_fields(obj),
    )


def audit_read(actor, obj, *, person_id: int | None = None, detail: dict | None = None) -> AuditLog:
    """Reading one person's record (page, API or export) is itself a fact worth keeping."""
    return audit(AuditAction.READ, actor=actor, obj=obj, person_id=person_id, detail=detail)


def audit_change(action: str, actor, obj, *, person_id: int | None = None, changes: dict | None = None):
    return audit(action, actor=actor, obj=obj, person_id=person_id, detail={"changes": changes or {}})


def open_audit_maintenance(connection) -> None:
    """Lets this one database connection empty the audit log (the triggers refuse everyone else).

    Never called by the application. Used by a DBA's retention job and by test teardown, where the
    test database is flushed between browser tests. UPDATE stays impossible either way."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET jiuzhu.audit_maintenance = 'on'")
        else:
            connection.connection.create_function("jiuzhu_audit_maintenance", 0, lambda: 1)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite has no session settings, so the delete trigger asks this per-connection function.
    A client without it (the sqlite3 shell) gets an error from the trigger: the log stays closed."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("jiuzhu_audit_maintenance", 0, lambda: 0, deterministic=True)
