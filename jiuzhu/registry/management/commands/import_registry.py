"""manage.py import_registry FILE --user USERNAME: the page's import, from a shell (large files, scripts).
Exits non-zero when the file is refused; --errors-xlsx / --errors-csv write the cell report."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.registry import imports

SHOWN_ERRORS = 200


def _month(value: str) -> dt.date:
    try:
        year, month = value.replace("/", "-").split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(f"--month 应为年月，如 2026-11（收到“{value}”）") from None


class Command(BaseCommand):
    help = "从 Excel、CSV 或 Parquet 文件导入家庭和成员及其保障信息（全部正确才导入；同一文件或同一内容不重复导入）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="以该用户的身份和管辖范围导入")
        parser.add_argument("--mapping", help="使用已保存的列对应方案（按名称）")
        parser.add_argument("--month", help="名册所属年月（如 2026-11）；不填时取标题中的年月或本月")
        parser.add_argument("--errors-xlsx", help="有问题或提示时把完整的报告写入此 xlsx 文件")
        parser.add_argument("--errors-csv", help="有问题或提示时把完整的报告写入此 csv 文件")

    def handle(self, *args, file, user, mapping=None, month=None, errors_xlsx=None, errors_csv=None, **options):
        try:
            actor = User.objects.select_related("region", "organization").get(username=user, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"用户 {user} 不存在或已停用") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件 {file} 不存在")
        try:
            saved = imports.named_mapping(mapping) if mapping else None
            result = imports.import_file(path, path.name, actor=actor, saved=saved,
                                         month=_month(month) if month else None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        report = result.errors if (result.errors.items or result.errors.notices) else None
        if report is not None:
            if errors_xlsx:
                Path(errors_xlsx).write_bytes(imports.errors_workbook(report))
                self.stderr.write(f"完整的报告已写入 {errors_xlsx}")
            if errors_csv:
                Path(errors_csv).write_bytes(imports.errors_csv(report))
                self.stderr.write(f"完整的报告已写入 {errors_csv}")
        if result.ok:
            self.stdout.write(result.message)
            self.stdout.write(f"家庭 {result.households}，人员 {result.persons}，批次 {result.batch.pk}")
            if result.errors.notices:
                self.stdout.write(f"提示 {len(result.errors.notices)} 处（已自动规范，详见报告）")
            return
        items = result.errors.items
        for line in result.errors.lines()[:SHOWN_ERRORS]:
            self.stderr.write(line)
        if len(items) > SHOWN_ERRORS:
            self.stderr.write(f"……共 {len(items)} 处问题，以上为前 {SHOWN_ERRORS} 处")
        raise CommandError(result.message)
