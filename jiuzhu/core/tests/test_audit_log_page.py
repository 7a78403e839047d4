"""The auditor's log page: Chinese objects and purposes, search by a person's ID number or name inside the
auditor's jurisdiction, no registry data revealed, an audited xlsx export that says what it held."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.apps import apps
from openpyxl import load_workbook

from conftest import VILLAGE_A, VILLAGE_B
from jiuzhu.core.audit import audit_read, search_hash
from jiuzhu.core.audit_labels import describe_rows, detail_text
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Region

# Core's tests reach the registry's models through the app registry (core never imports registry).
Household = apps.get_model("registry", "Household")
Person = apps.get_model("registry", "Person")
TierDecision = apps.get_model("registry", "TierDecision")


BORN = dt.date(1970, 5, 17)


def person(village: str, name: str, seq: int) -> Person:
    """A household head written directly (the audit log only reads audit rows about it)."""
    region = Region.objects.get(code=village)
    number = make_id_number(village[:6], BORN, seq)
    hh = Household.objects.create(region=region, address="红星社区3组12号", hukou_type="rural")
    head = Person.objects.create(household=hh, region=region, name=name, sex="M", birth_date=BORN,
                                 id_number_cipher=encrypt_text(number), id_number_hash=keyed_hash(number))
    Household.objects.filter(pk=hh.pk).update(head=head)
    return head


@pytest.fixture
def viewed(persona):
    """张建国 of county A, read by the county's officer (page) and, in a row the county-A auditor must never
    see, by county B's officer; 张建国 of county B, read by a county-A user."""
    zhang = person(VILLAGE_A, "张建国", 31)
    zhang_b = person(VILLAGE_B, "张建国", 41)
    officer = persona("longhui_officer")
    dongkou = persona("dongkou_officer")
    rows = {
        "officer_read": audit_read(officer, zhang, person_id=zhang.pk, detail={"purpose": "page"}),
        "other_county": AuditLog.objects.create(action="read", actor=dongkou, username=dongkou.username,
                                                organization=dongkou.organization, person_id=zhang.pk,
                                                object_type="registry.person", object_id=str(zhang.pk),
                                                detail={"purpose": "page"}),
        "b_person_read": AuditLog.objects.create(action="read", actor=officer, username=officer.username,
                                                 organization=officer.organization, person_id=zhang_b.pk,
                                                 object_type="registry.person", object_id=str(zhang_b.pk),
                                                 detail={"purpose": "list"}),
    }
    return zhang, zhang_b, rows


def number_of(p: Person) -> str:
    return p.id_number


def rows_shown(html: str) -> int:
    return html.count('<td data-label="时间">')


def test_search_by_id_number_shows_who_read_the_person_in_chinese(viewed, client_for):
    zhang, _, rows = viewed
    html = client_for("longhui_auditor").get("/audit/", {"id_number": number_of(zhang)}).content.decode()
    assert rows_shown(html) == 1
    assert '<td data-label="用户">民政经办 longhui_officer</td>' in html
    assert '<td data-label="操作">查看</td>' in html
    assert f'<td data-label="对象">人员 #{zhang.pk}</td>' in html
    assert '<td data-label="说明">用途：查看详情页</td>' in html
    assert rows["officer_read"].at.astimezone().strftime("%Y-%m-%d %H:%M") in html


def test_search_stays_in_the_auditors_jurisdiction(viewed, client_for):
    """County B's officer's read of the same person is county B's auditors' business, never county A's."""
    zhang, _, _ = viewed
    html = client_for("longhui_auditor").get("/audit/", {"id_number": number_of(zhang)}).content.decode()
    assert "dongkou_officer" not in html
    html_b = client_for("dongkou_auditor").get("/audit/", {"id_number": number_of(zhang)}).content.decode()
    assert rows_shown(html_b) == 1
    assert '<td data-label="用户">民政经办 dongkou_officer</td>' in html_b


def test_search_by_name_finds_only_persons_of_the_auditors_jurisdiction(viewed, client_for):
    zhang, zhang_b, _ = viewed
    html = client_for("longhui_auditor").get("/audit/", {"person_name": "张建国"}).content.decode()
    assert rows_shown(html) == 1
    assert f"人员 #{zhang.pk}" in html
    assert f"人员 #{zhang_b.pk}" not in html  # a county-A user's read of county B's 张建国


def test_the_id_search_reveals_no_registry_data(viewed, client_for):
    zhang, _, _ = viewed
    auditor = client_for("longhui_auditor")
    html = auditor.get("/audit/", {"id_number": number_of(zhang)}).content.decode()
    assert "张建国" not in html  # the person's name
    assert "红星社区3组12号" not in html  # the address
    assert "1970-05-17" not in html and "1970年" not in html  # the birth date
    assert f"/registry/persons/{zhang.pk}/" not in html  # no link into the registry
    assert auditor.get(f"/registry/persons/{zhang.pk}/").status_code == 403
    # A number nobody in the registry holds answers the same empty page as one nobody read: no oracle.
    unknown = make_id_number("430524", BORN, 99)
    empty_unknown = auditor.get("/audit/", {"id_number": unknown}).content.decode()
    assert rows_shown(empty_unknown) == 0 and "没有符合条件的记录" in empty_unknown


def test_the_auditors_person_search_is_audited_as_a_hash(viewed, client_for, persona):
    zhang, _, _ = viewed
    client_for("longhui_auditor").get("/audit/", {"id_number": number_of(zhang)})
    row = AuditLog.objects.filter(actor=persona("longhui_auditor"), action="read").get()
    assert row.detail == {"purpose": "audit_search", "query_hash": search_hash(number_of(zhang))}
    assert number_of(zhang) not in str(row.detail)


