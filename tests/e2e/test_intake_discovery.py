"""主动发现 → 一门受理 in the browser, on a desk and on a 390×844 phone: the 桃洪镇 window officer opens a warning
about a registry household's head, follows 代为提出救助申请, finds the form filled in from the registry (name,
ID number, phone, village), ticks an item, describes the circumstances and saves; the application names the
warning as its lead and links back to it."""

# ruff: noqa: F811 - the fixtures imported below are the tests' arguments
from jiuzhu.intake.models import Application, Channel
from jiuzhu.monitoring.tests.conftest import indicator, make_warning  # noqa: F401 - fixtures
from jiuzhu.registry.tests.conftest import dibao_household, standards  # noqa: F401 - fixtures
from tests.e2e.conftest import open_menu, shooter, sign_in

shot = shooter("intake-discovery")


def test_a_warning_becomes_an_application_at_the_window(open_page, make_warning, dibao_household):
    warning = make_warning(household=dibao_household)
    head = dibao_household.head
    page = open_page()
    sign_in(page, "longhui_window")
    open_menu(page, "预警处置")
    with page.expect_navigation():
        page.get_by_role("link", name=f"预警 #{warning.pk}", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="代为提出救助申请（一门受理）").click()
    assert page.get_by_label("申请人姓名").input_value() == head.name
    assert page.get_by_label("身份证号码", exact=True).input_value() == head.id_number
    assert page.get_by_label("申请渠道").input_value() == Channel.DISCOVERY
    shot(page, "form")
    page.get_by_label("医疗救助（20 个工作日）").check()
    page.get_by_label("困难情况", exact=True).fill("监测预警：年内自付医疗费用较高，入户核实属实")
    with page.expect_navigation():
        page.get_by_role("button", name="保存并受理").click()
    application = Application.objects.get()
    assert application.channel == Channel.DISCOVERY and application.source_ref == f"warning:{warning.pk}"
    assert application.person_id == head.pk and application.region_id == head.region_id
    shot(page, "saved")
    with page.expect_navigation():
        page.get_by_role("link", name=f"动态监测预警 #{warning.pk}").click()
    assert page.url.endswith(f"/monitoring/warnings/{warning.pk}/")
