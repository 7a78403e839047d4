"""The guards of the payment services (funds/services.py) that mutation testing found untested: each step's
capability, the county's jurisdiction (404 out of it, 403 for a township user inside it), the status each step
starts from, and the audit row each write leaves. Every assertion here fails when its guard is removed."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import VILLAGE_A2
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event, Region
from jiuzhu.funds import services
from jiuzhu.funds.models import (
    BankLayout,
    CheckHit,
    LineStatus,
    PaymentLine,
    Recovery,
    RecoveryStatus,
    RollStatus,
    RollTownship,
    TownshipStatus,
)
from jiuzhu.funds.tests.conftest import MONTH, return_csv

pytestmark = pytest.mark.django_db
RURAL_DIBAO = "2081902"
WINDOW_TOWNSHIP, OTHER_TOWNSHIP = "430524100000", "430524101000"


def _prepare(persona, county):
    return services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item=RURAL_DIBAO)


def _refused(message: str):
    """The exact Chinese refusal (pytest.raises' match is a search: anchored here)."""
    return pytest.raises(DomainError, match=rf"^{re.escape(message)}$")


def _event(roll, kind: str) -> Event:
    """The one event of `kind` on the roll (its actor and payload are what the timeline shows)."""
    return Event.objects.get(kind=f"funds.{kind}", subject_type="funds.paymentroll", subject_id=str(roll.pk))


def _audits(obj, **changes):
    rows = AuditLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action="update")
    return rows.filter(**{f"detail__changes__{k}": v for k, v in changes.items()})


def test_roll_check_asks_the_steps_capability_and_the_county_and_refuses_a_frozen_roll(
        persona, county, paid_household, to_county_review):
    paid_household()
    roll = _prepare(persona, county)
    with pytest.raises(PermissionDenied):  # at the townships' steps: preparing, which the approver may not
        services.roll_check(actor=persona("longhui_approver"), roll=roll)
    with pytest.raises(Http404):
        services.roll_check(actor=persona("dongkou_officer"), roll=roll)
    assert services.roll_check(actor=persona("longhui_window"), roll=roll) == {}
    roll.refresh_from_db()
    assert roll.checked_at is not None
    event = Event.objects.get(kind="funds.roll_checked", subject_id=str(roll.pk))
    assert event.actor.username == "longhui_window" and event.payload == {"hits": {}}
    to_county_review(roll)
    with pytest.raises(PermissionDenied):  # at the county's review: reviewing, which the window may not
        services.roll_check(actor=persona("longhui_window"), roll=roll)
    assert services.roll_check(actor=persona("longhui_approver"), roll=roll) == {}
    services.roll_approve(actor=persona("longhui_approver"), roll=roll)
    with _refused("花名册已审核冻结"):
        services.roll_check(actor=persona("longhui_officer"), roll=roll)
    assert Event.objects.filter(kind="funds.roll_checked", subject_id=str(roll.pk)).count() == 2


def test_a_hit_is_let_through_by_the_countys_reviewer_only_and_audited_for_the_payee(
        persona, county, paid_household, to_county_review):
    from jiuzhu.registry.models import Person

    household = paid_household()
    roll = _prepare(persona, county)
    Person.objects.filter(pk=household.head_id).update(death_date=MONTH - dt.timedelta(days=12))
    to_county_review(roll)
    hit = CheckHit.objects.get(roll=roll)
    with pytest.raises(PermissionDenied):  # the window prepares, it does not review
        services.hit_override(actor=persona("longhui_window"), hit=hit, reason="已核实")
    with pytest.raises(Http404):
        services.hit_override(actor=persona("dongkou_approver"), hit=hit, reason="已核实")
    for reason, message in ((" ", "请填写放行理由"), ("由" * 301, "放行理由不能超过 300 个字")):
        with _refused(message) as refusal:
            services.hit_override(actor=persona("longhui_approver"), hit=hit, reason=reason)
        assert refusal.value.field == "reason"
    assert CheckHit.objects.get(pk=hit.pk).override_reason == ""
    services.hit_override(actor=persona("longhui_approver"), hit=hit, reason="已核实，当月应发")
    row = AuditLog.objects.get(object_type="funds.checkhit", object_id=str(hit.pk), action="update")
    assert row.person_id == household.head_id and row.detail["changes"] == {"override_reason": "已核实，当月应发"}
    assert row.username == "longhui_approver"
    event = _event(roll, "hit_overridden")
    assert event.actor.username == "longhui_approver" and event.payload == {"hit": hit.pk, "line": hit.line_id}
    services.roll_approve(actor=persona("longhui_approver"), roll=roll)
    with _refused("花名册已审核冻结"):  # a frozen roll's hits stay as they were
        services.hit_override(actor=persona("longhui_approver"), hit=CheckHit.objects.get(pk=hit.pk), reason="再放行")
    assert CheckHit.objects.get(pk=hit.pk).override_reason == "已核实，当月应发"


