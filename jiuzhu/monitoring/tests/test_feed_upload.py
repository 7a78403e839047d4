"""Department feeds: validation with row/column reasons, held batches, accepting without bad rows, the
batch key, Parquet in the contract's layout, scope and capability."""

import datetime as dt

import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied

from jiuzhu.core.crypto import decrypt_text, keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import AuditLog, Event, Organization
from jiuzhu.monitoring import feeds, feeds_store
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus
from jiuzhu.monitoring.tests import feed_files as ff

GOOD_ID = make_id_number("430524", dt.date(1970, 5, 17), 21)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def with_errors() -> bytes:
    bad_check = GOOD_ID[:-1] + ("1" if GOOD_ID[-1] != "1" else "2")
    return ff.csv_bytes([
        ff.medical_row(GOOD_ID, "刘桂兰"),
        ff.medical_row(bad_check, "王五"),  # wrong check digit, no birth date: an error
        ff.medical_row(make_id_number("430524", dt.date(1980, 1, 2), 31), "赵六", admitted="2026-02-30"),
        ff.medical_row(make_id_number("430524", dt.date(1981, 1, 2), 33), "钱七", total="一万"),
    ], encoding="gbk", title="隆回县医疗保障局2026年10月住院结算数据")


def test_a_clean_feed_is_stored_as_parquet_in_the_contract_layout(persona):
    clerk = persona("longhui_clerk")
    result = feeds.feed_upload(actor=clerk, kind="medical_settlement", data=ff.csv_bytes(ff.good_rows(50)),
                               filename="结算.csv")
    batch = result.batch
    assert result.status == FeedBatchStatus.STORED and batch.rows_stored == 50 and batch.rows_rejected == 0
    assert batch.organization == clerk.organization and batch.region == clerk.organization.region
    table = pq.read_table(feeds_store.absolute(batch.data_path))
    assert table.column_names[:8] == ["id_hash", "id_enc", "name", "person_id", "region_code", "row_number",
                                      "birth_date", "link_method"]
    assert str(table.schema.field("total_cost").type) == "decimal128(14, 2)"
    assert str(table.schema.field("admission_date").type) == "date32[day]"
    first = table.slice(0, 1).to_pylist()[0]
    number = ff.good_rows(1)[0][0]
    assert first["id_hash"] == keyed_hash(number) and decrypt_text(first["id_enc"]) == number
    assert first["row_number"] == 2 and first["birth_date"] == dt.date(1940, 1, 1)
    assert feeds_store.stored_feed_paths("medical_settlement") == [feeds_store.absolute(batch.data_path)]
    assert AuditLog.objects.filter(action="import", object_id=str(batch.pk)).exists()
    assert Event.objects.filter(kind=MonitoringEvent.FEED_UPLOADED, subject_id=str(batch.pk)).exists()


def test_errors_name_row_and_column_and_the_batch_is_held_until_the_uploader_accepts(persona):
    clerk = persona("longhui_clerk")
    result = feeds.feed_upload(actor=clerk, kind="medical_settlement", data=with_errors(), filename="结算.csv")
    batch = result.batch
    assert result.status == FeedBatchStatus.CHECKED
    assert (batch.rows_total, batch.rows_stored, batch.rows_rejected) == (4, 1, 3)
    assert feeds_store.stored_feed_paths("medical_settlement") == []  # held: not offered to the runs
    errors = feeds.batch_report(batch)["errors"]
    where = {(e["row"], e["column"]): e["message"] for e in errors}
    assert where[(4, "身份证号码")].startswith("身份证号码校验位错误")
    assert where[(5, "入院日期")] == "日期“2026-02-30”不存在"
    assert where[(6, "医疗总费用")] == "“一万”不是数字"
    rejected = feeds_store.read_sealed_table(batch.rejected_path).to_pylist()
    assert [r["行号"] for r in rejected] == [4, 5, 6] and rejected[1]["入院日期"] == "2026-02-30"
    batch = feeds.feed_accept(actor=clerk, batch_id=batch.pk)
    assert batch.status == FeedBatchStatus.STORED
    assert len(feeds_store.stored_feed_paths("medical_settlement")) == 1
    assert Event.objects.filter(kind=MonitoringEvent.FEED_ACCEPTED, subject_id=str(batch.pk)).exists()
    with pytest.raises(DomainError):
        feeds.feed_accept(actor=clerk, batch_id=batch.pk)


