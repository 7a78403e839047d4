from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction


class Command(BaseCommand):
    help = ("PostgreSQL：授予应用连接所用的角色读写业务表的权限，审计日志表只许 INSERT 和 SELECT。"
            "以表的所有者运行（DATABASE_MIGRATE_URL），首次 migrate 之后运行一次，重复运行无害")

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", default=settings.DATABASE_APP_ROLE,
                            help="应用的数据库角色（默认取 DATABASE_URL 中的用户名）")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role 只适用于 PostgreSQL（SQLite 没有数据库角色）")
        if not role:
            raise CommandError("请指定应用的数据库角色，或在 DATABASE_URL 中写明用户名")
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("""SELECT r.rolsuper, pg_has_role(r.oid, t.tableowner, 'MEMBER'), current_schema()
                              FROM pg_roles r, pg_tables t
                              WHERE r.rolname = %s AND t.tablename = 'core_auditlog'
                                AND t.schemaname = current_schema()""", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"数据库角色不存在：{role}（或尚未运行 migrate）")
            superuser, owner, schema = found
            if superuser or owner:
                raise CommandError(f"角色 {role} 是超级用户或审计表的所有者，不能作为应用角色："
                                   "应用须以另一个只有增删改查权限的角色连接")
            r, s = quote(role), quote(schema)
            statements = [
                f"GRANT USAGE ON SCHEMA {s} TO {r}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
                # Tables the owner creates in later migrations.
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            ]
            # No MAINTAIN (PostgreSQL 17): a bulk load's ANALYZE and index rebuild go through the owner's functions
            # (migrations core 0020 and 0021), which do that and nothing else.
            # the log and the person lists of its bulk rows (core_auditpersonset): insert and read only
            for table in ("core_auditlog", "core_auditpersonset"):
                statements += [f"REVOKE ALL ON {s}.{table} FROM {r}", f"GRANT SELECT, INSERT ON {s}.{table} TO {r}"]
            for sql in statements:
                cursor.execute(sql)
        self.stdout.write(f"已为角色 {role} 授权：业务表可增删改查，审计日志表只可插入和查询")