def test_township_steps_start_only_from_their_status(persona, county, paid_household):
    paid_household()
    roll = _prepare(persona, county)
    window = persona("longhui_window")
    township = Region.objects.get(code=WINDOW_TOWNSHIP)
    with _refused("该乡镇的花名册不在待审核状态"):  # a pending part is not reviewed …
        services.township_review(actor=window, roll=roll, township=township)
    with _refused("该乡镇的花名册不在待审核状态"):  # … nor returned
        services.township_return(actor=window, roll=roll, township=township, reason="金额待核")
    # a township of the county without lines in the roll
    with pytest.raises(Http404, match=r"^该乡镇没有本花名册的发放对象$"):
        services.township_submit(actor=persona("longhui_officer"), roll=roll,
                                 township=Region.objects.get(code=OTHER_TOWNSHIP))
    part = services.township_submit(actor=window, roll=roll, township=township)
    assert _audits(part, status="submitted").get().username == "longhui_window"
    event = _event(roll, "township_submitted")
    assert event.actor == window and event.payload == {"township": WINDOW_TOWNSHIP}
    for reason, message in ((" ", "请填写退回理由"), ("理" * 301, "退回理由不能超过 300 个字")):
        with _refused(message) as refusal:  # a return needs its reason, and a short one
            services.township_return(actor=window, roll=roll, township=township, reason=reason)
        assert refusal.value.field == "reason"
    # The roll has gone on to the county (another township handed its part on): the part's own status no
    # longer lets any township step through.
    roll.status = RollStatus.COUNTY_HANDLING
    roll.save(update_fields=["status"])
    with _refused("该乡镇的花名册不在待审核状态"):
        services.township_review(actor=window, roll=roll, township=township)
    with _refused("该乡镇的花名册不在待审核状态"):
        services.township_return(actor=window, roll=roll, township=township, reason="金额待核")
    RollTownship.objects.filter(pk=part.pk).update(status=TownshipStatus.RETURNED)
    with _refused("该乡镇的花名册不在待经办状态"):
        services.township_submit(actor=window, roll=roll, township=township)
    roll.status = RollStatus.TOWNSHIP
    roll.save(update_fields=["status"])
    part = services.township_submit(actor=window, roll=roll, township=township)
    part = services.township_review(actor=window, roll=roll, township=township)
    assert _audits(part, status="reviewed").get().username == "longhui_window"
    event = _event(roll, "township_reviewed")
    assert event.actor == window and event.payload == {"township": WINDOW_TOWNSHIP}


def test_a_township_return_is_audited_with_its_reason(persona, county, paid_household):
    paid_household()
    roll = _prepare(persona, county)
    window = persona("longhui_window")
    township = Region.objects.get(code=WINDOW_TOWNSHIP)
    services.township_submit(actor=window, roll=roll, township=township)
    part = services.township_return(actor=window, roll=roll, township=township, reason="理" * 300)
    assert _audits(part, status="returned", reason="理" * 300).get().username == "longhui_window"
    assert RollTownship.objects.get(pk=part.pk).return_reason == "理" * 300
    event = _event(roll, "roll_returned")
    assert event.actor == window and event.payload == {"township": WINDOW_TOWNSHIP}


