"""A township officer (乡镇窗口经办) handles warnings to the end on a desk and on a 390×844 phone: records the
field visit (铁脚板核实) with a photo, and disposes of warnings each of the four ways — implement policy (a
person found outside the registry, registered through the prefilled form), refer to a department (the
department clerk answers in its inbox, the officer closes it), case conference (一事一议), verify and
terminate (the approver decides, the registry ends the tier) — and rebuts a death warning with a 未死亡证明."""

# ruff: noqa: F811 - the fixtures imported below are the tests' arguments
import datetime as dt

import pytest

from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.monitoring.models import Disposition, WarningReferral, WarningStatus
from jiuzhu.monitoring.tests.conftest import (  # noqa: F401 - fixtures
    death_indicator,
    discovery_indicator,
    indicator,
    make_warning,
)
from jiuzhu.registry.models import DecisionStatus, Household, TierDecision
from jiuzhu.registry.tests.conftest import dibao_household, standards  # noqa: F401 - fixtures
from tests.e2e.conftest import open_menu, shooter, sign_in

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000
PDF = b"%PDF-1.4\n% proof\n" + b"0" * 500
FOUND = make_id_number("430524", dt.date(1975, 2, 3), 77)


@pytest.fixture
def scans(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo, proof = tmp_path / "现场照片.jpg", tmp_path / "未死亡证明.pdf"
    photo.write_bytes(JPEG)
    proof.write_bytes(PDF)
    return {"photo": photo, "proof": proof}


shot = shooter("warning")


def open_warning(page, warning) -> None:
    open_menu(page, "预警处置")
    with page.expect_navigation():
        page.get_by_role("link", name=f"预警 #{warning.pk}", exact=True).click()


def record_visit(page, *, photo=None) -> None:
    form = page.locator("#visit-form form")
    form.get_by_label("核实人员").fill("李明、王芳（村协理员）")
    form.get_by_label("核实情况").fill("入户查看，住院自付费用属实，家庭生活困难")
    form.get_by_label("核实结论").select_option(label="情况属实")
    if photo:
        form.get_by_label("照片或材料（可选）").set_input_files(photo)
    with page.expect_navigation():
        form.get_by_role("button", name="保存核实").click()
    assert "入户核实已登记" in page.locator(".messages").inner_text()


def submit(page, form, button: str) -> None:
    with page.expect_navigation():
        form.get_by_role("button", name=button).click()


def test_township_officer_visits_and_disposes_by_case_conference_policy_and_rebuttal(
        page, scans, make_warning, dibao_household, death_indicator, discovery_indicator):
    need = make_warning(household=dibao_household)
    death = make_warning(household=dibao_household, of=death_indicator,
                         evidence={"feed": "death_public_security", "death_date": "2026-05-01"})
    village = dibao_household.region
    found = make_warning(of=discovery_indicator, region=village, subject_name="赵小红",
                         subject_id_hash=keyed_hash(FOUND))
    sign_in(page, "longhui_window")
    assert "待入户核实的预警" in page.locator("main").inner_text()

    # 铁脚板核实 with a photo, then 一事一议
    open_warning(page, need)
    shot(page, "1-detail")
    record_visit(page, photo=scans["photo"])
    assert "现场照片.jpg" in page.locator("main").inner_text()
    page.locator("#conference-form summary").click()
    form = page.locator("#conference-form form")
    form.get_by_label("议事日期").fill(dt.date.today().isoformat())
    form.get_by_label("参会人员").fill("镇长、村支书、协理员")
    form.get_by_label("议定事项").fill("给予一次性临时救助，协助申请医疗救助")
    # the window records the decision; the amount is started as a grant by the county officer (PROPOSE_GRANTS)
    assert "议定救助金额须由县级民政经办人员登记" in form.inner_text()
    shot(page, "2-conference")
    submit(page, form, "登记并办结")
    need.refresh_from_db()
    assert (need.status, need.disposition) == (WarningStatus.CLOSED, Disposition.CASE_CONFERENCE)
    assert "一事一议" in page.locator("#history ~ ol").inner_text()

    # a death warning rebutted with 未死亡证明
    open_warning(page, death)
    page.locator("#rebut-form summary").click()
    form = page.locator("#rebut-form form")
    form.get_by_label("未死亡证明（PDF、JPEG 或 PNG）").set_input_files(scans["proof"])
    form.get_by_label("核实说明").fill("本人健在，户籍注销系误报")
    submit(page, form, "上传并核销")
    death.refresh_from_db()
    assert (death.status, death.disposition) == (WarningStatus.CLOSED, Disposition.REBUTTED)
    shot(page, "3-rebutted")

    # implement policy for a person outside the registry: the registration form opens prefilled
    open_warning(page, found)
    record_visit(page)
    page.locator("#implement-form summary").click()
    with page.expect_navigation():
        page.get_by_role("link", name="登记该人员的家庭").click()
    assert page.get_by_label("所在村（社区）").input_value() == village.code
    page.get_by_label("住址").fill("红星社区5组3号")
    page.get_by_role("button", name="下一步：成员").click()
    head = page.locator("fieldset.member", has_text="第 1 位成员")
    assert head.get_by_label("姓名").input_value() == "赵小红"
    if not head.get_by_label("身份证号码").is_visible():  # a member with a name comes folded: open it
        head.get_by_role("button", name="修改").click()
    head.get_by_label("身份证号码").fill(FOUND)
    for step in ("下一步：收入与财产", "下一步：材料", "下一步：核对"):
        page.get_by_role("button", name=step).click()
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    household = Household.objects.exclude(pk=dibao_household.pk).get()
    page.goto(f"{page.base_url}/monitoring/warnings/{found.pk}/")
    page.locator("#implement-form summary").click()
    form = page.locator("#implement-form form")
    form.get_by_label("说明（可选）").fill("已登记入库，待家计调查")
    submit(page, form, "落实并办结")
    found.refresh_from_db()
    assert (found.status, found.household_id) == (WarningStatus.CLOSED, household.pk)
    shot(page, "4-implemented")


def test_referral_answered_by_the_department_and_a_termination_decided_by_the_approver(
        page, open_page, scans, make_warning, dibao_household):
    referred = make_warning(household=dibao_household)
    terminated = make_warning(household=dibao_household)
    sign_in(page, "longhui_window")

    # 转介部门 with a deadline in working days
    open_warning(page, referred)
    record_visit(page)
    page.locator("#refer-form summary").click()
    form = page.locator("#refer-form form")
    form.get_by_label("转介部门").select_option(label="隆回县医疗保障局")
    form.get_by_label("转介事项").fill("请核实该户医保报销及医疗救助落实情况")
    form.get_by_label("答复期限（工作日）").fill("5")
    submit(page, form, "转介")
    assert "等待部门答复" in page.locator("main").inner_text()

    clerk = open_page()
    sign_in(clerk, "longhui_clerk")
    assert "转介本部门、待答复的预警" in clerk.locator("main").inner_text()
    open_menu(clerk, "预警处置")  # a department's list is its inbox
    assert "请核实该户医保报销" in clerk.locator("main").inner_text()
    card = clerk.locator(f"#referral-{WarningReferral.objects.get().pk}")
    card.get_by_label("办理结果").fill("已按规定报销，医疗救助已到账")
    shot(clerk, "5-inbox")
    submit(clerk, card, "提交答复")
    assert "已答复预警" in clerk.locator(".messages").inner_text()

    page.reload()
    form = page.locator("#close-form form")
    form.get_by_label("办结意见").fill("部门已落实，办结")
    submit(page, form, "办结")
    referred.refresh_from_db()
    assert (referred.status, referred.disposition) == (WarningStatus.CLOSED, Disposition.REFER_DEPARTMENT)

    # 核查终止: proposed by the township, decided by the approver
    open_warning(page, terminated)
    record_visit(page)
    page.locator("#terminate-form summary").click()
    form = page.locator("#terminate-form form")
    form.get_by_label("终止项目").select_option(index=1)
    form.get_by_label("终止日期").fill("2026-12-31")
    form.get_by_label("终止理由").fill("家庭成员已稳定就业，收入超过低保标准")
    submit(page, form, "提请审批")
    assert "已提请核查终止，等待审批" in page.locator(".messages").inner_text()
    shot(page, "6-proposed")

    approver = open_page()
    sign_in(approver, "longhui_approver")
    open_menu(approver, "核查终止审批")
    assert "收入超过低保标准" in approver.locator("main").inner_text()
    shot(approver, "7-terminations")
    submit(approver, approver.locator("main form").first, "批准终止")
    terminated.refresh_from_db()
    assert terminated.status == WarningStatus.CLOSED
    assert TierDecision.objects.get(household=dibao_household, status=DecisionStatus.ENDED).valid_to == \
        dt.date(2026, 12, 31)
    page.goto(f"{page.base_url}/registry/households/{dibao_household.pk}/#chain")
    chain = page.locator("ol.timeline").inner_text()
    assert "终止层级认定" in chain and "核查终止：审批同意" in chain and "转介隆回县医疗保障局" in chain
