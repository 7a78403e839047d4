from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.auth import api_token_issue
from jiuzhu.core.models import Organization, User


class Command(BaseCommand):
    help = "为部门系统签发接口令牌（令牌只显示一次；签发人须为该机构所在地区的系统管理员）"

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="机构名称")
        parser.add_argument("--name", required=True, help="用途，如“医保结算数据推送”")
        parser.add_argument("--by", required=True, help="签发人用户名（系统管理员）")

    def handle(self, *args, organization, name, by, **options):
        org = Organization.objects.select_related("region").filter(name=organization).first()
        if org is None:
            raise CommandError(f"机构不存在：{organization}")
        actor = User.objects.select_related("region", "organization").filter(username=by).first()
        if actor is None:
            raise CommandError(f"用户不存在：{by}")
        try:
            _token, raw = api_token_issue(actor=actor, organization=org, name=name)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"令牌（只显示这一次，请妥善保存）：{raw}")
