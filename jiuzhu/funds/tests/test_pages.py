"""Pages: a township sees only its lines; another county gets 404; capability guards; the chain through pages."""

import pytest

from conftest import VILLAGE_A2
from jiuzhu.core.models import AuditLog
from jiuzhu.funds import services
from jiuzhu.funds.models import PaymentLine, RollStatus
from jiuzhu.funds.tests.conftest import MONTH, return_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(persona, county, paid_household):
    paid_household()
    paid_household(village=VILLAGE_A2)
    return services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")


def test_township_sees_only_its_lines(client_for, roll):
    from jiuzhu.core.models import AuditLog

    page = client_for("longhui_window").get(f"/funds/rolls/{roll.pk}/lines/")
    assert page.status_code == 200
    mine = PaymentLine.objects.get(roll=roll, township__code="430524100000")
    other = PaymentLine.objects.get(roll=roll, township__code="430524101000")
    html = page.content.decode()
    assert mine.payee.name in html and other.payee.name not in html
    assert list(AuditLog.objects.filter(detail__purpose="发放明细").values_list("person_id", flat=True)) \
        == [mine.payee_id]
    county_page = client_for("longhui_officer").get(f"/funds/rolls/{roll.pk}/lines/").content.decode()
    assert mine.payee.name in county_page and other.payee.name in county_page


def test_out_of_scope_is_404_and_capabilities_hold(client_for, roll):
    assert client_for("dongkou_officer").get(f"/funds/rolls/{roll.pk}/").status_code == 404
    assert client_for("dongkou_officer").get(f"/funds/rolls/{roll.pk}/lines/").status_code == 404
    assert client_for("longhui_coordinator").get("/funds/rolls/").status_code == 403
    assert client_for("longhui_approver").post("/funds/rolls/prepare/", {"month": "2026-11", "item": "2081902"}
                                               ).status_code == 403
    line = PaymentLine.objects.get(roll=roll, township__code="430524101000")
    assert client_for("longhui_window").post(f"/funds/lines/{line.pk}/stop/", {"reason": "x"}).status_code == 404


def test_chain_through_pages(client_for, roll, persona):
    window, officer, approver = client_for("longhui_window"), client_for("longhui_officer"), client_for(
        "longhui_approver")
    part = roll.townships.get(township__code="430524100000")
    page = window.get(f"/funds/rolls/{roll.pk}/").content.decode()
    assert "乡镇经办提交" in page and "430524101000" not in page
    window.post(f"/funds/rolls/{roll.pk}/submit/", {"township": part.township_id})
    window.post(f"/funds/rolls/{roll.pk}/review/", {"township": part.township_id})
    other = roll.townships.get(township__code="430524101000")
    officer.post(f"/funds/rolls/{roll.pk}/submit/", {"township": other.township_id})
    officer.post(f"/funds/rolls/{roll.pk}/review/", {"township": other.township_id})
    officer.post(f"/funds/rolls/{roll.pk}/handle/")
    approver.post(f"/funds/rolls/{roll.pk}/approve/")
    roll.refresh_from_db()
    assert roll.status == RollStatus.APPROVED
    page = officer.get(f"/funds/rolls/{roll.pk}/").content.decode()
    assert "下载隆回农商银行代发文件" in page and "导入回盘" in page
    download = officer.get(f"/funds/rolls/{roll.pk}/bank-file/", {"bank": "隆回农商银行", "batch": "0"})
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    exported = AuditLog.objects.filter(action="export", detail__object_type="funds.paymentline").latest("pk")
    assert exported.detail["filters"]["开户银行"] == "隆回农商银行" and "更正批次" not in exported.detail["filters"]
    assert exported.detail["filters"]["发放花名册"].endswith(f"（#{roll.pk}）")
    assert set(exported.detail["filters"]) == {"发放花名册", "开户银行"}  # the auditor reads Chinese labels
    ids = list(PaymentLine.objects.filter(roll=roll).order_by("id").values_list("id", "total"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = return_csv([(ids[0][0], "某", ids[0][1], "成功", ""), (ids[1][0], "某", ids[1][1], "失败", "账号不存在")])
    officer.post(f"/funds/rolls/{roll.pk}/return-file/", {"file": SimpleUploadedFile("回盘.csv", data)})
    page = officer.get(f"/funds/rolls/{roll.pk}/").content.decode()
    assert "账号不存在" in page and "成功 1 笔，失败 1 笔" in page
    assert officer.get(f"/funds/rolls/{roll.pk}/print/").status_code == 200
    export = officer.get("/funds/rolls/export/")
    assert export.status_code == 200


def test_work_list_shows_rolls_waiting_for_my_step(persona, roll):
    from jiuzhu.funds.worklist import rolls_waiting

    assert rolls_waiting(persona("longhui_window")).count == 1  # 桃洪镇's part waits for its window
    assert rolls_waiting(persona("longhui_approver")) is None  # nothing at 县民政审核 yet
    assert rolls_waiting(persona("dongkou_officer")) is None
