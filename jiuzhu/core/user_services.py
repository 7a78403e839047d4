"""User management by administrators (../shared/ROLES.md: "users, roles, tokens … of its jurisdiction").

Every write here: the administer capability first; the account must be one the administrator manages
(its region in the administrator's subtree, not a superuser, not a service account: otherwise 404, see
core/user_selectors.py); organisation and region given to an account must lie in the jurisdiction (no role
is granted on a region above the administrator's own); nothing here can make a superuser or staff member;
an administrator never changes their own roles, organisation, region or status (another administrator
does). Each change is one transaction with its audit row (before/after) and its event (CoreEvent).

Passwords: an administrator gives an account a password (meeting the policy) or lets the platform generate
one; either way the account must choose its own at the next sign-in (`must_change_password`, enforced by
core/user_middleware.py). A generated password is returned once to be shown once, and never stored in
clear.
"""

import re
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from jiuzhu.core.audit import audit_change
from jiuzhu.core.auth import sign_in_unlock
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import CoreEvent, record_event
from jiuzhu.core.models import AuditAction, Organization, OrganizationKind, Region, Role, User, UserRole
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.core.user_selectors import managed_users

USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,29}")
# Roles that only make sense in one kind of organisation (scoping treats a department's users as clerks).
ROLE_ORGANIZATION_KINDS = {
    Role.DEPARTMENT_CLERK: (OrganizationKind.DEPARTMENT,),
    Role.STATION_WORKER: (OrganizationKind.RESCUE_STATION,),
    Role.STATION_MANAGER: (OrganizationKind.RESCUE_STATION,),
    Role.REGIONAL_OFFICER: (OrganizationKind.RESCUE_STATION,),
}

# Generated passwords: five groups of upper case, lower case, digit ("Kd4-Rm7-Tx2-Wq9-Hb3"), without the
# look-alikes I/O/l/o/0/1: easy to read aloud or type from a phone screen, four character classes, 17
# characters, about 60 bits.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"


def generate_password() -> str:
    return "-".join(secrets.choice(_UPPER) + secrets.choice(_LOWER) + secrets.choice(_DIGITS) for _ in range(5))


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(message, code="validation_error", field=field)


def _require_managed(actor, user: User) -> None:
    """404 for any account the administrator does not manage (the same set the list shows)."""
    require(actor, Capability.ADMINISTER)
    if user.pk is None or not managed_users(actor=actor).filter(pk=user.pk).exists():
        raise Http404("用户不存在或不在您的管辖范围内")


def _require_not_self(actor, user: User, what: str) -> None:
    if user.pk == actor.pk:
        raise DomainError(f"不能{what}自己的账号，请由其他系统管理员办理", code="forbidden")


def _clean_assignment(*, actor, organization: Organization | None, region: Region | None,
                      roles) -> list[str]:
    """Checks organisation, region and roles an administrator gives an account; returns the roles sorted."""
    if organization is None:
        raise _invalid("请选择所属机构", "organization")
    if not region_in_scope(actor, organization.region):
        raise _invalid(f"机构“{organization.name}”不在您的管辖范围内", "organization")
    if region is None:
        raise _invalid("请选择管辖区域", "region")
    if not region_in_scope(actor, region):
        raise _invalid(f"管辖区域“{region.full_name}”高于或不在您的管辖范围内，不能在该区域授予角色", "region")
    if not region.path.startswith(organization.region.path):
        raise _invalid(f"管辖区域应在所属机构“{organization.name}”的区划（{organization.region.name}）范围内",
                       "region")
    roles = sorted(set(roles or []))
    if not roles:
        raise _invalid("请至少选择一个角色", "roles")
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise _invalid("没有这个角色：" + "、".join(unknown[:3]), "roles")
    for role in roles:
        kinds = ROLE_ORGANIZATION_KINDS.get(role)
        if kinds and organization.kind not in kinds:
            places = "、".join(OrganizationKind(k).label for k in kinds)
            raise _invalid(f"角色“{Role(role).label}”只能授予{places}的人员", "roles")
    if organization.kind == OrganizationKind.DEPARTMENT and set(roles) - {Role.DEPARTMENT_CLERK}:
        raise _invalid("协同部门的人员只能担任“部门经办”", "roles")
    return roles


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise _invalid("请填写姓名", "name")
    if len(name) > 50:
        raise _invalid("姓名不能超过 50 个字", "name")
    return name


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise _invalid("初始密码：" + "".join(exc.messages), "password") from None


def _labels(roles) -> list[str]:
    return [Role(r).label for r in sorted(roles)]


def _snapshot(user: User, roles) -> dict:
    return {"name": user.full_name, "phone": user.phone, "organization": user.organization.name
            if user.organization_id else "", "region": user.region.full_name if user.region_id else "",
            "roles": _labels(roles)}


