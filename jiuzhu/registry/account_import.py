"""Payment accounts from the bank's account template (issue 21): 姓名, 身份证号, 开户银行, 银行账号, 户名（持卡人）,
账户状态 (正常 / 未采集 / 须更新), read through the core tabular kit (xlsx with a title row and merged headers, GBK
or UTF-8 csv).

Each row is matched to a registered person by the keyed hash of the ID number, within the importing officer's
jurisdiction: a number not registered, or registered outside it, is an error of that row (one message for both,
so the file does not reveal who is registered elsewhere). All or nothing: one error and nothing is written.

The write is a difference: a row equal to the person's account in use (bank, number, holder, status) changes
nothing, so importing the same content again writes nothing. A changed row retires the person's account in use
(is_active false, kept for the history and for frozen rolls) and inserts the new one: one UPDATE and one INSERT per
chunk, an ImportBatch, one audit row for the batch and an event per person on the household's chain.

The page that uploads, previews and confirms is the funds app's (funds/account_views.py); the capability is the
one that prepares payment rolls."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from jiuzhu.core import tabular
from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import encrypt_many, keyed_hash_many
from jiuzhu.core.errors import refused
from jiuzhu.core.events import EventRow, record_events
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import scoped
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import AccountStatus, ImportBatch, PaymentAccount, Person

LABELS = {"name": "姓名", "id_number": "身份证号", "bank_name": "开户银行", "account": "银行账号",
          "holder_name": "户名（持卡人）", "status": "账户状态"}
SYNONYMS = {
    "name": ["姓名", "对象姓名", "救助对象姓名", "领款人", "领款人姓名", "收款人姓名"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证件号码"],
    "bank_name": ["开户银行", "开户行", "银行名称", "开户银行名称", "代发银行", "发放银行"],
    "account": ["银行账号", "账号", "银行卡号", "卡号", "存折账号", "一卡通账号", "发放账号", "收款账号", "账户"],
    "holder_name": ["户名", "户主姓名/持卡人", "户主姓名", "持卡人", "持卡人姓名", "账户名称", "开户人", "开户人姓名",
                    "户主姓名（持卡人）"],
    "status": ["账户状态", "状态", "账号状态", "卡状态"],
}
COLUMNS = tabular.Columns(labels=LABELS, synonyms=SYNONYMS, required=("name", "id_number"), min_known=3)
STATUSES = tabular.choice_table(AccountStatus, {"已采集": AccountStatus.NORMAL, "需更新": AccountStatus.NEEDS_UPDATE,
                                                "待更新": AccountStatus.NEEDS_UPDATE})
CHUNK = 900
MAX_SHOWN_ERRORS = 500


def parse_account(value) -> str:
    """A bank account number as text: digits only (spaces and dashes dropped), 6 to 32 of them. A number cell
    (Excel keeps 15 significant digits) is refused: the digits after the 15th are already lost."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) or (isinstance(value, int) and len(str(abs(value))) > 15):
        raise tabular.CellError("账号被Excel存成了数字（可能已丢失末尾数字），请把该列设为文本后重新填写")
    raw = tabular.text(value)
    digits = raw.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 6 <= len(digits) <= 32:
        raise tabular.CellError("账号应为 6 至 32 位数字")
    return digits


FIELDS = [
    tabular.Field("name", lambda v: tabular.parse_text(v, max_length=50), required=True),
    tabular.Field("id_number", tabular.parse_id_number, required=True),
    tabular.Field("bank_name", lambda v: tabular.parse_text(v, max_length=60)),
    tabular.Field("account", parse_account),
    tabular.Field("holder_name", lambda v: tabular.parse_text(v, max_length=60)),
    tabular.Field("status", lambda v: tabular.parse_choice(v, STATUSES) or AccountStatus.NORMAL),
]


