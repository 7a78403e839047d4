"""A bank file's payees audited as one list (core.audit.audit_person_set): one chained row, the auditor still
finds each payee through it, a person not in the file is not found, and a changed list breaks the chain."""

import pytest
from django.db import connection

from jiuzhu.core.audit import PERSON_SET_TYPE, verify_chain
from jiuzhu.core.audit_labels import describe_rows
from jiuzhu.core.models import AuditLog, AuditPersonSet
from jiuzhu.core.selectors import audit_search
from jiuzhu.funds import services
from jiuzhu.funds.models import PaymentLine
from jiuzhu.funds.tests.conftest import MONTH
from jiuzhu.registry.models import Person

pytestmark = pytest.mark.django_db
BANK = "隆回农商银行"


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_the_auditor_finds_each_payee_through_the_files_one_row(persona, approved_roll, paid_household):
    roll = approved_roll(2)
    payees = list(PaymentLine.objects.filter(roll=roll).values_list("payee_id", flat=True))
    last = AuditLog.objects.order_by("-id").values_list("id", flat=True).first()
    services.bank_file(actor=persona("longhui_officer"), roll=roll, bank_name=BANK)
    row = AuditLog.objects.get(object_type=PERSON_SET_TYPE)
    assert not AuditLog.objects.filter(id__gt=last, person_id__in=payees).exists()  # no row per payee
    assert row.detail["person_set"]["persons"] == 2 and row.username == "longhui_officer"
    assert set(AuditPersonSet.objects.filter(set_id=int(row.object_id)).values_list("person_id", flat=True)) == \
        set(payees)

    auditor = persona("longhui_auditor")
    for payee in payees:
        assert row.pk in _ids(audit_search(actor=auditor, person_id=payee))
    named = Person.objects.get(pk=payees[0]).name
    assert row.pk in _ids(audit_search(actor=auditor, person_name=named))
    outsider = paid_household().members.get(relation="head")  # in the registry, not in the file
    assert row.pk not in _ids(audit_search(actor=auditor, person_id=outsider.pk))
    assert row.pk not in _ids(audit_search(actor=auditor, person_name=outsider.name))
    assert row.pk not in _ids(audit_search(actor=persona("dongkou_auditor"), person_id=payees[0]))

    (shown,) = describe_rows([row])
    assert shown.object_text.startswith("包含在银行代发文件（") and "共 2 人" in shown.object_text
    assert "用途：银行代发文件" in shown.detail_text
    report = verify_chain()
    assert report.intact and report.head_id >= row.pk


def test_one_banks_file_audits_only_that_banks_payees(persona, paid_household, county, to_county_review):
    ours = [paid_household(), paid_household()]
    other = paid_household(bank="中国邮政储蓄银行")
    roll = services.roll_prepare(actor=persona("longhui_officer"), county=county, month=MONTH, item="2081902")
    to_county_review(roll)
    roll = services.roll_approve(actor=persona("longhui_approver"), roll=roll)
    services.bank_file(actor=persona("longhui_officer"), roll=roll, bank_name=BANK)
    row = AuditLog.objects.get(object_type=PERSON_SET_TYPE)
    listed = set(AuditPersonSet.objects.filter(set_id=int(row.object_id)).values_list("person_id", flat=True))
    assert listed == {h.members.get(relation="head").pk for h in ours}
    assert row.detail["person_set"]["persons"] == 2
    assert other.members.get(relation="head").pk not in listed


@pytest.mark.owner_role  # tampers with the audit tables as the owner
@pytest.mark.parametrize("change", ["delete", "insert", "update"])
def test_a_changed_list_of_persons_breaks_the_chain(persona, approved_roll, change):
    roll = approved_roll(2)
    services.bank_file(actor=persona("longhui_officer"), roll=roll, bank_name=BANK)
    row = AuditLog.objects.get(object_type=PERSON_SET_TYPE)
    set_id = int(row.object_id)
    with connection.cursor() as cursor:
        if change == "delete":
            cursor.execute("DELETE FROM core_auditpersonset WHERE set_id = %s AND person_id ="
                           " (SELECT MIN(person_id) FROM core_auditpersonset WHERE set_id = %s)", [set_id, set_id])
        elif change == "insert":
            cursor.execute("INSERT INTO core_auditpersonset (set_id, person_id) VALUES (%s, 999999)", [set_id])
        else:
            cursor.execute("UPDATE core_auditpersonset SET person_id = 999999 WHERE set_id = %s AND person_id ="
                           " (SELECT MIN(person_id) FROM core_auditpersonset WHERE set_id = %s)", [set_id, set_id])
    report = verify_chain()
    assert not report.intact and report.broken_id == row.pk and report.reason == "persons"