def user_create(*, actor, username: str, name: str, organization: Organization | None, region: Region | None,
                roles: list[str], password: str | None = None, phone: str = "") -> tuple[User, str | None]:
    """Creates an account of the jurisdiction. Returns the user and the generated password (None when the
    administrator gave one), which the caller shows once."""
    require(actor, Capability.ADMINISTER)
    username = (username or "").strip().lower()
    if not USERNAME.fullmatch(username):
        raise _invalid("用户名应为 3 至 30 位小写字母、数字或 _ . -，以字母开头", "username")
    if User.objects.filter(username__iexact=username).exists():
        raise _invalid(f"用户名 {username} 已被使用，请另取一个", "username")
    name = _clean_name(name)
    roles = _clean_assignment(actor=actor, organization=organization, region=region, roles=roles)
    user = User(username=username, full_name=name, phone=(phone or "").strip()[:20], organization=organization,
                region=region, is_staff=False, is_superuser=False, must_change_password=True)
    generated = None
    if password:
        _check_password(password, user)
    else:
        generated = password = generate_password()
    user.set_password(password)
    with transaction.atomic():
        user.save()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
        audit_change(AuditAction.CREATE, actor, user, changes={
            "username": username, **{k: {"before": [] if k == "roles" else "", "after": v}
                                     for k, v in _snapshot(user, roles).items()},
            "password": "系统生成" if generated else "管理员设定"})
        record_event(kind=CoreEvent.USER_CREATED, subject=user, actor=actor, region=region,
                     summary=f"新增用户 {username}（{name}，{organization.name}，{'、'.join(_labels(roles))}）",
                     payload={"username": username, "roles": roles, "organization": organization.pk,
                              "region": region.code})
    return user, generated


def user_update(*, actor, user: User, name: str, organization: Organization | None, region: Region | None,
                roles: list[str], phone: str = "") -> dict:
    """Changes an account's name, phone, organisation, region and roles. Returns the changes
    ({field: {"before", "after"}}; empty when nothing changed: then nothing is written)."""
    _require_managed(actor, user)
    name = _clean_name(name)
    roles = _clean_assignment(actor=actor, organization=organization, region=region, roles=roles)
    before_roles = sorted(user.roles.values_list("role", flat=True))
    if user.pk == actor.pk and (roles != before_roles or organization.pk != user.organization_id
                                or region.pk != user.region_id):
        _require_not_self(actor, user, "修改")
    before = _snapshot(user, before_roles)
    user.full_name, user.phone = name, (phone or "").strip()[:20]
    user.organization, user.region = organization, region
    after = _snapshot(user, roles)
    changes = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if not changes:
        return {}
    with transaction.atomic():
        user.save(update_fields=["full_name", "phone", "organization", "region"])
        if roles != before_roles:
            UserRole.objects.filter(user=user).exclude(role__in=roles).delete()
            UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles if r not in before_roles])
            user.__dict__.pop("_role_codes", None)
            user.__dict__.pop("_capability_cache", None)
        audit_change(AuditAction.UPDATE, actor, user, changes=changes)
        record_event(kind=CoreEvent.USER_CHANGED, subject=user, actor=actor, region=region,
                     summary=f"修改用户 {user.username}：" + "、".join(_FIELD_LABELS[k] for k in changes),
                     payload={"fields": sorted(changes), "roles": roles})
    return changes


_FIELD_LABELS = {"name": "姓名", "phone": "电话", "organization": "所属机构", "region": "管辖区域", "roles": "角色"}


def user_deactivate(*, actor, user: User) -> None:
    """Stops an account: it can no longer sign in, and its open sessions end at their next request."""
    _require_managed(actor, user)
    _require_not_self(actor, user, "停用")
    if not user.is_active:
        raise DomainError(f"用户 {user.username} 已经停用", code="invalid_status")
    _set_active(actor, user, False)


def user_reactivate(*, actor, user: User) -> None:
    _require_managed(actor, user)
    if user.is_active:
        raise DomainError(f"用户 {user.username} 状态正常，无需启用", code="invalid_status")
    _set_active(actor, user, True)


def _set_active(actor, user: User, active: bool) -> None:
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_change(AuditAction.UPDATE, actor, user, changes={"status": {"before": "已停用" if active else "正常",
                                                                          "after": "正常" if active else "已停用"}})
        record_event(kind=CoreEvent.USER_REACTIVATED if active else CoreEvent.USER_DEACTIVATED, subject=user,
                     actor=actor, region=user.region,
                     summary=f"{'启用' if active else '停用'}用户 {user.username}（{user.full_name}）")


def user_password_reset(*, actor, user: User) -> str:
    """Gives the account a generated password (returned once, to be shown once); the user must change it at
    the next sign-in. The old password and every open session of the account stop working."""
    _require_managed(actor, user)
    _require_not_self(actor, user, "重置")
    password = generate_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        audit_change(AuditAction.UPDATE, actor, user, changes={"password": {"before": "", "after": "已重置"},
                                                               "must_change_password": {"before": False,
                                                                                        "after": True}})
        record_event(kind=CoreEvent.USER_PASSWORD_RESET, subject=user, actor=actor, region=user.region,
                     summary=f"重置用户 {user.username}（{user.full_name}）的密码")
    return password


def user_unlock(*, actor, user: User) -> int:
    """Lifts the sign-in lock of the account (core/auth.py sign_in_unlock, the 登录锁定 page's service,
    which audits it); records the event. Returns the number of failure records cleared."""
    _require_managed(actor, user)
    with transaction.atomic():
        cleared = sign_in_unlock(actor=actor, username=user.username)
        record_event(kind=CoreEvent.USER_UNLOCKED, subject=user, actor=actor, region=user.region,
                     summary=f"解除用户 {user.username}（{user.full_name}）的登录锁定",
                     payload={"attempts_cleared": cleared})
    return cleared


def user_password_changed(*, user: User) -> None:
    """The user chose their own password: the administrator's one-time password no longer binds them."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
