from django.core.management.base import BaseCommand

from jiuzhu.core.tabular.store import purge_stale_uploads


class Command(BaseCommand):
    help = "删除超过 24 小时未确认导入的上传文件（含个人信息，不应长期留存）"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除 {purge_stale_uploads()} 个过期上传文件")
