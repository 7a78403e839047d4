import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from jiuzhu.core.demo import DEMO_PASSWORD, build_world
from jiuzhu.core.models import Role
from jiuzhu.demo.decided import decided_cases
from jiuzhu.familysearch.demo import populate as populate_notices
from jiuzhu.followup.demo import populate as populate_followup
from jiuzhu.funds.demo import populate as populate_funds
from jiuzhu.funds.fund_demo import populate as populate_fund_services
from jiuzhu.intake.demo import populate as populate_intake
from jiuzhu.monitoring.demo import populate as populate_monitoring
from jiuzhu.registry.assessment import assess
from jiuzhu.registry.demo import populate, seed_standards
from jiuzhu.rescue.demo import populate as populate_rescue


class Command(BaseCommand):
    help = "生成演示数据（确定性：同一种子得到同样的数据；重复运行不重复生成）"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261123)
        parser.add_argument("--persons", type=int, default=20_000, help="人员数（按 1 万人一批，最多 100 万）")
        parser.add_argument("--villages", type=int, default=6, help="每个乡镇的村（社区）数")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, seed, persons, villages, quiet, **options):
        started = time.monotonic()
        world = build_world(villages_per_township=villages)

        def progress(done, total):
            if not quiet:
                self.stdout.write(f"  人员数据 {done}/{total} 批")

        seed_standards(world["city"])
        added = populate(seed=seed, persons=persons, villages=world["villages"], progress=progress)
        # Recommendations for approvers to work through, as of today (the means test covers the 12 months
        # before the day the demo was built); unchanged households are skipped on re-runs.
        tiers = assess(on=timezone.localdate(), region=world["city"])
        intake = populate_intake()  # the windows' applications, referrals and hotline calls, through intake's services
        if not quiet:
            self.stdout.write("  救助管理站：站点位置、巡查、发现报告和救助记录")
        rescue = populate_rescue(seed=seed)  # the stations' street work and rescue records, through rescue's services
        if not quiet:
            self.stdout.write("  回访：返乡台账、回访计划和易流浪走失人员")
        followup = populate_followup(seed=seed)  # returnees, visits, at-risk registry, through follow-up's services
        if not quiet:
            self.stdout.write("  寻亲：公告、推送订阅、寻亲登记、线索和 DNA 比对")
        notices = populate_notices()  # family-search notices of unidentified clients, through the services
        if not quiet:
            self.stdout.write("  动态监测：部门数据、预警比对和预警处置")
        monitoring = populate_monitoring(seed=seed)  # feeds, a run, warnings handled, through monitoring's services
        if not quiet:
            self.stdout.write("  资金发放：救助金、收款账户、发放花名册、托底救助基金和购买服务")
        funds = populate_funds()  # grants, accounts, last month's approved roll with its return file, this month's roll
        # The city's safety-net fund, its counties' decided cases paid from it; service contracts and records.
        fund = populate_fund_services(cases=decided_cases())
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"演示数据就绪：新增 {added['households']} 户 {added['persons']} 人，"
            f"已存在 {added['chunks_skipped']} 批未重复生成；分层评估新增建议 {tiers['written']} 条；"
            f"救助申请 {intake['applications']} 件、热线来电 {intake['calls']} 个；"
            f"救助记录 {rescue['cases']} 条、发现报告 {rescue['sightings']} 件、街面巡查 {rescue['patrols']} 次；"
            f"返乡台账 {followup['returnees']} 人、易流浪走失人员 {followup['at_risk']} 人；"
            f"寻亲公告 {notices['notices']} 份（已发布 {notices['published']} 份）、"
            f"推送订阅 {notices['subscribers']} 个、寻亲登记 {notices['reports']} 件；"
            f"部门数据 {monitoring['batches']} 批 {monitoring['rows']} 行、新预警 {monitoring['warnings']} 条；"
            f"发放花名册 {funds['rolls']} 册、救助金 {funds['grants']} 笔；"
            f"托底救助基金收支 {fund['entries']} 笔、购买服务记录 {fund['records']} 条；"
            f"用时 {seconds:.1f} 秒"))
        if not quiet:
            self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
            for username, name, roles in world["accounts"]:
                labels = "、".join(Role(r).label for r in roles)
                self.stdout.write(f"  {username:<22} {labels:<12} {name}")
