"""Sign-in protected by django-axes, the password policy, and API tokens.

Lockout (django-axes, settings AXES_*): failures are rows in the database (axes' AccessAttempt),
counted per *username and client address together*. SIGN_IN_MAX_FAILURES failures from one address
lock that username from that address for SIGN_IN_LOCK_MINUTES; failures older than that no longer
count (cool-off). Why the pair, on a government intranet: a whole township office often reaches the
server through one NAT address, so locking by address alone would lock out the office; locking by
username alone lets anyone lock any colleague out from anywhere (5 requests, repeated forever). By the
pair, an attacker locks only their own address; the real user signs in from theirs. Guessing one
password from many addresses is still slow (5 tries per address per 15 minutes, 10-character
three-class passwords) and every failure is an audit row with its address.

Atomicity: the attempts of one username from one address are serialized (a PostgreSQL advisory lock
held for the attempt; on SQLite every transaction begins IMMEDIATE, which already serializes
writers), so the lock check, the password check and the failure count happen one attempt at a time:
40 parallel wrong passwords get exactly SIGN_IN_MAX_FAILURES password checks.
"""

import datetime as dt
import hashlib
import secrets

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import ApiToken, AuditAction, Role, User, UserRole
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import region_in_scope


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, symbols (等保三级 complexity)."""

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError("密码须至少包含大写字母、小写字母、数字、符号中的三类。", code="password_classes")

    def get_help_text(self):
        return "密码须至少包含大写字母、小写字母、数字、符号中的三类。"


class PasswordBackend(ModelBackend):
    """Django's password check, except that a service account (a department system) can never
    sign in with a password, even a correct one: it uses its API token. Listed after axes' backend,
    which refuses locked (username, address) pairs before any password is checked."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user.is_service_account

    # Permissions come from roles only (permissions.CapabilityBackend); nothing grants a user Django
    # permissions directly or through group membership, so ModelBackend's two queries per request (user
    # permissions, group permissions) are skipped. A superuser holds every permission without a backend.
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_user(self, user_id):
        """The signed-in user of each request, with the region and organisation every page's jurisdiction
        rule reads (core/scoping.py) in the same query."""
        try:
            user = User._default_manager.select_related("region", "organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page already says in Chinese that the account is locked
    (sign_in below), so keep it; anything else that trips the lockout gets the Chinese 403 page."""
    if original_response is not None:
        return original_response
    raise PermissionDenied("连续登录失败次数过多，账号已锁定，请稍后再试。")


def _cool_off() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SIGN_IN_LOCK_MINUTES)


def _serialize_attempts(username: str, ip: str | None) -> None:
    """Inside the caller's transaction: one sign-in attempt at a time per (username, address)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"jiuzhu.sign_in\n{username}\n{ip or ''}".encode()).digest()
        with connection.cursor() as cursor:  # released when the transaction ends
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])
    # SQLite: settings open every transaction with BEGIN IMMEDIATE, the database's write lock.


def _lock_ends_at(username: str, ip: str | None):
    last = AccessAttempt.objects.filter(username=username, ip_address=ip).aggregate(at=Max("attempt_time"))["at"]
    return (last or timezone.now()) + _cool_off()


def sign_in(*, request, username: str, password: str) -> User:
    username = (username or "").strip()
    AxesProxyHandler.update_request(request)
    ip = request.axes_ip_address
    refusal = None
    with transaction.atomic():  # the failure count and its audit rows commit even when refused
        _serialize_attempts(username, ip)
        if not AxesProxyHandler.is_allowed(request, get_credentials(username)):
            locked_until = _lock_ends_at(username, ip)
            audit(AuditAction.SIGN_IN_LOCKED, username=username, ip=ip,
                  detail={"locked_until": locked_until.isoformat()})
            until = timezone.localtime(locked_until).strftime("%H:%M")
            refusal = DomainError(f"连续登录失败次数过多，账号已锁定，请于 {until} 后再试。", code="locked")
        # Axes records a failure (user_login_failed) and flags request.axes_locked_out at the limit.
        elif (user := authenticate(request, username=username, password=password)) is None:
            failures = request.axes_failures_since_start or 0
            audit(AuditAction.SIGN_IN_FAILED, username=username, ip=ip, detail={"failures": failures})
            if request.axes_locked_out:
                audit(AuditAction.SIGN_IN_LOCKED, username=username, ip=ip,
                      detail={"locked_until": _lock_ends_at(username, ip).isoformat()})
                refusal = DomainError(f"连续登录失败 {failures} 次，账号已锁定 {settings.SIGN_IN_LOCK_MINUTES} 分钟，"
                                      "也可请系统管理员解锁。", code="locked")
            else:
                left = settings.SIGN_IN_MAX_FAILURES - failures
                refusal = DomainError(f"用户名或密码错误，再错 {left} 次将锁定账号。", code="bad_credentials")
        else:
            login(request, user)  # axes clears this pair's failures (AXES_RESET_ON_SUCCESS)
            audit(AuditAction.SIGN_IN, actor=user, ip=ip)
    if refusal is not None:
        raise refusal
    return user


