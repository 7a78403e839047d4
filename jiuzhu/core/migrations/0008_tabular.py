"""Audit actions of core/disclosure.py (choices only: no change in the database, so the audit table and its
chain triggers are untouched)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0007_drop_sign_in_throttle"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(choices=[
                ("sign_in", "登录成功"), ("sign_in_failed", "登录失败"), ("sign_in_locked", "账号锁定"),
                ("sign_out", "退出"), ("password_change", "修改密码"), ("read", "查看"), ("create", "新增"),
                ("update", "修改"), ("delete", "删除"), ("export", "导出"), ("import", "导入"),
                ("token_issued", "签发令牌"), ("token_revoked", "吊销令牌"), ("token_used", "令牌调用"),
                ("disclosure", "越权查询提示"), ("disclosure_limit", "越权查询超限"),
            ], max_length=20),
        ),
    ]
