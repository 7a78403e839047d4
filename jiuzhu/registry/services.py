"""Writes to the registry: validate, guard, save, write the event row, audit; one transaction each."""

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.models import Role
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.registry import bulk
from jiuzhu.registry.models import Household, HouseholdMembership, Person, Relation
from jiuzhu.registry.validation import (
    RowErrors,
    check_household_shape,
    household_from_raw,
    member_from_raw,
)

REGISTRY_WRITERS = (Role.WINDOW_OFFICER, Role.ASSISTANCE_OFFICER, Role.APPROVER, Role.COORDINATOR,
                    Role.ADMINISTRATOR)


def require_writer(actor) -> None:
    if not (actor.is_superuser or actor.has_role(*REGISTRY_WRITERS)):
        raise DomainError("您的角色不能修改低收入人口信息", code="forbidden")


def _raise(errors: RowErrors) -> None:
    first = errors.items[0]
    where = f"第{first['row']}行 " if first["row"] else ""
    raise DomainError(f"{where}{first['column']}：{first['message']}", code="validation_error",
                      errors=errors.as_api_errors())


def household_register(*, actor, household: dict, members: list[dict]) -> Household:
    """Registers a household with its members. `household` and each member are dicts of raw values
    (as typed in a form or sent to the API); they are validated here."""
    require_writer(actor)
    errors = RowErrors()
    row = household_from_raw(household, errors)
    parsed = [member_from_raw(m, errors, None) for m in members]
    if not members:
        errors.add(None, "relation", "至少登记一名成员（户主）")
    if errors:
        _raise(errors)
    row.members = parsed
    check_household_shape(row, errors)
    numbers = [m.id_number for m in parsed]
    if len(set(numbers)) != len(numbers):
        errors.add(None, "id_number", "同一身份证号码在本户中出现了两次")
    if errors:
        _raise(errors)
    codes = {row.region_code} | {m.hukou_region_code for m in parsed if m.hukou_region_code}
    regions = bulk.regions_for(codes)
    hashes = bulk.check_against_registry([row], errors, regions, actor)
    if errors:
        _raise(errors)
    with transaction.atomic():
        (created,) = bulk.write_households([row], actor=actor, regions=regions, hashes=hashes)
        audit_change("create", actor, created, person_id=created.head_id,
                     changes={"members": len(parsed)})
    return created


PERSON_EDITABLE = ("name", "disability_type", "disability_grade", "serious_illness", "labour_capacity",
                   "schooling", "employment", "phone", "supporter_able", "death_date")


def person_update(*, actor, person: Person, changes: dict) -> Person:
    """Edits a member's circumstances. The ID number is not editable: a wrong one is a new registration."""
    require_writer(actor)
    if not region_in_scope(actor, person.region):
        raise DomainError("该人员不在您的管辖范围内", code="out_of_scope")
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise DomainError(f"不能修改字段：{'、'.join(sorted(unknown))}", code="validation_error")
    errors = RowErrors()
    raw = {f: getattr(person, f) for f in PERSON_EDITABLE}
    raw.update(changes)
    raw.update({"id_number": person.id_number, "relation": person.relation})
    member = member_from_raw(raw, errors)
    if errors:
        _raise(errors)
    before = {f: getattr(person, f) for f in changes}
    with transaction.atomic():
        for f in changes:
            setattr(person, f, getattr(member, f))
        if "name" in changes:
            person.name_pinyin, person.name_sound_key = bulk._name_keys(person.name)
        person.save()
        diff = {f: [str(before[f]), str(getattr(person, f))] for f in changes if before[f] != getattr(person, f)}
        audit_change("update", actor, person, person_id=person.pk, changes=diff)
        kind = "registry.person_died" if "death_date" in diff and person.death_date else "registry.person_updated"
        record_event(kind=kind, subject=person, actor=actor, person_id=person.pk,
                     household_id=person.household_id, region=person.region,
                     summary=f"{person.name}信息变更：{'、'.join(diff) or '无变化'}", payload={"changes": diff})
    return person


def person_move(*, actor, person: Person, to_household: Household, relation: str) -> Person:
    """Moves a member to another household; the old membership is closed, history kept."""
    require_writer(actor)
    if not (region_in_scope(actor, person.region) and region_in_scope(actor, to_household.region)):
        raise DomainError("迁出或迁入家庭不在您的管辖范围内", code="out_of_scope")
    if relation not in Relation.values:
        raise DomainError("与户主关系取值无效", code="validation_error", field="relation")
    if relation == Relation.HEAD and to_household.head_id:
        raise DomainError("迁入家庭已有户主", code="validation_error", field="relation")
    if person.household_id == to_household.pk:
        raise DomainError("该人员已在此家庭", code="validation_error")
    now = timezone.now()
    old = person.household
    with transaction.atomic():
        HouseholdMembership.objects.filter(person=person, left_at__isnull=True).update(left_at=now)
        HouseholdMembership.objects.create(person=person, household=to_household, relation=relation, joined_at=now)
        if old and old.head_id == person.pk:
            Household.objects.filter(pk=old.pk).update(head=None)
        person.household = to_household
        person.relation = relation
        person.region = to_household.region
        person.save(update_fields=["household", "relation", "region", "updated_at"])
        if relation == Relation.HEAD:
            Household.objects.filter(pk=to_household.pk).update(head=person)
        audit_change("update", actor, person, person_id=person.pk,
                     changes={"household": [old.pk if old else None, to_household.pk]})
        for hh, text in ((old, f"{person.name}迁出至户号 {to_household.pk}"),
                         (to_household, f"{person.name}迁入（原户号 {old.pk if old else '无'}）")):
            if hh is not None:
                record_event(kind="registry.person_moved", subject=person, actor=actor, person_id=person.pk,
                             household_id=hh.pk, region=hh.region, summary=text)
    return person
