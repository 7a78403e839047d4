"""The public portal: online application with the signed authorisation (with and without a signature, an
oversized or false one), the progress check revealing nothing without both the code and the last four
characters, its rate limit per client address, and the steps shown in plain Chinese."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from conftest import VILLAGE_A
from jiuzhu.core import files
from jiuzhu.core.errors import DomainError
from jiuzhu.intake import portal_services as services
from jiuzhu.intake.models import (
    Application,
    ApplicationStatus,
    Channel,
    ItemStatus,
    MaterialChecklist,
    PortalAttempt,
    Referral,
    ReferralStatus,
)
from jiuzhu.intake.tests.conftest import applicant_number, data_url, png_bytes

pytestmark = pytest.mark.django_db
TOWNSHIP_A = "430524100000"


def form(**extra) -> dict:
    return {"applicant_name": "陈小红", "applicant_id_number": applicant_number(), "applicant_phone": "13512345678",
            "address": "红星社区3组12号", "township": TOWNSHIP_A, "village": VILLAGE_A, "items": ["dibao", "medical"],
            "circumstances": "丈夫去世，一人带两个孩子，无固定收入", "agreed": "1",
            "signature": data_url(png_bytes()), **extra}


def apply(client_address="203.0.113.1", **extra) -> Application:
    data = form(**extra)
    region = services.portal_region(data["township"], data["village"])
    return services.online_apply(region=region, applicant_name=data["applicant_name"],
                                 applicant_id_number=data["applicant_id_number"],
                                 applicant_phone=data["applicant_phone"], address=data["address"],
                                 items=data["items"], circumstances=data["circumstances"],
                                 signature=data["signature"], agreed=data["agreed"] == "1",
                                 client_address=client_address)


def stored(media) -> list:
    root = media / "files"
    return sorted(root.rglob("*.bin")) if root.exists() else []


def test_online_application_keeps_the_signed_authorisation(world, portal_media):
    application = apply()
    assert application.channel == Channel.ONLINE and application.status == ApplicationStatus.SUBMITTED
    assert application.first_officer is None and application.region.code == VILLAGE_A
    assert application.authorised_at is not None
    assert files.stored_file_read(application.signature_file_key) == png_bytes()
    assert sorted(application.items.values_list("item", flat=True)) == ["dibao", "medical"]


def test_online_application_without_signature_is_refused(world, portal_media):
    with pytest.raises(DomainError) as exc:
        apply(signature="")
    assert exc.value.field == "signature" and "手写签名" in exc.value.message
    assert not Application.objects.exists() and stored(portal_media) == []


def test_online_application_without_consent_is_refused(world, portal_media):
    with pytest.raises(DomainError) as exc:
        apply(agreed="")
    assert exc.value.field == "agreed"
    assert not Application.objects.exists() and stored(portal_media) == []


@pytest.mark.parametrize("signature, message", [
    (data_url(png_bytes(extra=210 * 1024)), "超过 200 KB"),
    ("data:image/png;base64," + "A" * (300 * 1024), "超过 200 KB"),
    (data_url(b"\xff\xd8\xff\xe0" + b"0" * 500, "image/jpeg"), "格式不正确"),
    (data_url(b"GIF89a" + b"0" * 500), "不是 PNG"),
    ("data:image/png;base64,@@@not base64@@@", "格式不正确"),
    (data_url(png_bytes(width=10, height=10)), "尺寸不正确"),
])
def test_bad_signatures_are_refused_and_nothing_kept(world, portal_media, signature, message):
    with pytest.raises(DomainError) as exc:
        apply(signature=signature)
    assert exc.value.field == "signature" and message in exc.value.message
    assert not Application.objects.exists() and stored(portal_media) == []


def test_id_check_refuses_a_wrong_check_digit_and_a_missing_name(world, portal_media):
    number = applicant_number()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(DomainError) as exc:
        apply(applicant_id_number=wrong)
    assert exc.value.field == "applicant_id_number" and "身份证号码有误" in exc.value.message
    with pytest.raises(DomainError) as exc:
        apply(applicant_name=" ")
    assert exc.value.field == "applicant_name"
    assert not Application.objects.exists() and stored(portal_media) == []


def test_a_refused_application_removes_the_kept_signature(world, portal_media):
    with pytest.raises(DomainError) as exc:
        apply(items=["no_such_item"])
    assert exc.value.field == "items"
    assert not Application.objects.exists() and stored(portal_media) == []


def test_online_applications_are_limited_per_address(world, portal_media):
    for seq in range(services.APPLY_MAX_PER_WINDOW):
        apply(applicant_id_number=applicant_number(seq=60 + seq), client_address="203.0.113.8")
    with pytest.raises(DomainError) as exc:
        apply(applicant_id_number=applicant_number(seq=70), client_address="203.0.113.8")
    assert exc.value.code == "rate_limited" and "申请过多" in exc.value.message
    assert Application.objects.count() == services.APPLY_MAX_PER_WINDOW
    apply(applicant_id_number=applicant_number(seq=71), client_address="198.51.100.9")  # another address


def test_apply_page_checks_csrf(world, portal_media):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/portal/apply/", form()).status_code == 403
    assert not Application.objects.exists()


def test_apply_page_shows_the_query_code_once_taken(world, portal_media):
    client = Client()
    page = client.get("/portal/apply/").content.decode()
    assert "家庭经济状况核对授权书" in page and 'for="applicant_id_number"' in page
    response = client.post("/portal/apply/", form())
    assert response.status_code == 302 and response["Location"] == "/portal/apply/done/"
    application = Application.objects.get()
    done = client.get("/portal/apply/done/").content.decode()
    assert application.query_code in done and "请抄下或截图保存查询码" in done


def test_apply_page_refusal_keeps_what_was_typed(world, portal_media):
    response = Client().post("/portal/apply/", form(signature=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "请在授权书下方的签名框内手写签名后再提交" in html
    assert 'value="陈小红"' in html and "丈夫去世" in html and 'value="dibao" checked' in html
    assert f'value="{VILLAGE_A}" selected' in html


def test_apply_page_refuses_an_oversized_body(world, portal_media):
    response = Client().post("/portal/apply/", form(signature="data:image/png;base64," + "A" * (1100 * 1024)))
    assert response.status_code == 413 and "提交的内容过大" in response.content.decode()
    assert not Application.objects.exists()


def test_villages_endpoint_is_public(world):
    html = Client().get("/portal/regions/villages/", {"township": TOWNSHIP_A}).content.decode()
    assert VILLAGE_A in html and "红星社区" in html


# ---- Progress check ----------------------------------------------------------------------------------------------

def check(client, code, last4):
    return client.post("/portal/status/", {"query_code": code, "id_last4": last4}, REMOTE_ADDR="203.0.113.7")


def test_status_needs_both_code_and_digits_and_says_the_same_for_either_mistake(world, portal_media):
    application = apply()
    last4 = applicant_number()[-4:]
    client = Client()
    wrong_code = check(client, "0000000000" if application.query_code != "0000000000" else "1111111111", last4)
    wrong_digits = check(client, application.query_code, "0000" if last4 != "0000" else "1111")
    for response in (wrong_code, wrong_digits):
        html = response.content.decode()
        assert response.status_code == 400 and services.NO_MATCH in html
        assert "办理经过" not in html and "最低生活保障" not in html
    right = check(client, application.query_code, last4)
    html = right.content.decode()
    assert right.status_code == 200 and "办理经过" in html and "最低生活保障" in html
    assert "受理期限" in html and "等待乡镇（街道）窗口受理" in html
    assert "陈小红" not in html and applicant_number() not in html and last4 not in html.replace(
        application.query_code, "")
    assert right["Cache-Control"].startswith("max-age=0") or "no-store" in right["Cache-Control"] or \
        "no-cache" in right["Cache-Control"]


def test_status_is_not_answered_from_the_query_string(world, portal_media):
    application = apply()
    html = Client().get("/portal/status/", {"query_code": application.query_code,
                                            "id_last4": applicant_number()[-4:]}).content.decode()
    assert "办理经过" not in html


def test_rate_limit_after_ten_failures_per_address(world, portal_media):
    application = apply()
    last4 = applicant_number()[-4:]
    client = Client()
    for _ in range(services.PORTAL_MAX_FAILURES):
        assert check(client, "1234567890", "0000").status_code == 400
    refused = check(client, application.query_code, last4)  # even the right answer is refused now
    assert refused.status_code == 429 and "查询失败次数过多" in refused.content.decode()
    other = Client().post("/portal/status/", {"query_code": application.query_code, "id_last4": last4},
                          REMOTE_ADDR="198.51.100.9")
    assert other.status_code == 200  # another address is not limited
    PortalAttempt.objects.update(at=timezone.now() - services.PORTAL_WINDOW - dt.timedelta(minutes=1))
    assert check(client, application.query_code, last4).status_code == 200  # the hour has passed


def test_rate_limit_counts_per_hashed_address_only(world, portal_media):
    apply()
    with pytest.raises(DomainError):
        services.status_check(client_address="203.0.113.7", query_code="1234567890", id_last4="0000")
    row = PortalAttempt.objects.get(purpose="status")
    assert "203.0.113.7" not in row.client_hash and len(row.client_hash) == 64


def test_a_match_is_not_counted_as_a_failure(world, portal_media):
    application = apply()
    services.status_check(client_address="203.0.113.7", query_code=application.query_code,
                          id_last4=applicant_number()[-4:])
    assert not PortalAttempt.objects.filter(purpose="status").exists()


def test_steps_in_plain_chinese(world, portal_media, persona):
    application = apply()
    officer = persona("longhui_window")
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.IN_PROGRESS, accepted_at=now,
                                                         organization=officer.organization, first_officer=officer)
    MaterialChecklist.objects.create(application=application, number="GZ-2026-0001",
                                     missing=[{"item": "dibao", "name": "家庭财产申报表"}],
                                     complete_by=dt.date(2026, 12, 20), issued_by=officer)
    dibao = application.items.get(item="dibao")
    medical = application.items.get(item="medical")
    dibao.status, dibao.amount, dibao.decided_at = ItemStatus.GRANTED, Decimal("850.00"), now
    dibao.save()
    clerk_org = persona("longhui_clerk").organization
    returned = Referral.objects.create(application_item=medical, organization=clerk_org, due_date=dt.date(2026, 12, 30),
                                       sent_by=officer, sent_at=now, status=ReferralStatus.RETURNED,
                                       returned_at=now, return_reason="缺少住院结算单")
    Referral.objects.create(application_item=medical, organization=clerk_org, previous=returned,
                            due_date=dt.date(2027, 1, 10), sent_by=officer, sent_at=now,
                            status=ReferralStatus.COMPLETED, completed_at=now, result="refused",
                            outcome="费用已由大病保险全额报销")
    medical.status, medical.refusal_reason, medical.decided_at = ItemStatus.REFUSED, "费用已由大病保险全额报销", now
    medical.save()
    application.refresh_from_db()
    view = services.status_view(application)
    texts = [s.text for s in view.steps]
    assert texts[0] == "已收到您的申请（网上申请）" and "乡镇（街道）窗口已受理您的申请" in texts
    assert any("GZ-2026-0001" in t and "家庭财产申报表" in t and "2026年12月20日" in t for t in texts)
    by_name = {i.name: i for i in view.items}
    assert [s.text for s in by_name["最低生活保障"].steps] == ["给予救助，金额 850.00 元"]
    medical_steps = [s.text for s in by_name["医疗救助"].steps]
    assert "隆回县医疗保障局退回窗口重新处理，理由：缺少住院结算单" in medical_steps
    assert "隆回县医疗保障局已办结，不予救助，理由：费用已由大病保险全额报销" in medical_steps
    assert medical_steps[-1] == "不予救助，理由：费用已由大病保险全额报销"


def test_home_and_calculator_are_public(world):
    client = Client()
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/calculator/").status_code == 200


def test_home_links_to_the_public_sighting_report(world):
    """The portal's home sends a citizen who saw a person in need to the rescue app's public report page. The
    template writes the page's path (intake may not depend on rescue): here it must still be that page's path."""
    from django.urls import reverse

    client = Client()
    page = client.get("/portal/").content.decode()
    assert "发现流浪乞讨人员？在线报告" in page
    path = reverse("rescue_public:report")
    assert f'href="{path}"' in page
    report = client.get(path)
    assert report.status_code == 200 and "<form" in report.content.decode()