def test_accept_partial_stores_at_once_and_the_same_file_again_is_a_no_op(persona):
    clerk = persona("longhui_clerk")
    first = feeds.feed_upload(actor=clerk, kind="medical_settlement", data=with_errors(), filename="a.csv",
                              accept_partial=True)
    assert first.status == FeedBatchStatus.STORED and first.batch.rows_stored == 1
    again = feeds.feed_upload(actor=clerk, kind="medical_settlement", data=with_errors(), filename="b.csv")
    assert again.status == "already_received" and again.batch == first.batch and "已于" in again.message
    assert FeedBatch.objects.count() == 1


def test_withdrawing_a_held_batch_frees_the_file_for_a_new_upload(persona, django_capture_on_commit_callbacks):
    clerk = persona("longhui_clerk")
    held = feeds.feed_upload(actor=clerk, kind="medical_settlement", data=with_errors(), filename="a.csv").batch
    path = feeds_store.absolute(held.data_path)
    with django_capture_on_commit_callbacks(execute=True):
        feeds.feed_withdraw(actor=clerk, batch_id=held.pk)
    assert not path.exists()
    again = feeds.feed_upload(actor=clerk, kind="medical_settlement", data=with_errors(), filename="a.csv")
    assert again.status == FeedBatchStatus.CHECKED and again.batch.pk != held.pk


def test_a_file_without_the_required_columns_is_refused_whole(persona):
    data = "姓名,出生日期,医疗机构\r\n张三,1970-01-01,某医院\r\n".encode()
    with pytest.raises(DomainError) as refused:
        feeds.feed_upload(actor=persona("longhui_clerk"), kind="medical_settlement", data=data, filename="x.csv")
    assert "入院日期" in refused.value.message and not FeedBatch.objects.exists()


def test_the_size_limit_is_checked_before_parsing(persona, settings):
    settings.MONITORING_FEED_MAX_BYTES = 100
    with pytest.raises(DomainError) as refused:
        feeds.feed_upload(actor=persona("longhui_clerk"), kind="medical_settlement",
                          data=b"\xff" * 101, filename="x.csv")  # not even decodable: never read
    assert "上限" in refused.value.message


def test_capability_and_scope_guards(persona):
    data = ff.csv_bytes(ff.good_rows(3))
    with pytest.raises(PermissionDenied):  # no UPLOAD_FEEDS
        feeds.feed_upload(actor=persona("longhui_window"), kind="medical_settlement", data=data, filename="x.csv")
    other_department = Organization.objects.get(name="隆回县公安局")
    with pytest.raises(PermissionDenied):  # a clerk uploads only for its own department
        feeds.feed_upload(actor=persona("longhui_clerk"), kind="medical_settlement", data=data, filename="x.csv",
                          organization=other_department)
    with pytest.raises(PermissionDenied):  # an officer only for a department of its county
        feeds.feed_upload(actor=persona("longhui_officer"), kind="medical_settlement", data=data,
                          filename="x.csv", organization=Organization.objects.get(name="洞口县医疗保障局"))
    with pytest.raises(DomainError):  # an officer names a department, not a civil-affairs office
        feeds.feed_upload(actor=persona("longhui_officer"), kind="medical_settlement", data=data,
                          filename="x.csv", organization=Organization.objects.get(name="隆回县民政局"))
    batch = feeds.feed_upload(actor=persona("longhui_officer"), kind="medical_settlement", data=data,
                              filename="x.csv", organization=other_department).batch
    assert batch.organization == other_department
    # The batch is the 公安局's: the 医保局's clerk does not see it, 洞口县's officer does not either.
    assert list(feeds.batches_for(persona("longhui_clerk"))) == []
    assert list(feeds.batches_for(persona("dongkou_officer"))) == []
    assert list(feeds.batches_for(persona("longhui_officer"))) == [batch]
    from django.http import Http404

    with pytest.raises(Http404):
        feeds.feed_accept(actor=persona("longhui_clerk"), batch_id=batch.pk)


def test_a_parquet_feed_is_read_through_the_kit(persona):
    import io

    import pyarrow as pa

    rows = [*ff.good_rows(3), ff.medical_row(GOOD_ID, "刘桂兰", total="abc")]
    table = pa.table({h: [r[i] for r in rows] for i, h in enumerate(ff.HEADERS)})
    out = io.BytesIO()
    pq.write_table(table, out)
    result = feeds.feed_upload(actor=persona("longhui_clerk"), kind="medical_settlement", data=out.getvalue(),
                               filename="结算.parquet")
    assert (result.batch.rows_stored, result.batch.rows_rejected) == (3, 1)
    assert [(e["row"], e["column"]) for e in feeds.batch_report(result.batch)["errors"]] == [(5, "医疗总费用")]
