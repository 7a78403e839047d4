"""manage.py import_registry FILE --user USERNAME: the page's import, from a shell (large files, scripts)."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.registry import imports

SHOWN_ERRORS = 200


class Command(BaseCommand):
    help = "从 Excel、CSV 或 Parquet 文件导入家庭和成员（全部正确才导入；同一文件不重复导入）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="以该用户的身份和管辖范围导入")
        parser.add_argument("--errors-xlsx", help="有问题时把完整的错误报告写入此 xlsx 文件")

    def handle(self, *args, file, user, errors_xlsx=None, **options):
        try:
            actor = User.objects.select_related("region", "organization").get(username=user, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"用户 {user} 不存在或已停用") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件 {file} 不存在")
        try:
            result = imports.import_file(path, path.name, actor=actor)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        if result.ok:
            self.stdout.write(result.message)
            self.stdout.write(f"家庭 {result.households}，人员 {result.persons}，批次 {result.batch.pk}")
            return
        items = result.errors.items
        for line in result.errors.lines()[:SHOWN_ERRORS]:
            self.stderr.write(line)
        if len(items) > SHOWN_ERRORS:
            self.stderr.write(f"……共 {len(items)} 处问题，以上为前 {SHOWN_ERRORS} 处")
        if errors_xlsx:
            Path(errors_xlsx).write_bytes(imports.errors_workbook(result.errors))
            self.stderr.write(f"完整的错误报告已写入 {errors_xlsx}")
        raise CommandError(result.message)
