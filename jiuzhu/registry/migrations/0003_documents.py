"""Scanned documents of a household or a tier decision (issue 14); the bytes are in core/files.py's store."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_means_void"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("voided_at", models.DateTimeField(blank=True, null=True, verbose_name="作废时间")),
                ("void_reason", models.CharField(blank=True, max_length=200, verbose_name="作废理由")),
                ("kind", models.CharField(choices=[("id_card", "身份证"), ("hukou_book", "户口簿"),
                                                   ("income_proof", "收入证明"), ("disability_certificate", "残疾证"),
                                                   ("authorisation", "授权书"), ("other", "其他")],
                                          max_length=25, verbose_name="材料类型")),
                ("original_filename", models.CharField(max_length=200, verbose_name="文件名")),
                ("content_type", models.CharField(max_length=40, verbose_name="文件格式")),
                ("size", models.PositiveIntegerField(verbose_name="大小（字节）")),
                ("sha256", models.CharField(max_length=64)),
                ("file_key", models.CharField(max_length=64, unique=True)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="上传时间")),
                ("decision", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                               related_name="documents", to="registry.tierdecision",
                                               verbose_name="关联的层级认定")),
                ("household", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="documents",
                                                to="registry.household")),
                ("uploaded_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                  to=settings.AUTH_USER_MODEL, verbose_name="上传人")),
                ("voided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                related_name="+", to=settings.AUTH_USER_MODEL,
                                                verbose_name="作废人")),
            ],
            options={
                "verbose_name": "材料",
                "verbose_name_plural": "材料",
                "indexes": [models.Index(fields=["household", "uploaded_at"], name="document_household")],
            },
        ),
    ]
