"""系统管理员 builds a county's rule in the rule builder (a wrong threshold first, then a right one), dry-runs
it and saves it as a new version; 民政经办 starts a comparison run and sees it finish. Desk and phone."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from jiuzhu.core.models import Region
from jiuzhu.monitoring.indicators_seed import seed_indicators
from jiuzhu.monitoring.models import ComparisonRun, Indicator, IndicatorVersion
from tests.e2e.conftest import open_menu, shooter, sign_in

THRESHOLD = re.compile(r"^阈值(?!口径)")  # the label, with its error when there is one; not 阈值口径


@pytest.fixture
def seeded(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_indicators(Indicator, IndicatorVersion, Region)  # again after the browser tests' flush


shot = shooter("rule_builder")


def test_administrator_builds_a_rule_and_an_officer_runs_the_comparison(open_page, seeded):
    admin = open_page()
    sign_in(admin, "longhui_admin")
    open_menu(admin, "预警规则设置")
    for label in ("主动发现", "需求预警", "动态管理", "政策落实"):
        assert admin.get_by_role("heading", name=label).count() == 1
    shot(admin, "1-catalogue")
    with admin.expect_navigation():
        admin.get_by_role("link", name="其他库内人员医疗自付费用高").click()
    admin.get_by_label(THRESHOLD).fill("一万")
    valid_from = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    admin.get_by_label("生效日期").fill(valid_from)
    admin.get_by_label("修改说明").fill("县定：自付超过八千元即预警")
    with admin.expect_navigation():
        admin.get_by_role("button", name="保存为新版本").click()
    assert "阈值：应为数字，“一万”不是数字" in admin.locator(".error").all_inner_texts()[0]
    shot(admin, "2-error")
    admin.get_by_label(THRESHOLD).fill("8000")
    admin.get_by_label("办理时限（工作日）").fill("7")
    with admin.expect_navigation():
        admin.get_by_role("button", name="试运行（统计将触发的预警数）").click()
    assert "将触发 0 条" in admin.locator("#dry-run-result").inner_text()
    shot(admin, "3-dry-run")
    with admin.expect_navigation():
        admin.get_by_role("button", name="保存为新版本").click()
    assert "已保存“其他库内人员医疗自付费用高”的新版本" in admin.inner_text("body")
    version = IndicatorVersion.objects.latest("pk")
    assert (version.region.code, version.rule["threshold"], version.rule["deadline_days"]) == ("430524", 8000, 7)
    history = admin.locator("table").last.inner_text()
    assert "县定：自付超过八千元即预警" in history and valid_from in history
    shot(admin, "4-saved")

    officer = open_page()
    sign_in(officer, "longhui_officer")
    open_menu(officer, "比对批次")
    officer.get_by_label("区划").select_option("430524")
    with officer.expect_navigation():
        officer.get_by_role("button", name="开始比对").click()
    officer.get_by_text("比对完成").wait_for(timeout=30_000)
    assert ComparisonRun.objects.get().status == "finished"
    shot(officer, "5-run-finished")
    open_menu(officer, "比对批次")
    assert "已完成" in officer.locator("table").inner_text()
