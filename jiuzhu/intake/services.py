"""Intake writes shared by every channel: taking an application (application_create). The window's further
steps are in application_services.py, referrals in referral_services.py, the hotline in hotline_services.py and
the public portal in portal_services.py; each follows core's rule: capability, scope, status guard, one
transaction, audit row and event."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.errors import DomainError, clean_text, invalid
from jiuzhu.core.events import record_event
from jiuzhu.core.identity import id_number_field
from jiuzhu.core.models import AuditAction, Region, RegionLevel
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_settings import setting_value
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake import settings_catalog as sc
from jiuzhu.intake.catalog import ITEM_BY_CODE, item_terms
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import Application, ApplicationItem, ApplicationStatus, Channel, RequiredMaterial

QUERY_CODE_ALPHABET = "0123456789"  # digits: read over the phone, typed on any keypad
QUERY_CODE_LENGTH = 10
# Taken by a window or the hotline operator: accepted at once. Online and leads wait for a window.
ACCEPTED_ON_ENTRY = {Channel.WINDOW, Channel.HOTLINE}
MAX_ITEMS = 10
AMOUNT_MAX = Decimal("100000000")  # 1 亿元: anything above is a typing error


def today() -> dt.date:
    return timezone.localdate()


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def clean_amount(value, field: str = "amount", label: str = "救助金额", *, required: bool = False) -> Decimal | None:
    """A money amount in yuan (at most 2 decimals, not negative), from a number or text such as "1,200.50"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError(f"请填写{label}", code="validation_error", field=field)
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise DomainError(f"{label}应为数字，如 600 或 600.50", code="validation_error", field=field) from None
    if not amount.is_finite() or amount < 0 or amount > AMOUNT_MAX:
        raise DomainError(f"{label}应在 0 至 1 亿元之间", code="validation_error", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(f"{label}最多保留两位小数", code="validation_error", field=field)
    return amount.quantize(Decimal("0.01"))


def clean_id_number(raw: str, field: str = "applicant_id_number") -> str:
    """The canonical 18-digit number, or a Chinese error naming the field."""
    return id_number_field(raw, field, required=True).number


def clean_items(items: list[str]) -> list[str]:
    """Known item codes, each once, in the order given."""
    codes = list(dict.fromkeys(code.strip() for code in items if code and code.strip()))
    if not codes:
        raise invalid("请至少选择一项申请的救助事项", "items")
    if len(codes) > MAX_ITEMS:
        raise invalid(f"一次申请最多 {MAX_ITEMS} 项救助事项", "items")
    unknown = [code for code in codes if code not in ITEM_BY_CODE]
    if unknown:
        raise invalid(f"未知的救助事项：{'、'.join(c[:30] for c in unknown)}", "items")
    return codes


def clean_note(value: str | None, field: str, label: str, *, required: bool = True, minimum: int = 2,
               maximum: int = 500) -> str:
    """A written reason or note (退回理由, 初审意见, 不予受理理由): runs of spaces and line breaks folded to one
    space; when required, at least `minimum` characters."""
    text = " ".join((value or "").split())
    if required and len(text) < minimum:
        raise invalid(f"请填写{label}（至少 {minimum} 个字）", field)
    if len(text) > maximum:
        raise invalid(f"{label}不能超过 {maximum} 个字", field)
    return text


def _check_region(actor, region: Region | None, channel: str) -> None:
    if region is None:
        raise invalid("请选择申请人居住的乡镇（街道）或村（社区）", "region")
    if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise invalid("居住地应选到乡镇（街道）或村（社区）", "region")
    if actor is not None and not region_in_scope(actor, region):
        raise invalid("居住地不在您的管辖范围内：请到申请人居住地的窗口受理，或转给其所在地", "region")


def _registry_person(id_hash: str):
    from jiuzhu.registry.models import Person

    return Person.objects.filter(id_number_hash=id_hash).only("pk", "household_id").first()


def _insert_with_code(application: Application) -> None:
    for _ in range(5):  # 10^10 codes: a collision is rare; retry with a new code
        application.query_code = new_query_code()
        try:
            with transaction.atomic():
                application.save()
            return
        except IntegrityError:
            if Application.objects.filter(query_code=application.query_code).exists():
                continue
            raise
    raise DomainError("生成查询码失败，请重试", code="conflict")


@transaction.atomic
def application_create(*, actor, channel: str, region: Region | None, applicant_name: str,
                       applicant_id_number: str, items: list[str], circumstances: str,
                       applicant_phone: str = "", address: str = "", agent: dict | None = None,
                       emergency: bool = False, source_ref: str = "",
                       received_materials: dict[str, list[str]] | None = None,
                       signature_file_key: str = "", authorised_at: dt.datetime | None = None) -> Application:
    """Takes an application (一表登记): the applicant, the items asked for and the circumstances, at once.

    `actor` is the first officer (首问负责); it is None only for the public portal's online channel. Each item
    gets its terms in force for the applicant's region (time limit, materials) and a deadline in working days;
    `received_materials` ({item: [material names]}) marks what the applicant brought, the rest is what the
    one-time notice will list. An applicant already in the registry is linked by ID number, so every step
    appears on their household's assistance chain.
    """
    if channel not in Channel.values:
        raise invalid("未知的申请渠道", "channel")
    if actor is None:
        if channel != Channel.ONLINE:
            raise DomainError("请先登录", code="forbidden")
    else:
        require(actor, Capability.INTAKE)
    _check_region(actor, region, channel)
    name = clean_text(applicant_name, "申请人姓名", "applicant_name", 50, required=True)
    number = clean_id_number(applicant_id_number)
    codes = clean_items(items)
    story = clean_text(circumstances, "困难情况", "circumstances", 2000, required=True)
    phone = clean_text(applicant_phone, "联系电话", "applicant_phone", 20, required=channel == Channel.ONLINE)
    addr = clean_text(address, "现住址", "address", 200)
    agent = agent or {}
    agent_name = clean_text(agent.get("name", ""), "代理人姓名", "agent.name", 50)
    agent_number = clean_id_number(agent["id_number"], "agent.id_number") if agent_name else ""
    agent_relation = clean_text(agent.get("relation", ""), "代理人与申请人关系", "agent.relation", 30,
                                 required=bool(agent_name))
    agent_phone = clean_text(agent.get("phone", ""), "代理人电话", "agent.phone", 20)
    if agent_number and agent_number == number:
        raise invalid("代理人不能是申请人本人", "agent.id_number")

    now = timezone.now()
    day = timezone.localdate(now)
    accepted = actor is not None and channel in ACCEPTED_ON_ENTRY
    terms = {code: item_terms(code, region, day) for code in codes}
    id_hash = keyed_hash(number)
    person = _registry_person(id_hash)
    application = Application(
        channel=channel, region=region, region_path=region.path, organization=getattr(actor, "organization", None),
        first_officer=actor, applicant_name=name, applicant_id_cipher=encrypt_text(number),
        applicant_id_hash=id_hash, applicant_phone=phone, address=addr,
        person_id=person.pk if person else None, household_id=person.household_id if person else None,
        agent_name=agent_name, agent_id_cipher=encrypt_text(agent_number) if agent_number else "",
        agent_relation=agent_relation, agent_phone=agent_phone, circumstances=story, emergency=bool(emergency),
        source_ref=clean_text(source_ref, "线索来源", "source_ref", 100),
        signature_file_key=signature_file_key, authorised_at=authorised_at,
        status=ApplicationStatus.SUBMITTED, submitted_at=now,
    )
    if accepted:
        application.accepted_at = now
        application.due_date = max(add_working_days(day, t.time_limit) for t in terms.values())
    else:  # a window must take it up (or refuse it) within the region's acceptance limit
        days = int(setting_value(sc.ONLINE_ACCEPT_DAYS_KEY, region, day, default=3))
        application.due_date = add_working_days(day, days)
    _insert_with_code(application)

    received = {code: set(names) for code, names in (received_materials or {}).items()}
    unknown = sorted(set(received) - set(codes))
    if unknown:
        raise invalid(f"收到的材料属于未申请的事项：{'、'.join(u[:30] for u in unknown)}", "received_materials")
    item_rows = ApplicationItem.objects.bulk_create([
        ApplicationItem(application=application, item=code, department=terms[code].department,
                        due_date=add_working_days(day, terms[code].time_limit)) for code in codes])
    materials = []
    for row in item_rows:
        for material in terms[row.item].materials:
            got = material in received.get(row.item, set())
            materials.append(RequiredMaterial(application_item=row, name=material, received=got,
                                              received_at=now if got else None,
                                              received_by=actor if got else None))
    RequiredMaterial.objects.bulk_create(materials)
    if accepted:
        missing = any(not m.received for m in materials)
        application.status = ApplicationStatus.MATERIALS_PENDING if missing else ApplicationStatus.IN_PROGRESS
        application.save(update_fields=["status"])

    audit_change(AuditAction.CREATE, actor, application, person_id=application.person_id,
                 changes={"channel": channel, "items": codes})
    names = "、".join(terms[c].name for c in codes)
    record_event(kind=IntakeEvent.APPLICATION_RECEIVED, subject=application, actor=actor,
                 summary=f"{Channel(channel).label}：申请{names}", person_id=application.person_id,
                 household_id=application.household_id, region=region,
                 payload={"items": codes, "channel": channel, "query_code": application.query_code})
    return application