def test_county_steps_403_inside_the_county_404_outside_and_only_from_their_status(
        persona, county, paid_household, to_county_review):
    paid_household()
    roll = _prepare(persona, county)
    with _refused("花名册不在待县民政经办状态"):  # still at the townships
        services.county_handle(actor=persona("longhui_officer"), roll=roll)
    with _refused("花名册不在县民政经办或审核状态，不能退回"):
        services.roll_return(actor=persona("longhui_officer"), roll=roll, reason="请核实")
    for part in roll.townships.all():
        services.township_submit(actor=persona("longhui_window"), roll=roll, township=part.township)
        services.township_review(actor=persona("longhui_window"), roll=roll, township=part.township)
    roll.refresh_from_db()
    # the window sees the roll: 403, not 404
    with pytest.raises(PermissionDenied, match=r"^县民政经办、审核须由县级民政部门人员办理$"):
        services.county_handle(actor=persona("longhui_window"), roll=roll)
    with pytest.raises(Http404, match=r"^记录不存在或不在您的管辖范围内$"):
        services.county_handle(actor=persona("dongkou_officer"), roll=roll)
    with pytest.raises(PermissionDenied):  # at 县民政经办, a return is the officer's (preparing) step
        services.roll_return(actor=persona("longhui_approver"), roll=roll, reason="请核实")
    with pytest.raises(Http404):
        services.roll_return(actor=persona("dongkou_officer"), roll=roll, reason="请核实")
    services.county_handle(actor=persona("longhui_officer"), roll=roll)
    assert _audits(roll, status="county_review").get().username == "longhui_officer"
    with pytest.raises(PermissionDenied):  # at 县民政审核, a return is the reviewer's step
        services.roll_return(actor=persona("longhui_window"), roll=roll, reason="请核实")
    with pytest.raises(Http404):
        services.roll_return(actor=persona("dongkou_approver"), roll=roll, reason="请核实")
    services.roll_return(actor=persona("longhui_approver"), roll=roll, reason="请补充说明")
    assert _audits(roll, status="county_handling", reason="请补充说明").get().username == "longhui_approver"


def test_a_return_to_the_townships_reopens_the_named_township_only(persona, county, paid_household):
    paid_household()
    paid_household(village=VILLAGE_A2)
    roll = _prepare(persona, county)
    officer = persona("longhui_officer")
    for part in roll.townships.all():
        services.township_submit(actor=officer, roll=roll, township=part.township)
        services.township_review(actor=officer, roll=roll, township=part.township)
    roll.refresh_from_db()
    services.roll_return(actor=officer, roll=roll, reason="小沙江镇金额待核",
                         township=Region.objects.get(code=OTHER_TOWNSHIP))
    parts = dict(roll.townships.values_list("township__code", "status"))
    assert parts == {WINDOW_TOWNSHIP: TownshipStatus.REVIEWED, OTHER_TOWNSHIP: TownshipStatus.RETURNED}
    assert roll.townships.get(township__code=OTHER_TOWNSHIP).return_reason == "小沙江镇金额待核"
    assert RollStatus.TOWNSHIP == type(roll).objects.get(pk=roll.pk).status


def test_bank_steps_need_an_approved_roll_of_the_county_and_a_failed_line(
        persona, county, paid_household, to_county_review, approved_roll):
    paid_household()
    waiting = _prepare(persona, county)
    to_county_review(waiting)
    officer = persona("longhui_officer")
    with _refused("花名册审核通过后才能生成银行文件、导入回盘"):
        services.bank_file(actor=officer, roll=waiting, bank_name="隆回农商银行")
    with _refused("花名册审核通过后才能生成银行文件、导入回盘"):
        services.return_import(actor=officer, roll=waiting, data=return_csv([]), filename="回盘.csv")
    roll = services.roll_approve(actor=persona("longhui_approver"), roll=waiting)
    with pytest.raises(PermissionDenied):  # the approver reviews; bank files are prepared by the officer
        services.bank_file(actor=persona("longhui_approver"), roll=roll, bank_name="隆回农商银行")
    with pytest.raises(Http404):
        services.bank_file(actor=persona("dongkou_officer"), roll=roll, bank_name="隆回农商银行")
    line = PaymentLine.objects.get(roll=roll)
    for step in (lambda: services.line_stop(actor=officer, line=line, reason="已迁出"),
                 lambda: services.line_correct(actor=officer, line=line)):
        with _refused("只有发放失败的记录可以停发或更正发放"):  # a line waiting for the bank is neither
            step()
    with pytest.raises(PermissionDenied):
        services.line_stop(actor=persona("longhui_approver"), line=line, reason="已迁出")
    services.return_import(actor=officer, roll=roll, filename="回盘.csv",
                           data=return_csv([(line.pk, "某", line.total, "失败", "账户已销户")]))
    line.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.line_correct(actor=persona("longhui_approver"), line=line)
    services.line_stop(actor=officer, line=line, reason="已迁出本县")
    row = _audits(line, status="stopped", reason="已迁出本县").get()
    assert row.person_id == line.payee_id and PaymentLine.objects.get(pk=line.pk).status == LineStatus.STOPPED


