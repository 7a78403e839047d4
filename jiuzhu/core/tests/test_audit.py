import pytest
from django.db import DatabaseError, connection, transaction

from jiuzhu.core.audit import audit
from jiuzhu.core.models import AuditLog


def test_audit_rows_cannot_be_changed_by_any_path(world):
    row = audit("read", username="someone", detail={"x": 1})
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).update(username="other")
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).delete()
    row.username = "other"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    # Even raw SQL is refused by the database's own triggers.
    for sql in ("UPDATE core_auditlog SET username = 'x' WHERE id = %s", "DELETE FROM core_auditlog WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AuditLog.objects.get(pk=row.pk).username == "someone"


def test_auditor_searches_within_jurisdiction_only(client_for, register):
    household = register("longhui_officer")
    client_for("longhui_officer").get(f"/registry/households/{household.pk}/")
    client_for("dongkou_officer").get("/registry/persons/")
    html = client_for("longhui_auditor").get("/audit/?action=read").content.decode()
    assert "longhui_officer" in html
    assert "dongkou_officer" not in html  # county B's activity is not county A's auditor's to see
    city = client_for("shaoyang_auditor").get("/audit/?username=dongkou_officer").content.decode()
    assert "dongkou_officer" in city


def test_non_auditor_cannot_open_the_audit_log(client_for):
    assert client_for("longhui_window").get("/audit/").status_code == 403
