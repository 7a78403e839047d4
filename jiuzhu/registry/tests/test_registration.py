"""The registration step form (登记家庭): one POST writes household, members, means test and documents in one
transaction; any problem comes back at its step, next to its field, with everything typed kept."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import VILLAGE_A
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Event
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import Asset, Document, Household, IncomeItem, Person

URL = "/registry/households/new/"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
EXE = b"MZ\x90\x00" + b"\x00" * 100
HEAD = make_id_number("430524", dt.date(1968, 3, 2), 21)
SPOUSE = make_id_number("430524", dt.date(1970, 8, 9), 22)
CHILD = make_id_number("430524", dt.date(2009, 5, 1), 23)


@pytest.fixture(autouse=True)
def _media(media):
    """Every test here stores files under its own MEDIA_ROOT."""


def form(**changes) -> dict:
    data = {"region_code": VILLAGE_A, "address": "红星社区3组12号", "hukou_type": "rural",
            "m0_name": "张建国", "m0_id_number": HEAD, "m0_relation": "head", "m0_labour_capacity": "partial",
            "m1_name": "李秀英", "m1_id_number": SPOUSE, "m1_relation": "spouse",
            "m2_name": "张小明", "m2_id_number": CHILD, "m2_relation": "child", "m2_schooling": "senior",
            "r0_kind": "income:wage", "r0_amount": "7200", "r0_period_start": "2025-12-01",
            "r0_period_end": "2026-11-30", "r0_member": "1",
            "r1_kind": "asset:deposit", "r1_amount": "3000.50",
            "d0_kind": "id_card", "d0_file": SimpleUploadedFile("户主身份证.jpg", JPEG)}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def start_step(html: str) -> str:
    return re.search(r'data-start="(\d)"', html).group(1)


def test_page_offers_villages_by_township_within_jurisdiction(client_for):
    html = client_for("longhui_window").get(URL).content.decode()
    assert '<optgroup label="桃洪镇">' in html and f'<option value="{VILLAGE_A}">' in html
    assert "小沙江镇" not in html  # another township: outside the window's jurisdiction
    assert '<optgroup label="小沙江镇">' in client_for("longhui_officer").get(URL).content.decode()
    for step in ("1 家庭", "2 家庭成员", "3 收入与财产（可不填）", "4 材料（可不传）", "5 完成"):
        assert f"<h2>{step}</h2>" in html
    assert html.count('<fieldset class="member') == 8 and 'data-start="1"' in html
    assert '<script src="/static/jiuzhu/registration.js" defer></script>' in html


def test_page_needs_edit_registry(client_for):
    assert client_for("longhui_approver").get(URL).status_code == 403


def test_one_post_registers_household_members_means_and_document(client_for, media):
    response = client_for("longhui_window").post(URL, form())
    household = Household.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/registry/households/{household.pk}/")
    members = {p.name: p for p in Person.objects.filter(household=household)}
    assert sorted(members) == ["张小明", "张建国", "李秀英"]
    assert (household.head.name, members["张建国"].labour_capacity, members["张小明"].schooling) == (
        "张建国", "partial", "senior")
    income = IncomeItem.objects.get(household=household)
    assert (income.kind, income.amount, income.period_start, income.period_end, income.person.name) == (
        "wage", Decimal("7200.00"), dt.date(2025, 12, 1), dt.date(2026, 11, 30), "李秀英")
    asset = Asset.objects.get(household=household)
    assert (asset.kind, asset.value, asset.person) == ("deposit", Decimal("3000.50"), None)
    document = Document.objects.get(household=household)
    assert (document.kind, document.original_filename, document.content_type, document.size) == (
        "id_card", "户主身份证.jpg", "image/jpeg", len(JPEG))
    assert len(media.stored()) == 1
    kinds = list(Event.objects.filter(household_id=household.pk).order_by("pk").values_list("kind", flat=True))
    assert kinds == [RegistryEvent.HOUSEHOLD_REGISTERED, RegistryEvent.MEANS_INCOME_RECORDED,
                     RegistryEvent.MEANS_ASSET_RECORDED, RegistryEvent.DOCUMENT_ATTACHED]
    page = client_for("longhui_window").get(response["Location"]).content.decode()
    assert "户主身份证.jpg" in page


def test_members_only_is_enough(client_for, media):
    data = form(r0_kind="", r0_amount="", r0_period_start="", r0_period_end="", r0_member="", r1_kind="",
                r1_amount="", d0_kind="", d0_file=None, m1_name="", m1_id_number="", m1_relation="",
                m2_name="", m2_id_number="", m2_relation="", m2_schooling="")
    response = client_for("longhui_window").post(URL, data, follow=True)
    assert "已登记家庭（户号 " in response.content.decode() and "成员 1 人，收入与财产 0 条，材料 0 份" in \
        response.content.decode()
    assert (Household.objects.count(), IncomeItem.objects.count(), Document.objects.count()) == (1, 0, 0)


def test_wrong_id_number_comes_back_at_the_members_step_with_everything_kept(client_for, media):
    wrong = SPOUSE[:-1] + ("0" if SPOUSE[-1] != "0" else "1")
    html = client_for("longhui_window").post(URL, form(m1_id_number=wrong)).content.decode()
    assert start_step(html) == "2"
    assert '<div class="error" role="alert">尚未登记：有 1 处需要更正' in html
    block = html.split('data-member="1"')[1].split("</fieldset>")[0]
    assert "has-error" in html.split('data-member="1"')[0][-60:]
    assert f'value="{wrong}" maxlength="24"' in block and 'aria-invalid="true"' in block
    assert '<p class="error">' in block and "校验" in block
    for kept in ('value="红星社区3组12号"', 'value="张建国"', 'value="李秀英"', 'value="张小明"', 'value="7200"',
                 'value="2025-12-01"', 'value="3000.50"', '<option value="income:wage" selected>',
                 f'<option value="{VILLAGE_A}" selected>', '<option value="id_card" selected>'):
        assert kept in html, kept
    assert "请重新选择文件（页面退回后浏览器不会保留已选的文件）" in html
    assert (Household.objects.count(), Person.objects.count(), media.stored()) == (0, 0, [])


def test_problems_of_several_steps_come_back_at_the_first(client_for):
    html = client_for("longhui_window").post(URL, form(address="", r0_amount="七千")).content.decode()
    assert start_step(html) == "1"
    assert '<p class="error">请填写住址</p>' in html
    assert '<p class="error">金额应为数字，如 600 或 600.50</p>' in html
    assert "有 2 处需要更正" in html


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"m1_relation": "head"}, "m1_relation", "本户已有户主（第 1 位成员），只能有一名户主"),
    ({"m2_id_number": SPOUSE}, "m2_id_number", "与第 2 位成员的身份证号码相同"),
    ({"m0_name": "", "m0_id_number": "", "m1_name": "", "m1_id_number": "", "m2_name": "", "m2_id_number": ""},
     "m0_name", "至少登记一名成员（户主）"),
])
def test_household_shape_problems_at_the_member(client_for, changes, field, message):
    html = client_for("longhui_window").post(URL, form(**changes)).content.decode()
    assert start_step(html) == "2"
    index = field[1]
    block = html.split(f'data-member="{index}"')[1].split("</fieldset>")[0]
    assert f'<p class="error">{message}</p>' in block
    assert Household.objects.count() == 0


def test_a_means_rule_refused_by_the_service_rolls_everything_back(client_for, media):
    html = client_for("longhui_window").post(URL, form(r0_period_end="2025-01-01")).content.decode()
    assert start_step(html) == "3"
    assert '<p class="error">截止日期早于起始日期</p>' in html
    assert (Household.objects.count(), Person.objects.count(), IncomeItem.objects.count()) == (0, 0, 0)
    assert not Event.objects.exists() and media.stored() == []


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("身份证.pdf", EXE),
     "文件不是 PDF、JPEG 或 PNG 格式（按文件内容判断，与扩展名无关），请上传扫描件或照片"),
    (SimpleUploadedFile("空.jpg", b""), "文件是空的（0 字节），请重新选择文件"),
])
def test_bad_document_comes_back_at_the_documents_step(client_for, media, upload, message):
    html = client_for("longhui_window").post(URL, form(d0_file=upload)).content.decode()
    assert start_step(html) == "4"
    assert f'<p class="error">{message}</p>' in html
    assert "请重新选择文件（页面退回" not in html  # the problem itself says so
    assert (Household.objects.count(), media.stored()) == (0, [])


def test_too_big_document(client_for, media, settings):
    settings.STORED_FILE_MAX_BYTES = 100
    html = client_for("longhui_window").post(URL, form()).content.decode()
    assert '<p class="error">文件大小为 111 字节，超过了 100 字节 的上限，请压缩或分页扫描后再上传</p>' in html
    assert (Household.objects.count(), media.stored()) == (0, [])


def test_document_without_kind(client_for):
    html = client_for("longhui_window").post(URL, form(d0_kind="")).content.decode()
    assert start_step(html) == "4" and '<p class="error">请选择材料类型</p>' in html


def test_a_late_failure_leaves_no_file_behind(client_for, media, monkeypatch):
    from jiuzhu.registry import services

    real = services.document_attach
    calls = []

    def second_fails(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DomainError("磁盘已满", code="invalid_file", field="file")
        return real(**kwargs)

    monkeypatch.setattr(services, "document_attach", second_fails)
    data = form(d1_kind="hukou_book", d1_file=SimpleUploadedFile("户口簿.jpg", JPEG))
    html = client_for("longhui_window").post(URL, data).content.decode()
    assert start_step(html) == "4"
    block = html.split('data-row="1"')[-1].split("</fieldset>")[0]
    assert '<p class="error">磁盘已满</p>' in block
    assert (Household.objects.count(), Document.objects.count(), media.stored()) == (0, 0, [])


def test_means_member_must_be_a_filled_member(client_for):
    html = client_for("longhui_window").post(URL, form(r0_member="5")).content.decode()
    assert start_step(html) == "3" and '<p class="error">所选成员未登记，请重新选择</p>' in html


def test_village_outside_jurisdiction(client_for):
    html = client_for("longhui_window").post(URL, form(region_code="430524101200")).content.decode()
    assert start_step(html) == "1"
    assert '<p class="error">所选村（社区）不在您的管辖范围内，请从列表中选择</p>' in html
    assert Household.objects.count() == 0


def test_member_registered_elsewhere_is_shown_at_that_member_and_the_answer_stays_audited(client_for, register):
    from conftest import COUNTY_B, VILLAGE_B, member
    from jiuzhu.core.models import AuditLog

    elsewhere = register(username="dongkou_officer", village=VILLAGE_B, address="洞口镇1组",
                         members=[member("王外县", "head", region=COUNTY_B, seq=51)])
    number = elsewhere.head.id_number
    html = client_for("longhui_window").post(URL, form(m1_id_number=number)).content.decode()
    assert start_step(html) == "2"
    block = html.split('data-member="1"')[1].split("</fieldset>")[0]
    assert "李秀英（" in block and "管辖范围以外" in block
    # The answer revealed a registration outside the jurisdiction: its audit row survives the refusal.
    assert AuditLog.objects.filter(action="disclosure", username="longhui_window").count() == 1
    assert Household.objects.count() == 1


def test_csrf_is_still_checked_after_the_upload_limit_is_in_place(persona):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("longhui_window"))
    assert client.post(URL, form()).status_code == 403
    assert Household.objects.count() == 0


def test_an_oversized_document_is_never_read_whole(client_for, media, settings):
    settings.STORED_FILE_MAX_BYTES = 64 * 1024
    big = JPEG + b"\x00" * (300 * 1024)
    html = client_for("longhui_window").post(
        URL, form(d0_file=SimpleUploadedFile("大扫描件.jpg", big))).content.decode()
    assert start_step(html) == "4"
    assert '<p class="error">文件大小为 300.1 KB，超过了 64 KB 的上限，请压缩或分页扫描后再上传</p>' in html
    assert (Household.objects.count(), media.stored()) == (0, [])


def test_the_page_keeps_no_more_of_an_upload_than_the_limit(client_for, settings, monkeypatch):
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    settings.STORED_FILE_MAX_BYTES = 64 * 1024
    kept = []
    real = MemoryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        kept.append(len(raw_data))
        return real(self, raw_data, start)

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", spy)
    client = client_for("longhui_window")
    client.post(URL, form(d0_file=SimpleUploadedFile("大扫描件.jpg", JPEG + b"\x00" * (1024 * 1024))))
    assert sum(kept) <= 64 * 1024  # of 1 MB, the first 64 KB chunk only
