"""Printable forms (issue 14): the 审批表 and the 告知书 of a decision. view_registry + jurisdiction (404 outside),
each person shown audited as read, A4 print stylesheet, no menu or buttons on paper."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import member
from jiuzhu.core.models import AuditLog
from jiuzhu.registry import services
from jiuzhu.registry.models import IncomeItem, TierDecision


def _approval(decision):
    return f"/registry/decisions/{decision.pk}/print/approval/"


def _notice(decision):
    return f"/registry/decisions/{decision.pk}/print/notice/"


@pytest.fixture
def decided(dibao_household):
    return TierDecision.objects.get(household=dibao_household, status="confirmed")


def test_the_approval_form_shows_household_members_means_figures_decision_and_signature_boxes(
        decided, client_for, persona):
    household = decided.household
    wrong = IncomeItem.objects.create(household=household, kind="business", amount=Decimal("99999"),
                                      period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31))
    services.means_void(actor=persona("longhui_officer"), household=household, item="income", item_id=wrong.pk,
                        reason="重复登记")
    response = client_for("longhui_officer").get(_approval(decided))
    assert response.status_code == 200
    page = response.content.decode()
    assert "最低生活保障审核确认审批表" in page
    assert "张建国" in page and "李秀英" in page
    assert "工资性收入" in page and "2025-07-01 至 2026-06-30" in page  # the means test with its period
    assert "99999" not in page  # a voided entry is not on the form
    assert "人均月收入</th><td>300.00 元" in page
    assert "适用低保标准</th><td>600.00 元／月（农村）" in page
    assert "已确认：认定为低保对象" in page
    assert "2026年7月1日 至 2027年6月30日" in page
    assert "县民政审批员" in page  # the approver
    for box in ("申请人（户主）签字", "村（居）委会意见", "乡镇人民政府（街道办事处）审核意见",
                "县级人民政府民政部门审核确认意见"):
        assert box in page
    assert 'href="/static/jiuzhu/print.css"' in page and 'class="print-toolbar"' in page
    assert 'class="topbar"' not in page  # no menu on the form


def test_the_print_stylesheet_is_a4_and_hides_the_toolbar():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "jiuzhu" / "print.css").read_text()
    assert "@page { size: A4;" in css
    assert ".print-toolbar, .no-print { display:none !important; }" in css


def test_the_notice_of_approval_names_tier_amount_start_and_appeal(decided, client_for, persona):
    services.grant_create(actor=persona("longhui_officer"), household=decided.household, category="basic_living",
                          monthly_amount=Decimal(600), period_start=dt.date(2026, 7, 1))
    page = client_for("longhui_officer").get(_notice(decided)).content.decode()
    assert "社会救助审核确认告知书" in page
    assert "您家庭（住址：湖南省邵阳市隆回县桃洪镇红星社区3组12号）" in page  # the village named once
    assert "认定为<strong>低保对象</strong>，保障人口 2 人" in page
    assert "月救助金额为 <strong>600.00 元</strong>，自 <strong>2026年7月1日</strong> 起发放" in page
    assert "60 日内向隆回县人民政府申请行政复议" in page
    assert "6 个月内依法向人民法院提起行政诉讼" in page


def test_the_notice_of_refusal_gives_the_reason(dibao_household, client_for, persona):
    services.tier_assess_household(actor=persona("longhui_officer"), household=dibao_household,
                                   on=dt.date(2026, 6, 30))
    pending = TierDecision.objects.filter(household=dibao_household, status="recommended").first() or \
        TierDecision.objects.create(household=dibao_household, assessed_on=dt.date(2026, 6, 30),
                                    recommended_tier="dibao", tier="dibao", members=2)
    services.tier_decision_override(actor=persona("longhui_approver"), decision=pending, tier="none",
                                    reason="入户核实家庭有经营收入未申报")
    page = client_for("longhui_window").get(_notice(pending)).content.decode()
    assert "不予批准社会救助告知书" in page
    assert "决定：<strong>不予批准</strong>。" in page
    assert "<li>入户核实家庭有经营收入未申报</li>" in page
    assert "申请行政复议" in page and "提起行政诉讼" in page


def test_a_pending_decision_has_an_approval_form_but_no_notice(dibao_household, client_for):
    pending = TierDecision.objects.create(household=dibao_household, assessed_on=dt.date(2026, 6, 30),
                                          recommended_tier="dibao", tier="dibao", members=2)
    officer = client_for("longhui_officer")
    assert "待审批（建议认定为低保对象）" in officer.get(_approval(pending)).content.decode()
    page = officer.get(_notice(pending)).content.decode()
    assert "该认定尚未审批，不能出具告知书" in page and "告知书</h1>" not in page


@pytest.mark.parametrize("url", [_approval, _notice])
def test_another_countys_decision_is_404_and_not_audited(decided, client_for, url):
    before = AuditLog.objects.filter(action="read").count()
    assert client_for("dongkou_officer").get(url(decided)).status_code == 404
    assert AuditLog.objects.filter(action="read").count() == before


@pytest.mark.parametrize("url", [_approval, _notice])
@pytest.mark.parametrize("username", ["longhui_analyst", "longhui_admin", "longhui_auditor"])
def test_printing_needs_the_view_capability(decided, client_for, url, username):
    assert client_for(username).get(url(decided)).status_code == 403


def test_a_coordinator_prints_only_in_their_village(decided, client_for, register):
    from conftest import VILLAGE_A2

    assert client_for("longhui_coordinator").get(_approval(decided)).status_code == 200
    other = register(village=VILLAGE_A2, members=[member("王五", "head", seq=31)])
    pending = TierDecision.objects.create(household=other, assessed_on=dt.date(2026, 6, 30),
                                          recommended_tier="dibao", tier="dibao", members=1)
    assert client_for("longhui_coordinator").get(_approval(pending)).status_code == 404


@pytest.mark.parametrize("url,purpose", [(_approval, "print_approval"), (_notice, "print_notice")])
def test_every_person_on_the_form_is_audited_as_read(decided, client_for, url, purpose):
    household = decided.household
    client = client_for("longhui_officer")
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client.get(url(decided))
    rows = list(AuditLog.objects.filter(pk__gt=last, action="read").select_related("actor"))
    persons = sorted(r.person_id for r in rows if r.detail.get("purpose") == purpose)
    assert persons == sorted(household.members.values_list("pk", flat=True))
    assert {r.actor.username for r in rows} == {"longhui_officer"}


def test_the_household_page_links_to_the_forms(decided, client_for):
    page = client_for("longhui_window").get(f"/registry/households/{decided.household_id}/").content.decode()
    assert f'href="{_approval(decided)}"' in page and f'href="{_notice(decided)}"' in page


def test_an_unknown_decision_is_404(client_for):
    assert client_for("longhui_officer").get("/registry/decisions/999999/print/approval/").status_code == 404


def test_the_approval_form_shows_coverage_and_warnings_in_chinese(decided, client_for):
    decided.facts = {**decided.facts, "coverage": {"income": "2025-07 至 2026-06", "expense": "无记录",
                                                   "asset": "截至 2026-06-30"},
                     "warnings": ["收入记录只覆盖评估期 12 个月中的 3 个月"]}
    decided.save(update_fields=["facts"])
    page = client_for("longhui_officer").get(_approval(decided)).content.decode()
    assert "数据覆盖：收入 2025-07 至 2026-06；刚性支出 无记录；财产 截至 2026-06-30" in page
    assert "<strong>提示：</strong>收入记录只覆盖评估期 12 个月中的 3 个月" in page


def test_amounts_show_two_decimals_on_the_form_and_the_decision_page(decided, client_for):
    # The facts' JSON holds floats (289695.0) and integers (600): written as money, 289695.00; counts as counted.
    decided.facts = {**decided.facts, "deposits": 289695.0, "rigid": 1200, "vehicles": 1, "vehicle_value": 30000.5}
    decided.save(update_fields=["facts"])
    form = client_for("longhui_officer").get(_approval(decided)).content.decode()
    assert "289695.00" in form and "1200.00" in form and "30000.50" in form and "289695.0<" not in form
    assert ">1<" in form.replace(" ", "")  # 机动车辆（辆）: a count, not 1.00
    page = client_for("longhui_approver").get(f"/registry/queue/{decided.pk}/").content.decode()
    assert "存款合计</dt><dd>289695.00 元" in page and "1 辆，30000.50 元" in page