@dataclass
class Preview:
    """What confirming would do: counts, and every error by row and column (an empty `errors` may be written)."""

    filename: str
    read: int = 0
    new: int = 0  # persons without an account in use
    changed: int = 0  # persons whose account in use differs
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    file_error: str = ""
    writes: list[dict] = field(default_factory=list, repr=False)  # the rows to write (new and changed)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    def summary(self) -> dict:
        """For the cached preview (no ID or account numbers in it)."""
        return {"filename": self.filename, "read": self.read, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "errors": self.errors, "file_error": self.file_error}


def require_importer(actor) -> None:
    require(actor, Capability.PREPARE_PAYMENTS)


def validate(data: bytes, filename: str, *, actor) -> Preview:
    """Reads, parses and matches the file; nothing is written."""
    require_importer(actor)
    preview = Preview(filename=filename)
    try:
        table = tabular.read_table(data, filename, COLUMNS)
        parsed = tabular.parse_rows(table, COLUMNS, FIELDS, partial=True)
    except tabular.FileRejected as exc:
        preview.file_error = exc.message
        return preview
    preview.read = parsed.read
    errors = parsed.errors
    header_of = {f: h for h, f in parsed.mapping.items()}
    if parsed.rows:  # the rows that parsed are matched too, so one report lists every problem
        _match(parsed.rows, errors, header_of, actor, preview)
    errors.sort()
    preview.errors = [{"row": e["row"], "sheet": e.get("sheet", ""), "column": e["column"], "message": e["message"]}
                      for e in errors.items]
    if preview.errors:
        preview.writes = []
    return preview


def _column(header_of: dict, name: str) -> str:
    return header_of.get(name) or LABELS[name]


def _match(rows, errors: tabular.RowErrors, header_of: dict, actor, preview: Preview) -> None:
    """Row rules, then the persons (by ID hash, in scope) and the difference with their accounts in use."""
    id_col, name_col = _column(header_of, "id_number"), _column(header_of, "name")
    acc_col, bank_col = _column(header_of, "account"), _column(header_of, "bank_name")
    first_row: dict[str, int] = {}
    good: list[tuple] = []
    for ref, v in rows:
        number, status = v["id_number"], v["status"]
        if number in first_row:
            errors.add(ref, "id_number", f"与第{first_row[number]}行重复", column=id_col)
            continue
        first_row[number] = int(ref)
        bad = False
        if status == AccountStatus.NOT_COLLECTED:
            if v.get("account"):
                errors.add(ref, "account", "账户状态为“未采集”时不应填写银行账号", column=acc_col)
                bad = True
        else:
            if not v.get("account"):
                errors.add(ref, "account", f"账户状态为“{AccountStatus(status).label}”时须填写银行账号", column=acc_col)
                bad = True
            if not v.get("bank_name"):
                errors.add(ref, "bank_name", "请填写开户银行", column=bank_col)
                bad = True
        if not bad:
            good.append((ref, v))
    if not good:
        return
    hashes = keyed_hash_many([v["id_number"] for _, v in good])
    persons: dict[str, tuple] = {}
    for i in range(0, len(hashes), CHUNK):
        persons.update((h, (pk, household, name)) for h, pk, household, name in scoped(
            Person.objects.filter(id_number_hash__in=hashes[i:i + CHUNK]), actor)
            .values_list("id_number_hash", "pk", "household_id", "name"))
    matched: list[tuple] = []
    for (ref, v), h in zip(good, hashes, strict=True):
        found = persons.get(h)
        if found is None:
            errors.add(ref, "id_number", "未找到该身份证号的在册人员，或该人员不在您的管辖范围内", column=id_col)
        elif found[1] is None:
            errors.add(ref, "id_number", "该人员未登记在任何家庭中，不能登记收款账户", column=id_col)
        elif found[2] != v["name"]:
            errors.add(ref, "name", f"与身份证号对应的在册姓名“{found[2]}”不一致", column=name_col)
        else:
            matched.append((v, found))
    if errors.items:
        return
    accounts = [v.get("account", "") for v, _ in matched]
    account_hashes = keyed_hash_many([a for a in accounts if a])
    hash_of = dict(zip([a for a in accounts if a], account_hashes, strict=True))
    current: dict[int, set] = {}
    ids = [found[0] for _, found in matched]
    for i in range(0, len(ids), CHUNK):
        for person_id, bank, account_hash, holder, status in PaymentAccount.objects.filter(
                person_id__in=ids[i:i + CHUNK], is_active=True).values_list(
                "person_id", "bank_name", "account_hash", "holder_name", "status"):
            current.setdefault(person_id, set()).add((bank, account_hash, holder, status))
    for v, (person_id, household_id, _name) in matched:
        account = v.get("account", "")
        key = (v.get("bank_name", ""), hash_of.get(account, ""), v.get("holder_name", ""), v["status"])
        held = current.get(person_id)
        if held is not None and held == {key}:
            preview.unchanged += 1
            continue
        if held is None:
            preview.new += 1
        else:
            preview.changed += 1
        preview.writes.append({"person_id": person_id, "household_id": household_id, "bank_name": key[0],
                               "account": account, "account_hash": key[1], "holder_name": key[2],
                               "status": key[3]})


