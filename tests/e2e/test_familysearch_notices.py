"""The station manager of 隆回县救助管理站, on a desk and on a 390×844 phone, opens an overdue 寻亲公告 draft from the
work list on the home page, corrects one field, publishes it; the public notice page shows it to anyone, without
signing in; the manager withdraws it and the public page is gone (404). Issue #19."""

import datetime as dt

from jiuzhu.core.models import User
from jiuzhu.familysearch.models import FamilyNotice
from jiuzhu.rescue.cases_services import case_admit
from tests.e2e.conftest import shooter, sign_in

shot = shooter("familysearch-notices")


def test_the_manager_publishes_an_overdue_notice_and_withdraws_it(page, open_page, viewport, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_admit(actor=User.objects.get(username="longhui_station"), sex="F", arrival_channel="self_request",
                      name="", estimated_age=72, check_note="言语不清", vagrancy_reason="走失")
    notice = FamilyNotice.objects.get(case=case)  # drafted by the admission's handler
    FamilyNotice.objects.filter(pk=notice.pk).update(due_at=notice.due_at - dt.timedelta(days=2))  # overdue

    sign_in(page, "longhui_stationmgr")
    with page.expect_navigation():
        page.get_by_role("link", name="24 小时内待发布或已超时的寻亲公告").click()
    row = page.locator(f"#notice-{notice.pk}")
    assert "已超时" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name=notice.public_code).click()
    page.get_by_label("体貌特征").fill("白发，右耳戴银耳环")
    with page.expect_navigation():
        page.get_by_role("button", name="保存公告内容").click()
    assert "寻亲公告已保存" in page.locator("main").inner_text()
    shot(page, "1-draft", viewport)
    with page.expect_navigation():
        page.get_by_role("button", name="审核发布").click()
    assert "第 1 次发布" in page.locator("#notice-state").inner_text()

    public = open_page()  # anyone, not signed in
    public.goto(f"{public.base_url}/xunqin/")
    with public.expect_navigation():
        public.get_by_role("link", name=notice.title).click()
    text = public.locator("main").inner_text()
    assert "白发，右耳戴银耳环" in text and "隆回县救助管理站" in text and case.number not in text
    shot(public, "2-public", viewport)

    page.get_by_label("撤回原因").fill("家属来站认领")
    with page.expect_navigation():
        page.get_by_role("button", name="撤回公告").click()
    assert "家属来站认领" in page.locator("#notice-state").inner_text()
    public.guard.allow_status(404)
    response = public.goto(f"{public.base_url}/xunqin/n/{notice.public_code}/")
    assert response.status == 404
    shot(public, "3-withdrawn", viewport)
