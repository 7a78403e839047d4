"""manage.py upload_feed FILE --kind K --user U [--organization NAME] [--accept-partial]: the feed upload of
the page and the API, from a shell. A file with errors is held (待确认) unless --accept-partial stores it
without its bad rows; --errors-xlsx / --errors-csv write the row/column report, --rejected-xlsx the bad rows.
Exits non-zero when the file is refused as a whole."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Organization, User
from jiuzhu.monitoring import feeds
from jiuzhu.monitoring.feeds_schema import FEED_SCHEMAS

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "上传部门数据（Excel、CSV 或 Parquet）：逐行检查，存为 Parquet；同一文件重复上传不会重复接收"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=sorted(FEED_SCHEMAS), help="数据类型")
        parser.add_argument("--user", required=True, help="以该用户的身份和管辖范围上传")
        parser.add_argument("--organization", help="数据来源部门的名称（民政经办代部门上传时必填）")
        parser.add_argument("--accept-partial", action="store_true", help="有错误行时，其余各行直接入库")
        parser.add_argument("--errors-xlsx", help="把错误报告写入此 xlsx 文件")
        parser.add_argument("--errors-csv", help="把错误报告写入此 csv 文件")
        parser.add_argument("--rejected-xlsx", help="把未入库的行写入此 xlsx 文件")

    def handle(self, *args, file, kind, user, organization=None, accept_partial=False, errors_xlsx=None,
               errors_csv=None, rejected_xlsx=None, **options):
        try:
            actor = User.objects.select_related("region", "organization").get(username=user, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"用户 {user} 不存在或已停用") from None
        org = None
        if organization:
            org = Organization.objects.filter(name=organization).first()
            if org is None:
                raise CommandError(f"没有名为“{organization}”的机构")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件 {file} 不存在")
        try:
            feeds.check_feed_size(path.stat().st_size)  # before a byte is read
            result = feeds.feed_upload(actor=actor, kind=kind, data=path.read_bytes(), filename=path.name,
                                       organization=org, accept_partial=accept_partial)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        batch = result.batch
        self.stdout.write(result.message)
        self.stdout.write(f"批次 {batch.pk}（{batch.get_status_display()}）：总行数 {batch.rows_total}，"
                          f"入库 {batch.rows_stored}，错误行 {batch.rows_rejected}")
        if result.status == "already_received":
            return
        for target, fmt, make in ((errors_xlsx, "xlsx", feeds.report_file), (errors_csv, "csv", feeds.report_file),
                                  (rejected_xlsx, "xlsx", feeds.rejected_file)):
            if target and (batch.rows_rejected or make is feeds.report_file):
                data, _, _ = make(actor=actor, batch=batch, fmt=fmt)
                Path(target).write_bytes(data)
                self.stderr.write(f"已写入 {target}")
        if result.validated is not None:
            for e in result.validated.errors[:SHOWN_ERRORS]:
                sheet = f"工作表“{e['sheet']}”" if e.get("sheet") else ""
                letter = f"{e['letter']}列 " if e.get("letter") else ""
                self.stderr.write(f"{sheet}第{e['row']}行 {letter}{e['column']}：{e['message']}")
            if len(result.validated.errors) > SHOWN_ERRORS:
                self.stderr.write(f"……共 {len(result.validated.errors)} 处错误，以上为前 {SHOWN_ERRORS} 处")