@dataclass
class Result:
    written: int
    batch: ImportBatch | None
    preview: Preview


def import_accounts(data: bytes, filename: str, *, actor) -> Result:
    """Validates again and writes the difference, all or nothing. Refused while the file has errors."""
    preview = validate(data, filename, actor=actor)
    if not preview.ok:
        raise refused(preview.file_error or f"文件中有 {len(preview.errors)} 处问题，未导入任何数据")
    writes = preview.writes
    if not writes:
        return Result(written=0, batch=None, preview=preview)
    now = timezone.now()
    with transaction.atomic():
        content = hashlib.sha256(data).hexdigest()  # with the time: X, then Y, then X again each write
        batch = ImportBatch.objects.create(
            key=hashlib.sha256(f"accounts:{content}:{now.isoformat()}".encode()).hexdigest(), filename=filename[:200],
            region=actor.region, households=len({w["household_id"] for w in writes}), persons=len(writes),
            created_by=actor if actor.pk else None)
        persons = [w["person_id"] for w in writes]
        for i in range(0, len(persons), CHUNK):  # the accounts in use are retired, never deleted
            PaymentAccount.objects.filter(person_id__in=persons[i:i + CHUNK], is_active=True).update(is_active=False)
        numbers = [w["account"] for w in writes]
        ciphers = encrypt_many([n for n in numbers if n])
        cipher_of = dict(zip([n for n in numbers if n], ciphers, strict=True))
        PaymentAccount.objects.bulk_create([
            PaymentAccount(household_id=w["household_id"], person_id=w["person_id"], bank_name=w["bank_name"],
                           account_cipher=cipher_of.get(w["account"], ""), account_hash=w["account_hash"],
                           account_tail=w["account"][-4:], holder_name=w["holder_name"], status=w["status"],
                           is_active=True, import_batch=batch, created_at=now)
            for w in writes], batch_size=CHUNK)
        audit_change("create", actor, batch, changes={"kind": "payment_accounts", "new": preview.new,
                                                      "changed": preview.changed, "unchanged": preview.unchanged})
        region_of: dict[int, int] = {}
        for i in range(0, len(persons), CHUNK):
            region_of.update(Person.objects.filter(pk__in=persons[i:i + CHUNK]).values_list("pk", "region_id"))
        labels = dict(AccountStatus.choices)
        record_events(kind=RegistryEvent.PAYMENT_ACCOUNT_IMPORTED, subject_model=ImportBatch, actor=actor, rows=[
            EventRow(subject_id=batch.pk, person_id=w["person_id"], household_id=w["household_id"],
                     region_id=region_of.get(w["person_id"]),
                     summary=f"导入收款账户：{w['bank_name'] or '—'} 尾号{w['account'][-4:] or '—'}，"
                             f"{labels[w['status']]}",
                     payload={"batch": batch.pk, "status": w["status"]})
            for w in writes])
    return Result(written=len(writes), batch=batch, preview=preview)
