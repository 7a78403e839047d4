"""Reads of the purchase of services. Every read takes `actor`; out of the actor's region subtree is 404. Service
records are scoped by the served person's region (kept on the record), so a township sees its own records."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404

from jiuzhu.core.audit import audit_persons_shown
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import scoped
from jiuzhu.funds.purchase_models import Contract, Provider, RecordStatus, ServiceItem, ServiceRecord

NOT_FOUND = "记录不存在或不在您的管辖范围内"

RECORD_FILTERS = {
    "pending": ("待乡镇确认", Q(status=RecordStatus.PENDING)),
    "confirmed": ("已确认", Q(status=RecordStatus.CONFIRMED)),
    "returned": ("已退回", Q(status=RecordStatus.RETURNED)),
    "all": ("全部", Q()),
}


def may_manage(actor) -> bool:
    return can(actor, Capability.PURCHASE_SERVICES)


def may_see_contracts(actor) -> bool:
    return may_manage(actor) or can(actor, Capability.APPROVE_FUND)


def providers_in_scope(actor):
    if not may_manage(actor):
        return Provider.objects.none()
    return scoped(Provider.objects.all(), actor).order_by("name")


def provider_get(*, actor, provider_id: int) -> Provider:
    try:
        return providers_in_scope(actor).get(pk=provider_id)
    except Provider.DoesNotExist:
        raise Http404(NOT_FOUND) from None


def contracts_in_scope(actor):
    if not may_see_contracts(actor):
        return Contract.objects.none()
    return scoped(Contract.objects.select_related("provider", "purchaser", "region"), actor)\
        .order_by("-start_on", "-id")


def contract_get(*, actor, contract_id: int) -> Contract:
    try:
        return contracts_in_scope(actor).get(pk=contract_id)
    except Contract.DoesNotExist:
        raise Http404(NOT_FOUND) from None


def records_in_scope(actor):
    if not (may_manage(actor) or can(actor, Capability.CONFIRM_SERVICES)):
        return ServiceRecord.objects.none()
    return scoped(ServiceRecord.objects.select_related("person", "staff", "contract"), actor,
                  region_path_field="region_path")


def record_search(*, actor, show: str = "pending", contract: Contract | None = None):
    qs = records_in_scope(actor).filter(RECORD_FILTERS.get(show, RECORD_FILTERS["pending"])[1])
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs.order_by("-served_on", "-id")


def records_to_confirm(actor):
    """The township's work: records of its area waiting for confirmation."""
    if not can(actor, Capability.CONFIRM_SERVICES):
        return ServiceRecord.objects.none()
    return records_in_scope(actor).filter(status=RecordStatus.PENDING)


def record_get(*, actor, record_id: int) -> ServiceRecord:
    try:
        record = records_in_scope(actor).get(pk=record_id)
    except ServiceRecord.DoesNotExist:
        raise Http404(NOT_FOUND) from None
    audit_persons_shown(actor=actor, persons=[record.person_id], purpose="service_record")
    return record


def audit_records_shown(actor, records, *, purpose: str) -> int:
    """The persons a list of service records shows: one set-based statement."""
    if isinstance(records, list):
        return audit_persons_shown(actor=actor, persons=[r.person_id for r in records], purpose=purpose)
    return audit_persons_shown(actor=actor, persons=records.order_by().values_list("person_id", flat=True),
                               purpose=purpose)


def contract_figures(contract: Contract) -> dict:
    """Confirmed work by item (records, persons, hours) and the milestones: aggregates in the database."""
    confirmed = contract.records.filter(status=RecordStatus.CONFIRMED)
    by_item = {r["item"]: r for r in confirmed.values("item").annotate(
        n=Count("id"), persons=Count("person_id", distinct=True), hours=Sum("hours"))}
    items = [{"label": ServiceItem(code).label, "n": by_item.get(code, {}).get("n", 0),
              "persons": by_item.get(code, {}).get("persons", 0),
              "hours": by_item.get(code, {}).get("hours") or Decimal("0")} for code in contract.items]
    totals = contract.records.aggregate(pending=Count("id", filter=Q(status=RecordStatus.PENDING)),
                                        confirmed=Count("id", filter=Q(status=RecordStatus.CONFIRMED)),
                                        hours=Sum("hours", filter=Q(status=RecordStatus.CONFIRMED)))
    milestones = contract.milestones.select_related("evaluation").order_by("sequence")
    paid = contract.milestones.filter(status="paid").aggregate(v=Sum("payable"))["v"] or Decimal("0")
    return {"items": items, "totals": totals, "milestones": milestones, "paid": paid}
