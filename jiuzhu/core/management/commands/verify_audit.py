from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiuzhu.core.audit import verify_chain


def _when(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S") if at else "时间不明"


class Command(BaseCommand):
    help = "校验审计日志的哈希链：报告第一处断链（记录编号、时间），链完整时退出码为 0"

    def add_arguments(self, parser):
        parser.add_argument("--anchor", metavar="编号:哈希",
                            help="此前记下的“末条”编号与哈希；链必须仍经过这一条（整体重写也能发现）")
        parser.add_argument("--database", default="default")

    def handle(self, *args, anchor=None, database="default", **options):
        anchor_pair = None
        if anchor:
            row_id, _, digest = anchor.partition(":")
            if not row_id.isdigit() or len(digest) != 64:
                raise CommandError("--anchor 的格式应为“编号:64位哈希”，例如 1024:3fa9…")
            anchor_pair = (int(row_id), digest.lower())
        report = verify_chain(using=database, anchor=anchor_pair)
        problems = []
        if report.missing_triggers:
            problems.append("审计日志的保护触发器缺失或被停用：" + "、".join(report.missing_triggers))
        if report.broken_id is not None:
            where = f"第 {report.broken_id} 条记录（{_when(report.broken_at)}）"
            if report.reason == "content":
                problems.append(f"审计日志在{where}断链：该条内容与其哈希不符，记录在写入后被改动")
            elif report.reason == "persons":
                problems.append(f"审计日志在{where}断链：该条记录的人员名单与其哈希不符，名单在写入后被改动")
            else:
                problems.append(f"审计日志在{where}断链：其前一条记录被删除、插入或改动")
        if report.anchor_ok is False:
            problems.append(f"审计日志不再经过锚点第 {anchor_pair[0]} 条：日志被整体重写或该条被删除")
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(f"审计日志完整：共 {report.rows} 条")
        if report.head_id is not None:
            self.stdout.write(f"末条：{report.head_id}:{report.head_hash}（请另行记下，下次以 --anchor 校验）")