def sign_out(*, request) -> None:
    if request.user.is_authenticated:
        audit(AuditAction.SIGN_OUT, actor=request.user)
    logout(request)


def sign_in_locks(*, actor) -> list[dict]:
    """Locked (username, address) pairs of the users in the administrator's jurisdiction."""
    require(actor, Capability.ADMINISTER)
    threshold = timezone.now() - _cool_off()
    rows = list(AccessAttempt.objects.filter(attempt_time__gte=threshold)
                .values("username", "ip_address").order_by()
                .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                .filter(failures__gte=settings.SIGN_IN_MAX_FAILURES))
    users = {u.username: u for u in User.objects.select_related("region", "organization")
             .filter(username__in={r["username"] for r in rows})}
    out = []
    for row in rows:
        user = users.get(row["username"])
        if user is None or not region_in_scope(actor, user.region):
            continue
        out.append({"user": user, "ip_address": row["ip_address"], "failures": row["failures"],
                    "locked_until": row["last"] + _cool_off()})
    return sorted(out, key=lambda r: (r["user"].username, r["ip_address"] or ""))


def sign_in_unlock(*, actor, username: str) -> int:
    """An administrator lifts the lockout of a user of its jurisdiction (from every address)."""
    require(actor, Capability.ADMINISTER)
    user = User.objects.select_related("region").filter(username=username).first()
    if user is None or not region_in_scope(actor, user.region):
        raise Http404("用户不存在或不在您的管辖范围内")
    with transaction.atomic():
        cleared = AxesProxyHandler.reset_attempts(username=username)
        audit(AuditAction.UPDATE, actor=actor, obj=user, detail={"sign_in_unlocked": username,
                                                                  "attempts_cleared": cleared})
    return cleared


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_token_admin(actor, organization, verb: str) -> None:
    require(actor, Capability.ADMINISTER)
    if not region_in_scope(actor, organization.region):
        raise PermissionDenied(f"机构“{organization.name}”不在您的管辖范围内，不能为其{verb}接口令牌")


def api_token_issue(*, actor, organization, name: str) -> tuple[ApiToken, str]:
    """Issues a token for a department system. The raw token is returned once and never stored.
    Only an administrator, and only for an organisation inside its jurisdiction."""
    _require_token_admin(actor, organization, "签发")
    raw = "jz_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        service_user, created = User.objects.get_or_create(
            username=f"svc-{organization.pk}",
            defaults={
                "full_name": f"{organization.name}（系统接口）",
                "organization": organization,
                "region": organization.region,
                "is_service_account": True,
            },
        )
        if created:
            service_user.set_unusable_password()
            service_user.save()
            role = Role.DEPARTMENT_CLERK if organization.kind == "department" else Role.ASSISTANCE_OFFICER
            UserRole.objects.create(user=service_user, role=role)
        token = ApiToken.objects.create(organization=organization, user=service_user, name=name,
                                        prefix=raw[:10], key_hash=_token_hash(raw), created_by=actor)
        audit(AuditAction.TOKEN_ISSUED, actor=actor, obj=token)
    return token, raw


def api_token_revoke(*, actor, token: ApiToken) -> None:
    _require_token_admin(actor, token.organization, "吊销")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit(AuditAction.TOKEN_REVOKED, actor=actor, obj=token)


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    token = (
        ApiToken.objects.select_related("user__organization", "user__region")
        .filter(key_hash=_token_hash(raw or ""), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user, token
