"""The monitoring demo (jiuzhu/monitoring/demo.py): feeds of each kind uploaded through the services, one run, the
warnings handled to every status and disposition, in seconds; a second call adds nothing."""

import datetime as dt
import time

from conftest import member
from jiuzhu.monitoring.demo import SENDERS, populate
from jiuzhu.monitoring.models import (
    Disposition,
    FeedBatch,
    FeedBatchStatus,
    FeedLinkReview,
    TerminationStatus,
    Warning,
    WarningReferral,
    WarningStatus,
    WarningTermination,
)
from jiuzhu.registry.models import AssistanceGrant

NAMES = ["刘桂兰", "王秀英", "李建国", "张明华", "陈玉兰", "杨志平", "赵春芳", "黄文军", "周红英", "吴国平", "徐秀兰",
         "孙建华", "朱明芳", "胡玉英", "郭志明", "林春华", "何文兰", "高红军", "罗桂芳", "郑国英"]


def test_the_demo_has_feeds_and_warnings_in_every_status(register, catalogue, media):
    for seq, name in enumerate(NAMES):  # heads of the window's township (桃洪镇), one household each
        register(members=[member(name, "head", born=dt.date(1950 + seq, 3, 8), seq=100 + seq)])
    started = time.monotonic()
    made = populate(seed=7)
    seconds = time.monotonic() - started
    assert not made["skipped"] and made["batches"] == len(SENDERS) and made["warnings"] >= 12, made
    assert FeedBatch.objects.filter(status=FeedBatchStatus.STORED).count() == len(SENDERS)
    assert FeedBatch.objects.filter(rows_rejected=1, kind="medical_settlement").exists()
    assert FeedLinkReview.objects.exists()
    statuses = set(Warning.objects.values_list("status", flat=True))
    assert statuses == {WarningStatus.OPEN, WarningStatus.VISITED, WarningStatus.REFERRED, WarningStatus.CLOSED}
    closed = set(Warning.objects.filter(status=WarningStatus.CLOSED).values_list("disposition", flat=True))
    assert closed == {Disposition.IMPLEMENT_POLICY, Disposition.REFER_DEPARTMENT, Disposition.CASE_CONFERENCE,
                      Disposition.VERIFY_TERMINATE, Disposition.REBUTTED}
    assert Warning.objects.filter(overdue=True).exclude(status=WarningStatus.CLOSED).exists()
    assert WarningReferral.objects.filter(answered_at__isnull=True).exists()
    assert Warning.objects.filter(status=WarningStatus.REFERRED, referrals__answered_at__isnull=False).exists()
    assert WarningTermination.objects.filter(status=TerminationStatus.PENDING).exists()
    assert AssistanceGrant.objects.filter(category="temporary", once_amount=2000).count() == 1
    count = Warning.objects.count()
    assert populate(seed=7)["skipped"] and Warning.objects.count() == count
    print(f"monitoring demo: {made} in {seconds:.1f} s")
    assert seconds < 60