def test_an_invalid_id_number_is_a_red_error_and_shows_no_rows(viewed, client_for):
    html = client_for("longhui_auditor").get("/audit/", {"id_number": "43052419700517003"}).content.decode()
    assert '<div class="error" role="alert"><p>人员身份证号码：' in html
    assert rows_shown(html) == 0
    assert 'value="43052419700517003"' in html  # what was typed stays


def test_only_auditors_open_the_log_and_its_export(world, client_for):
    officer = client_for("longhui_officer")
    assert officer.get("/audit/").status_code == 403
    assert officer.get("/audit/export.xlsx").status_code == 403


def test_objects_are_described_in_chinese(viewed, persona, client_for):
    zhang, _, _ = viewed
    decision = TierDecision.objects.create(household=zhang.household, assessed_on=dt.date.today(),
                                           recommended_tier="dibao", tier="dibao")
    officer = persona("longhui_officer")
    AuditLog.objects.create(action="update", actor=officer, username=officer.username,
                            organization=officer.organization, object_type="registry.tierdecision",
                            object_id=str(decision.pk), object_repr=f"TierDecision object ({decision.pk})",
                            person_id=zhang.pk, detail={"changes": {"tier": "tekun", "override_reason": "…"}})
    html = client_for("longhui_auditor").get("/audit/", {"object_type": "registry.tierdecision"}).content.decode()
    assert f'<td data-label="对象">层级认定 #{decision.pk}（户号 {zhang.household_id}）</td>' in html
    assert '<td data-label="说明">修改：认定层级、改定理由</td>' in html
    assert "TierDecision" not in html and "registry.tierdecision</" not in html
    assert '<option value="registry.tierdecision" selected>层级认定</option>' in html
    from jiuzhu.core.audit_labels import object_type_choices

    choices = dict(object_type_choices())
    assert (choices["registry.incomeitem"], choices["core.user"], choices["core.auditlog"]) == (
        "收入记录", "用户", "审计日志")
    assert all(any("\u4e00" <= c <= "\u9fff" for c in label) for label in choices.values()), choices


def test_export_rows_say_what_was_exported():
    row = AuditLog(action="export", detail={"object_type": "registry.person", "count": 120,
                                            "filename": "人员名单_20261201.xlsx",
                                            "filters": {"tier": "dibao", "id_number": "430524********0031"}})
    assert detail_text(row) == ("导出人员 120 行（Excel 表格：人员名单_20261201）；"
                                "筛选条件：层级 低保对象、身份证号码 430524********0031")
    row = AuditLog(action="export", detail={"object_type": "registry.household", "count": 3, "filters": {},
                                            "filename": "家庭名单.csv"})
    assert detail_text(row) == "导出家庭 3 行（CSV 文件：家庭名单）；无筛选条件（全部）"
    row = AuditLog(action="export", detail={"object_type": "x.unknown", "count": 1, "filters": {"odd": "1"}})
    assert detail_text(row) == "导出其他记录 1 行（文件）；筛选条件：其他条件 1"


def test_purposes_and_unknown_types_never_show_raw_codes():
    assert describe_rows([AuditLog(action="read", object_type="x.thing", object_id="5",
                                   detail={"purpose": "api_chain"})])[0].detail_text == "用途：接口调用"
    row = describe_rows([AuditLog(action="read", object_type="core.user", object_id="7", object_repr="longhui_x",
                                  detail={"purpose": "something_new"})])[0]
    assert (row.object_text, row.detail_text) == ("用户 #7（longhui_x）", "用途：业务办理")
    # A change naming a reverse relation (a household's members) or an unknown key still reads in Chinese.
    row = describe_rows([AuditLog(action="update", object_type="registry.household", object_id="3",
                                  detail={"changes": {"members": 1, "address": "x", "whatever": 2}})])[0]
    assert (row.object_text, row.detail_text) == ("家庭 #3", "修改：人员、住址、其他信息")


def test_export_of_the_log_is_an_audited_xlsx_that_says_what_it_held(viewed, client_for, persona):
    zhang, _, _ = viewed
    auditor = client_for("longhui_auditor")
    response = auditor.get("/audit/export.xlsx", {"id_number": number_of(zhang)})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0] == ("时间", "用户", "角色", "单位", "来源地址", "操作", "对象", "人员编号", "说明")
    assert [v[1:] for v in values[1:]] == [("longhui_officer", "民政经办", "隆回县民政局", None, "查看",
                                            f"人员 #{zhang.pk}", zhang.pk, "用途：查看详情页")]
    export = AuditLog.objects.filter(action="export", actor=persona("longhui_auditor")).get()
    masked = number_of(zhang)[:6] + "********" + number_of(zhang)[-4:]
    assert export.detail["filters"] == {"id_number": masked}
    assert export.detail["count"] == 1
    page = auditor.get("/audit/", {"action": "export"}).content.decode()
    assert (f'<td data-label="说明">导出审计日志 1 行（Excel 表格：{export.detail["filename"][:-5]}）；'
            f"筛选条件：身份证号码 {masked}</td>") in page


def test_a_refused_export_says_why_in_a_red_box_not_a_green_one(viewed, client_for):
    auditor = client_for("longhui_auditor")
    response = auditor.get("/audit/export.xlsx", {"id_number": "12345"})
    assert response.status_code == 302
    html = auditor.get(response["Location"]).content.decode()
    assert '<ul class="messages"><li class="error" role="alert">查询条件有误，未导出：人员身份证号码：' in html
    assert 'class="success"' not in html
    assert not AuditLog.objects.filter(action="export").exists()
    css = (Path(__file__).resolve().parents[2] / "static" / "jiuzhu" / "jiuzhu.css").read_text()
    assert ".messages li.success { background:#ecfdf3;" in css
    assert ".messages li.error { background:#fef3f2;" in css  # red, and only success is green
