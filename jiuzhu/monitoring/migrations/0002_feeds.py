# Department feeds (issue 16): uncertain Splink links of feed rows to registry persons, for an officer to settle.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("registry", "0011_load_speed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedLinkReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField()),
                ("row_number", models.PositiveIntegerField(verbose_name="行号")),
                ("name", models.CharField(max_length=50, verbose_name="姓名（数据中）")),
                ("birth_date", models.DateField(blank=True, null=True, verbose_name="出生日期（数据中）")),
                ("region_code", models.CharField(blank=True, max_length=12, verbose_name="地区代码（数据中）")),
                ("probability", models.FloatField(verbose_name="匹配概率")),
                ("status", models.CharField(choices=[("pending", "待确认"), ("accepted", "确认是此人"),
                                                     ("rejected", "不是此人")],
                                            default="pending", max_length=10, verbose_name="状态")),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                ("batch", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="link_reviews",
                                            to="monitoring.feedbatch")),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to="registry.person", verbose_name="候选人员")),
                ("reviewed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "待确认的人员匹配",
                "indexes": [models.Index(fields=["status", "batch"], name="feed_link_review_status")],
                "constraints": [models.UniqueConstraint(fields=("batch", "position"), name="feed_link_review_row")],
            },
        ),
    ]
