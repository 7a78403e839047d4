"""Documents (材料) of a household: attach, void, download. Every guard has a test that fails without it."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import VILLAGE_A2, member
from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import stored_file_read
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import Document, TierDecision
from jiuzhu.registry.services import document_attach, document_void

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(media):
    """Every test here stores files under its own MEDIA_ROOT."""


@pytest.fixture
def household(register):
    return register(members=[member("张建国", "head", seq=21), member("李秀英", "spouse", seq=22)])


def attach(persona, household, *, who="longhui_window", data=JPEG, name="身份证正面.jpg", kind="id_card", **kw):
    return document_attach(actor=persona(who), household=household, kind=kind,
                           upload=SimpleUploadedFile(name, data), **kw)


def test_attach_keeps_the_file_encrypted_with_its_facts_audit_and_chain_event(persona, household, media):
    document = attach(persona, household)
    document.refresh_from_db()
    assert (document.kind, document.original_filename, document.content_type, document.size, document.sha256,
            document.uploaded_by.username, document.decision, document.voided_at) == (
        "id_card", "身份证正面.jpg", "image/jpeg", len(JPEG), hashlib.sha256(JPEG).hexdigest(), "longhui_window",
        None, None)
    assert stored_file_read(document.file_key) == JPEG
    (path,) = media.stored()
    assert JPEG[:16] not in path.read_bytes()
    audit = AuditLog.objects.get(action="create", object_type="registry.document")
    assert (audit.object_id, audit.person_id, audit.username, audit.detail["changes"]) == (
        str(document.pk), household.head_id, "longhui_window",
        {"kind": "id_card", "sha256": document.sha256, "size": len(JPEG)})
    event = Event.objects.get(kind=RegistryEvent.DOCUMENT_ATTACHED)
    assert (event.household_id, event.summary) == (household.pk, "上传材料：身份证（身份证正面.jpg，211 字节）")


def test_attach_to_a_decision_of_the_household_only(persona, household, register):
    decision = TierDecision.objects.create(household=household, assessed_on="2026-06-30", recommended_tier="dibao",
                                           tier="dibao")
    document = attach(persona, household, kind="income_proof", decision=decision)
    assert document.decision == decision
    other = register(members=[member("王五", "head", seq=31)], address="红星社区5组")
    with pytest.raises(DomainError) as refused:
        attach(persona, other, decision=decision)
    assert (refused.value.message, refused.value.field) == ("关联的层级认定不属于本户", "decision")
    assert Document.objects.count() == 1


def test_attach_requires_edit_registry(persona, household, media):
    with pytest.raises(PermissionDenied) as refused:
        attach(persona, household, who="longhui_approver")  # may view, may not edit
    assert str(refused.value) == "您没有“登记、修改家庭及家计调查”的权限"
    assert (Document.objects.count(), media.stored()) == (0, [])


def test_attach_refused_outside_jurisdiction(persona, register, media):
    far = register(username="longhui_officer", village=VILLAGE_A2, members=[member("赵六", "head", seq=41)])
    with pytest.raises(DomainError) as refused:
        attach(persona, far, who="longhui_window")  # 桃洪镇's window; the household is in 小沙江镇
    assert (refused.value.code, refused.value.message) == ("out_of_scope", "该家庭不在您的管辖范围内")
    assert (Document.objects.count(), media.stored()) == (0, [])


@pytest.mark.parametrize(("data", "name", "message"), [
    (EXE, "身份证.pdf", "文件不是 PDF、JPEG 或 PNG 格式（按文件内容判断，与扩展名无关），请上传扫描件或照片"),
    (b"", "空.pdf", "文件是空的（0 字节），请重新选择文件"),
    (PDF + b"0" * 2048, "大.pdf", "文件大小为 2 KB，超过了 1 KB 的上限，请压缩或分页扫描后再上传"),
])
def test_bad_files_are_refused_and_nothing_is_kept(persona, household, media, settings, data, name, message):
    settings.STORED_FILE_MAX_BYTES = 1024
    with pytest.raises(DomainError) as refused:
        attach(persona, household, data=data, name=name)
    assert (refused.value.code, refused.value.field, refused.value.message) == ("invalid_file", "file", message)
    assert (Document.objects.count(), media.stored()) == (0, [])
    assert not Event.objects.filter(kind=RegistryEvent.DOCUMENT_ATTACHED).exists()


def test_unknown_kind_refused(persona, household, media):
    with pytest.raises(DomainError) as refused:
        attach(persona, household, kind="passport")
    assert (refused.value.field, refused.value.message) == ("kind", "请选择材料类型")
    assert media.stored() == []


def test_a_failed_row_leaves_no_file_behind(persona, household, media, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr("jiuzhu.registry.services.record_event", boom)
    with pytest.raises(RuntimeError):
        attach(persona, household)
    assert (Document.objects.count(), media.stored()) == (0, [])


def test_void_with_reason_once_on_the_chain(persona, household):
    document = attach(persona, household)
    with pytest.raises(DomainError) as missing:
        document_void(actor=persona("longhui_window"), document=document, reason=" ")
    assert (missing.value.field, missing.value.message) == ("reason", "请填写作废理由")
    with pytest.raises(PermissionDenied):
        document_void(actor=persona("longhui_approver"), document=document, reason="上传错了")
    document_void(actor=persona("longhui_window"), document=document, reason="上传错了文件")
    document.refresh_from_db()
    assert (document.void_reason, document.voided_by.username, document.voided_at is not None) == (
        "上传错了文件", "longhui_window", True)
    assert Event.objects.get(kind=RegistryEvent.DOCUMENT_VOIDED).summary == \
        "作废材料：身份证（身份证正面.jpg）；理由：上传错了文件"
    with pytest.raises(DomainError) as twice:
        document_void(actor=persona("longhui_window"), document=document, reason="再次作废")
    assert (twice.value.code, twice.value.message) == ("invalid_status", "该材料已作废")
    assert stored_file_read(document.file_key) == JPEG  # kept: voided, never deleted


def test_void_refused_outside_jurisdiction(persona, register):
    far = register(username="longhui_officer", village=VILLAGE_A2, members=[member("赵六", "head", seq=41)])
    document = attach(persona, far, who="longhui_officer")
    with pytest.raises(DomainError) as refused:
        document_void(actor=persona("longhui_window"), document=document, reason="不是本户的")
    assert refused.value.code == "out_of_scope"
    document.refresh_from_db()
    assert document.voided_at is None


# ---- Pages -----------------------------------------------------------------------------------------

def test_download_gives_the_file_and_audits_the_read(persona, household, client_for):
    document = attach(persona, household, data=PDF, name="户口簿.pdf", kind="hukou_book")
    response = client_for("longhui_officer").get(f"/registry/documents/{document.pk}/")
    assert response.status_code == 200
    assert response.content == PDF
    assert (response["Content-Type"], response["Cache-Control"], response["X-Content-Type-Options"]) == (
        "application/pdf", "private, no-store", "nosniff")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E6%88%B7%E5%8F%A3%E7%B0%BF.pdf"
    read = AuditLog.objects.get(action="read", object_type="registry.document")
    assert (read.username, read.object_id, read.person_id, read.detail) == (
        "longhui_officer", str(document.pk), household.head_id,
        {"purpose": "document_download", "household": household.pk, "sha256": document.sha256})


@pytest.mark.parametrize("username", ["dongkou_officer", "longhui_clerk"])
def test_download_outside_jurisdiction_is_404_and_not_audited_as_read(persona, household, client_for, username):
    document = attach(persona, household)
    response = client_for(username).get(f"/registry/documents/{document.pk}/")
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="read", object_type="registry.document").exists()


def test_download_needs_view_registry(persona, household, client_for):
    document = attach(persona, household)
    assert client_for("longhui_analyst").get(f"/registry/documents/{document.pk}/").status_code == 403


def test_household_page_lists_documents_and_offers_the_upload_form(persona, household, client_for):
    attach(persona, household)
    page = client_for("longhui_window").get(f"/registry/households/{household.pk}/").content.decode()
    assert '<h2 id="documents">材料</h2>' in page
    assert "身份证正面.jpg" in page and "211 字节" in page
    assert "<label>材料类型 <select name=\"kind\" required>" in page
    assert "<label>文件 <span class=\"file-picker\"><input type=\"file\"" in page
    readonly = client_for("longhui_approver").get(f"/registry/households/{household.pk}/").content.decode()
    assert "身份证正面.jpg" in readonly and "<summary>上传材料</summary>" not in readonly \
        and "作废此材料" not in readonly


def test_upload_page_saves_and_refuses_bad_files_in_chinese(household, client_for, media):
    client = client_for("longhui_window")
    url = f"/registry/households/{household.pk}/documents/"
    ok = client.post(url, {"kind": "id_card", "file": SimpleUploadedFile("身份证.jpg", JPEG)}, follow=True)
    assert ok.redirect_chain == [(f"/registry/households/{household.pk}/#documents", 302)]
    assert "已保存材料：身份证（身份证.jpg）" in ok.content.decode()
    bad = client.post(url, {"kind": "id_card", "file": SimpleUploadedFile("setup.pdf", EXE)}, follow=True)
    assert bad.status_code == 200
    assert "材料未保存：文件不是 PDF、JPEG 或 PNG 格式" in bad.content.decode()
    none = client.post(url, {"kind": "id_card"}, follow=True)
    assert "材料未保存：请选择文件" in none.content.decode()
    assert Document.objects.count() == 1 and len(media.stored()) == 1


def test_upload_page_out_of_scope_is_404(household, client_for, media):
    response = client_for("dongkou_window").post(f"/registry/households/{household.pk}/documents/",
                                                 {"kind": "id_card", "file": SimpleUploadedFile("a.jpg", JPEG)})
    assert response.status_code == 404
    assert (Document.objects.count(), media.stored()) == (0, [])


def test_void_page(persona, household, client_for):
    document = attach(persona, household)
    response = client_for("longhui_window").post(f"/registry/documents/{document.pk}/void/",
                                                 {"reason": "上传错了文件"}, follow=True)
    assert "已作废材料：身份证（身份证正面.jpg）" in response.content.decode()
    assert "已作废" in response.content.decode() and "理由：上传错了文件" in response.content.decode()


def test_upload_page_checks_csrf(household, persona, media):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("longhui_window"))
    response = client.post(f"/registry/households/{household.pk}/documents/",
                           {"kind": "id_card", "file": SimpleUploadedFile("a.jpg", JPEG)})
    assert response.status_code == 403
    assert (Document.objects.count(), media.stored()) == (0, [])
