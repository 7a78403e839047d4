"""The feed pages, the API over real HTTP with a department's token, and manage.py upload_feed."""

import datetime as dt
import io
import json
import urllib.error
import urllib.request
import uuid

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from jiuzhu.core.auth import api_token_issue
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Organization
from jiuzhu.monitoring import feeds
from jiuzhu.monitoring.feeds_schema import FEED_SCHEMAS, template_workbook
from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus, FeedKind
from jiuzhu.monitoring.tests import feed_files as ff
from jiuzhu.monitoring.tests.test_feed_upload import with_errors


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_kind_has_a_schema_and_a_template_that_uploads_as_is(persona):
    assert set(FEED_SCHEMAS) == set(FeedKind.values)
    for kind in FeedKind.values:
        data = template_workbook(kind)
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        assert [c.value for c in sheet[1]][:2] == ["身份证号码", "姓名（必填）"]
        result = feeds.feed_upload(actor=persona("longhui_clerk"), kind=kind, data=data, filename="模板.xlsx")
        assert (result.status, result.batch.rows_stored) == ("stored", 1), (kind, feeds.batch_report(result.batch))


def test_the_clerk_uploads_sees_the_report_accepts_and_downloads_the_rejected_rows(client_for):
    client = client_for("longhui_clerk")
    page = client.get("/monitoring/feeds/")
    assert page.status_code == 200 and "部门工作台" in page.content.decode()
    response = client.post("/monitoring/feeds/", {"kind": "medical_settlement",
                                                  "file": SimpleUploadedFile("结算.csv", with_errors())})
    batch = FeedBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/feeds/{batch.pk}/"
    body = client.get(response["Location"]).content.decode()
    assert "第 5 行" in body and "入院日期" in body and "日期“2026-02-30”不存在" in body and "不含错误行入库" in body
    client.post(f"/monitoring/feeds/{batch.pk}/accept/")
    batch.refresh_from_db()
    assert batch.status == FeedBatchStatus.STORED
    rejected = client.get(f"/monitoring/feeds/{batch.pk}/rejected.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(rejected.content)).worksheets[0].values)
    assert rows[0][0] == "行号" and rows[0][-1] == "错误原因" and [r[0] for r in rows[1:]] == [4, 5, 6]
    report = client.get(f"/monitoring/feeds/{batch.pk}/report.csv").content.decode("utf-8-sig")
    assert "医疗总费用" in report and "“一万”不是数字" in report
    assert AuditLog.objects.filter(action="export", object_id=str(batch.pk)).count() == 2


def test_the_page_guards(client_for, persona):
    clerk_batch = feeds.feed_upload(actor=persona("longhui_clerk"), kind="medical_settlement",
                                    data=ff.csv_bytes(ff.good_rows(2)), filename="x.csv").batch
    assert client_for("longhui_window").get("/monitoring/feeds/").status_code == 403  # no UPLOAD_FEEDS
    assert client_for("dongkou_clerk").get(f"/monitoring/feeds/{clerk_batch.pk}/").status_code == 404
    assert client_for("dongkou_officer").get(f"/monitoring/feeds/{clerk_batch.pk}/rejected.xlsx").status_code == 404
    assert client_for("longhui_officer").get(f"/monitoring/feeds/{clerk_batch.pk}/").status_code == 200
    # An officer picks the department; a clerk is not offered the choice.
    assert "数据来源部门" in client_for("longhui_officer").get("/monitoring/feeds/").content.decode()
    assert "数据来源部门" not in client_for("longhui_clerk").get("/monitoring/feeds/").content.decode()


def test_the_schema_page_and_a_template(client_for):
    client = client_for("longhui_clerk")
    body = client.get("/monitoring/feeds/schemas/").content.decode()
    assert "医保结算" in body and "个人自付" in body and "残疾等级" in body
    template = client.get("/monitoring/feeds/schemas/disability/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def _multipart(fields: dict, file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 "Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(url: str, raw: str, body: bytes | None = None, content_type: str = "application/json"):
    request = urllib.request.Request(url, data=body or b"", method="POST",
                                     headers={"Authorization": f"Bearer {raw}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_department_token_uploads_a_feed_over_real_http(live_server, persona):
    org = Organization.objects.get(name="隆回县医疗保障局")
    _, raw = api_token_issue(actor=persona("longhui_admin"), organization=org, name="医保结算对接")
    body, content_type = _multipart({"kind": "medical_settlement"}, "jiesuan.csv", with_errors())
    status, answer = _post(f"{live_server.url}/api/v1/monitoring/feeds", raw, body, content_type)
    assert status == 200, answer
    assert answer["status"] == "checked" and answer["batch"]["rows_rejected"] == 3
    assert answer["batch"]["organization"] == "隆回县医疗保障局"
    batch_id = answer["batch"]["id"]
    status, again = _post(f"{live_server.url}/api/v1/monitoring/feeds", raw, body, content_type)
    assert status == 200 and again["status"] == "already_received" and again["batch"]["id"] == batch_id
    status, accepted = _post(f"{live_server.url}/api/v1/monitoring/feeds/{batch_id}/accept", raw)
    assert status == 200 and accepted["status"] == "stored"
    # The rejected rows, through the API with the token, as the page gives them; an unknown format is 404.
    rejected = urllib.request.Request(f"{live_server.url}{accepted['rejected_csv']}",
                                      headers={"Authorization": f"Bearer {raw}"})
    with urllib.request.urlopen(rejected, timeout=60) as response:
        assert response.status == 200 and len(response.read().decode("utf-8-sig").splitlines()) == 4
    unknown = urllib.request.Request(f"{live_server.url}/api/v1/monitoring/feeds/{batch_id}/rejected.pdf",
                                     headers={"Authorization": f"Bearer {raw}"})
    with pytest.raises(urllib.error.HTTPError) as refused_format:
        urllib.request.urlopen(unknown, timeout=60)
    assert refused_format.value.code == 404
    # The token's department cannot upload for another department.
    other = Organization.objects.get(name="隆回县公安局")
    body, content_type = _multipart({"kind": "death_public_security", "organization_id": other.pk}, "a.csv",
                                    ff.csv_bytes(ff.good_rows(1)))
    status, refused = _post(f"{live_server.url}/api/v1/monitoring/feeds", raw, body, content_type)
    assert status == 403 and refused["code"] == "forbidden"


def test_the_api_refuses_a_file_without_its_columns_and_over_the_limit(client_for, settings):
    client = client_for("longhui_clerk")
    bad = SimpleUploadedFile("x.csv", "姓名,出生日期\r\n张三,1970-01-01\r\n".encode())
    answer = client.post("/api/v1/monitoring/feeds", {"kind": "medical_settlement", "file": bad})
    assert answer.status_code == 400 and "入院日期" in answer.json()["message"]
    settings.MONITORING_FEED_MAX_BYTES = 10
    big = SimpleUploadedFile("x.csv", b"x" * 11)
    answer = client.post("/api/v1/monitoring/feeds", {"kind": "medical_settlement", "file": big})
    assert answer.status_code == 400 and "上限" in answer.json()["message"]


def test_the_command_holds_a_file_with_errors_or_accepts_it_partially(world, tmp_path):
    path = tmp_path / "结算.csv"
    path.write_bytes(with_errors())
    out, err = io.StringIO(), io.StringIO()
    call_command("upload_feed", str(path), kind="medical_settlement", user="longhui_clerk",
                 errors_xlsx=str(tmp_path / "e.xlsx"), stdout=out, stderr=err)
    assert "待确认" in out.getvalue() and "第5行 E列 入院日期：日期“2026-02-30”不存在" in err.getvalue()
    assert (tmp_path / "e.xlsx").read_bytes()[:2] == b"PK"
    assert FeedBatch.objects.get().status == FeedBatchStatus.CHECKED
    out = io.StringIO()
    call_command("upload_feed", str(path), kind="medical_settlement", user="longhui_clerk", stdout=out, stderr=err)
    assert "已于" in out.getvalue()
    second = tmp_path / "b.csv"
    second.write_bytes(ff.csv_bytes([ff.medical_row(make_id_number("430524", dt.date(1990, 1, 1), 1), "甲"),
                                     ff.medical_row("", "乙")]))
    call_command("upload_feed", str(second), kind="medical_settlement", user="longhui_officer",
                 organization="隆回县医疗保障局", accept_partial=True, stdout=out, stderr=err)
    assert FeedBatch.objects.latest("pk").status == FeedBatchStatus.STORED
    with pytest.raises(CommandError):
        call_command("upload_feed", str(second), kind="medical_settlement", user="longhui_officer",
                     stdout=out, stderr=err)  # an officer must name the department
