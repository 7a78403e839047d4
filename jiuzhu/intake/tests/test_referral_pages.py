"""Referral pages: the department inbox, a referral's page with the clerk's forms, the item's referrals page with
the window's forms; scope (404), errors beside the field with what was typed kept, safe `next`."""

import pytest

from jiuzhu.core.models import AuditLog
from jiuzhu.intake.models import ApplicationItem, ItemStatus, Referral, ReferralStatus

pytestmark = pytest.mark.django_db


def test_the_clerk_sees_the_referral_in_the_inbox_with_a_masked_number(referred, client_for):
    page = client_for("longhui_clerk").get("/intake/referrals/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "医疗救助" in text and "李秀英" in text and "430524********" in text
    assert "桃洪镇社会救助服务窗口" in text and "还剩" in text and "个工作日" in text
    assert AuditLog.objects.filter(action="read", object_type="registry.person").count() == 0  # not in the registry


def test_an_officer_sees_the_referrals_of_their_applications_and_another_county_none(referred, client_for):
    assert "李秀英" in client_for("longhui_officer").get("/intake/referrals/").content.decode()
    assert "李秀英" not in client_for("dongkou_officer").get("/intake/referrals/").content.decode()
    assert "李秀英" not in client_for("dongkou_clerk").get("/intake/referrals/").content.decode()


def test_filters_status_and_overdue(referred, client_for):
    client = client_for("longhui_clerk")
    assert "李秀英" not in client.get("/intake/referrals/?overdue=1").content.decode()
    Referral.objects.update(due_date="2020-01-06")
    page = client.get("/intake/referrals/?overdue=1").content.decode()
    assert "李秀英" in page and "已超期" in page
    assert "李秀英" not in client.get("/intake/referrals/?status=completed").content.decode()
    assert "李秀英" in client.get("/intake/referrals/?status=all").content.decode()


@pytest.mark.parametrize("username", ["dongkou_clerk", "dongkou_officer", "dongkou_window"])
def test_out_of_scope_referral_and_item_pages_are_404(referred, client_for, username):
    client = client_for(username)
    referral = referred["referral"]
    assert client.get(f"/intake/referrals/{referral.pk}/").status_code == 404
    assert client.post(f"/intake/referrals/{referral.pk}/accept/").status_code == 404
    assert client.get(f"/intake/items/{referral.application_item_id}/referrals/").status_code == 404
    assert client.post(f"/intake/items/{referral.application_item_id}/refer/").status_code == 404


def test_a_clerk_of_another_department_gets_404(referred, client, world):
    from jiuzhu.core.demo import DEMO_PASSWORD
    from jiuzhu.core.models import Organization, Role, User, UserRole

    education = Organization.objects.get(name="隆回县教育局")
    user = User.objects.create(username="edu_clerk", organization=education, region=education.region)
    user.set_password(DEMO_PASSWORD)
    user.save()
    UserRole.objects.create(user=user, role=Role.DEPARTMENT_CLERK)
    assert client.post("/login/", {"username": "edu_clerk", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get(f"/intake/referrals/{referred['referral'].pk}/").status_code == 404
    assert "李秀英" not in client.get("/intake/referrals/").content.decode()


def test_a_clerk_does_not_reach_the_item_page_nor_send(referred, client_for):
    clerk = client_for("longhui_clerk")
    item_id = referred["referral"].application_item_id
    assert clerk.get(f"/intake/items/{item_id}/referrals/").status_code == 404
    other = referred["application"].items.get(item="temporary")
    assert clerk.post(f"/intake/items/{other.pk}/refer/", {"note": "x"}).status_code == 404
    assert clerk.post(f"/intake/referrals/{referred['referral'].pk}/resend/", {"note": "补齐了材料"}).status_code == 404


def test_the_detail_page_shows_circumstances_materials_and_the_forms_and_is_audited(referred, client_for):
    referral = referred["referral"]
    page = client_for("longhui_clerk").get(f"/intake/referrals/{referral.pk}/")
    text = page.content.decode()
    assert "丈夫重病住院" in text and "医疗费用票据及结算单" in text and "未收到" in text
    assert "临时救助" not in text  # a department sees only the item referred to it
    for label in ("接收", "办结", "退回理由", "办理结果", "救助金额（元，可选）"):
        assert label in text
    assert 'for="id_reason"' in text and 'for="id_outcome"' in text
    assert AuditLog.objects.filter(action="read", object_type="intake.application",
                                   detail__purpose="referral").exists()


def test_the_officer_sees_the_detail_without_the_clerks_forms(referred, client_for):
    text = client_for("longhui_window").get(f"/intake/referrals/{referred['referral'].pk}/").content.decode()
    assert "退回理由" not in text and "丈夫重病住院" in text


def test_return_without_reason_shows_the_error_beside_the_field(referred, client_for):
    client = client_for("longhui_clerk")
    referral = referred["referral"]
    answer = client.post(f"/intake/referrals/{referral.pk}/return/", {"reason": "短"})
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "请填写退回理由（至少 4 个字）" in text and "\n短</textarea>" in text
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_complete_errors_keep_what_was_typed(referred, client_for):
    client = client_for("longhui_clerk")
    answer = client.post(f"/intake/referrals/{referred['referral'].pk}/complete/",
                         {"result": "granted", "outcome": "核定医疗救助", "amount": "三千"})
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "救助金额应为数字" in text and "核定医疗救助</textarea>" in text and 'value="三千"' in text


def test_the_clerk_accepts_returns_and_the_window_resends_through_the_pages(referred, client_for):
    clerk, window = client_for("longhui_clerk"), client_for("longhui_window")
    referral = referred["referral"]
    answer = clerk.post(f"/intake/referrals/{referral.pk}/accept/")
    assert answer.status_code == 302 and answer["Location"] == f"/intake/referrals/{referral.pk}/"
    answer = clerk.post(f"/intake/referrals/{referral.pk}/return/", {"reason": "缺少住院结算单"})
    assert answer.status_code == 302
    item_page = f"/intake/items/{referral.application_item_id}/referrals/"
    text = window.get(item_page).content.decode()
    assert "已退回" in text and "缺少住院结算单" in text and "重新转办" in text
    answer = window.post(f"/intake/referrals/{referral.pk}/resend/", {"note": ""})
    assert answer.status_code == 400 and "请填写重新转办说明" in answer.content.decode()
    answer = window.post(f"/intake/referrals/{referral.pk}/resend/", {"note": "已补齐住院结算单", "next": item_page})
    assert answer.status_code == 302 and answer["Location"] == item_page
    new = Referral.objects.get(previous=referral)
    answer = clerk.post(f"/intake/referrals/{new.pk}/complete/",
                        {"result": "granted", "outcome": "核定医疗救助 3200 元", "amount": "3200"})
    assert answer.status_code == 302
    assert ApplicationItem.objects.get(pk=referral.application_item_id).status == ItemStatus.GRANTED
    text = window.get(item_page).content.decode()
    assert "已办结" in text and "3200" in text and "重新转办" in text


def test_send_through_the_item_page_and_an_unsafe_next_is_ignored(take_application, client_for):
    application = take_application()
    item = application.items.get(item="medical")
    window = client_for("longhui_window")
    text = window.get(f"/intake/items/{item.pk}/referrals/").content.decode()
    assert "隆回县医疗保障局" in text and f'for="send-{item.pk}-note"' in text
    answer = window.post(f"/intake/items/{item.pk}/refer/", {"note": "请核定", "next": "https://evil.example/"})
    assert answer.status_code == 302 and answer["Location"] == f"/intake/items/{item.pk}/referrals/"
    assert Referral.objects.get().organization.name == "隆回县医疗保障局"


def test_a_civil_affairs_item_has_no_form(take_application, client_for):
    item = take_application().items.get(item="temporary")
    text = client_for("longhui_window").get(f"/intake/items/{item.pk}/referrals/").content.decode()
    assert "由民政部门自行办理" in text and "refer/" not in text
    answer = client_for("longhui_window").post(f"/intake/items/{item.pk}/refer/", {"note": "x"})
    assert answer.status_code == 400 and "民政部门自行办理" in answer.content.decode()


def test_a_resend_to_an_unknown_or_foreign_department_is_refused_beside_the_field(referred, client_for):
    from jiuzhu.core.models import Organization

    referral = referred["referral"]
    client_for("longhui_clerk").post(f"/intake/referrals/{referral.pk}/return/", {"reason": "缺少诊断证明"})
    window = client_for("longhui_window")
    answer = window.post(f"/intake/referrals/{referral.pk}/resend/", {"note": "已补齐诊断证明", "organization": "x"})
    assert answer.status_code == 400 and "所选部门不存在" in answer.content.decode()
    foreign = Organization.objects.get(name="洞口县医疗保障局")
    answer = window.post(f"/intake/referrals/{referral.pk}/resend/",
                         {"note": "已补齐诊断证明", "organization": str(foreign.pk)})
    text = answer.content.decode()
    assert answer.status_code == 400 and "所选部门不是该事项的责任部门" in text and "已补齐诊断证明</textarea>" in text
    assert Referral.objects.count() == 1
