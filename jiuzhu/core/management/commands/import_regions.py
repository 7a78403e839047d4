"""manage.py import_regions FILE --user U: townships and villages from the statistical code table."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.region_import import RegionImportRefused, regions_import
from jiuzhu.core.tabular import errors_workbook


class Command(BaseCommand):
    help = "导入统计用区划代码表（乡镇、村），按代码定层级和上级；重复导入不改变数据"

    def add_arguments(self, parser):
        parser.add_argument("file", help="xlsx 或 csv 文件（列：统计用区划代码、名称，可选 城乡分类代码）")
        parser.add_argument("--user", required=True, help="以哪位管理员的身份导入（决定辖区）")
        parser.add_argument("--errors-xlsx", help="文件有问题时，把问题清单写入这个 xlsx 文件")

    def handle(self, *args, file, user, errors_xlsx=None, **options):
        actor = User.objects.select_related("region", "organization").filter(username=user).first()
        if actor is None:
            raise CommandError(f"用户 {user} 不存在")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件 {file} 不存在")
        try:
            result = regions_import(actor=actor, data=path.read_bytes(), filename=path.name)
        except RegionImportRefused as refused:
            for line in refused.row_errors.lines():
                self.stderr.write(line)
            if errors_xlsx:
                Path(errors_xlsx).write_bytes(errors_workbook(refused.row_errors))
            raise CommandError(refused.message) from None
        except DomainError as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(f"已导入：{result.summary()}")
        for line in result.renamed:
            self.stdout.write(f"更名：{line}")