def test_a_correction_is_audited_for_the_payee(persona, approved_roll):
    officer = persona("longhui_officer")
    roll = approved_roll(1)
    line = PaymentLine.objects.get(roll=roll)
    services.return_import(actor=officer, roll=roll, filename="回盘.csv",
                           data=return_csv([(line.pk, "某", line.total, "失败", "")]))
    new = services.line_correct(actor=officer, line=PaymentLine.objects.get(pk=line.pk))
    row = _audits(line, status="corrected", correction=new.pk).get()
    assert row.person_id == line.payee_id and row.username == "longhui_officer"


def test_a_repayment_is_the_preparers_within_the_amount_owed_and_audited(persona, approved_roll):
    roll = approved_roll(1)
    line = PaymentLine.objects.get(roll=roll)
    recovery = Recovery.objects.create(line=line, person_id=line.payee_id, township=line.township,
                                       amount=Decimal("300.00"), reason="死亡后仍发放")
    window = persona("longhui_window")
    with pytest.raises(PermissionDenied):
        services.recovery_repay(actor=persona("longhui_approver"), recovery=recovery, amount="100")
    for amount in ("0", "-5", "三百", "300.01"):
        with pytest.raises(DomainError):
            services.recovery_repay(actor=window, recovery=recovery, amount=amount)
    assert Recovery.objects.get(pk=recovery.pk).repaid == 0
    services.recovery_repay(actor=window, recovery=recovery, amount="100")
    assert recovery.status == RecoveryStatus.OPEN
    row = _audits(recovery, repaid="100.00").get()
    assert row.person_id == line.payee_id
    services.recovery_repay(actor=window, recovery=recovery, amount="200")
    assert Recovery.objects.get(pk=recovery.pk).status == RecoveryStatus.REPAID
    with _refused("该追缴已结清"):
        services.recovery_repay(actor=window, recovery=recovery, amount="1")


def test_a_banks_layout_is_set_for_a_county_of_the_administrator_and_audited(persona, county):
    admin = persona("longhui_admin")
    good = "序号=流水号\n卡号=账号"
    for region in (Region.objects.get(code=WINDOW_TOWNSHIP), Region.objects.get(code="430525")):
        with pytest.raises(Http404):  # a township is below the layouts' level; 洞口县 is not the admin's
            services.bank_layout_set(actor=admin, region=region, bank_name="隆回农商银行", file_format="csv",
                                     columns_text=good)
    with _refused("请选择文件格式"):
        services.bank_layout_set(actor=admin, region=county, bank_name="隆回农商银行", file_format="pdf",
                                 columns_text=good)
    for columns in ("序号=流水号", "卡号=账号", "序号=流水号\n=账号"):
        with pytest.raises(DomainError):
            services.bank_layout_set(actor=admin, region=county, bank_name="隆回农商银行", file_format="csv",
                                     columns_text=columns)
    assert not BankLayout.objects.exists()
    layout = services.bank_layout_set(actor=admin, region=county, bank_name="隆回农商银行", file_format="csv",
                                      columns_text=good + "\n\n金额=金额")
    assert layout.columns == [["序号", "line_id"], ["卡号", "account"], ["金额", "amount"]]
    services.bank_layout_set(actor=admin, region=county, bank_name="隆回农商银行", file_format="xlsx",
                             columns_text=good)
    actions = list(AuditLog.objects.filter(object_type="funds.banklayout").order_by("pk").values_list(
        "action", "detail__changes__file_format"))
    assert actions == [("create", "csv"), ("update", "xlsx")]
