"""审计 (issue 14): the auditor finds who viewed a person by ID number, on a desk and a phone. The officer opens
the person's page (the read is audited); the auditor opens 审计日志, searches by the ID number and sees the
officer's read in Chinese (role and user, time, purpose, where from); exports the result, and the export's
own row says what was exported. The auditor learns nothing of the person's record."""

import datetime as dt

from django.utils import timezone

from conftest import VILLAGE_A
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number, mask_id_number
from jiuzhu.core.models import AuditLog, Region
from jiuzhu.registry.models import Household, Person
from tests.e2e.conftest import SCREENSHOTS, open_menu, sign_in

BORN = dt.date(1956, 9, 23)


def _person(name: str, seq: int) -> Person:
    region = Region.objects.get(code=VILLAGE_A)
    number = make_id_number(VILLAGE_A[:6], BORN, seq)
    household = Household.objects.create(region=region, address="红星社区5组8号", hukou_type="rural")
    head = Person.objects.create(household=household, region=region, name=name, sex="F", birth_date=BORN,
                                 id_number_cipher=encrypt_text(number), id_number_hash=keyed_hash(number))
    Household.objects.filter(pk=household.pk).update(head=head)
    return head


def test_auditor_finds_who_viewed_a_person_by_id_number(page, open_page, world):
    person = _person("欧阳秀梅", 61)
    number = person.id_number

    officer = open_page()
    sign_in(officer, "longhui_officer")
    officer.goto(f"{officer.base_url}/registry/persons/{person.pk}/")
    assert "欧阳秀梅" in officer.inner_text("main")
    read = AuditLog.objects.filter(username="longhui_officer", action="read", person_id=person.pk).latest("id")

    sign_in(page, "longhui_auditor")
    open_menu(page, "审计日志")
    page.get_by_label("人员身份证号码").fill(number)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td")
    assert [cells.nth(i).inner_text() for i in range(8)] == [
        timezone.localtime(read.at).strftime("%Y-%m-%d %H:%M:%S"), "民政经办 longhui_officer", "隆回县民政局",
        read.ip or "", "查看", f"人员 #{person.pk}", f"人员 #{person.pk}", "用途：查看详情页"]
    body = page.inner_text("body")
    assert "欧阳秀梅" not in body and "红星社区5组8号" not in body  # nothing of the person's record
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"auditor-search-{page.guard.viewport}.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="导出当前查询结果（Excel）").click()
    assert download.value.suggested_filename == f"审计日志_{timezone.localdate():%Y%m%d}.xlsx"
    export = AuditLog.objects.filter(username="longhui_auditor", action="export").get()
    assert (export.detail["count"], export.detail["filters"]) == (1, {"id_number": mask_id_number(number)})

    page.get_by_label("人员身份证号码").fill("")
    page.get_by_label("操作").select_option(label="导出")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert page.locator("tbody tr").count() == 1
    stem = export.detail["filename"].removesuffix(".xlsx")
    assert page.locator('tbody td[data-label="说明"]').inner_text() == (
        f"导出审计日志 1 行（Excel 表格：{stem}）；筛选条件：身份证号码 {mask_id_number(number)}")
