"""Sign-in with lockout (5 failures → 15 minutes), the password policy, and API token auth."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiuzhu.core.audit import audit
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import ApiToken, AuditAction, Role, SignInThrottle, User, UserRole


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


def _locked_until(username: str):
    row = SignInThrottle.objects.filter(username=username).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


class LockoutModelBackend(ModelBackend):
    """Also refuses locked accounts, so no path (admin, API) can bypass the lockout."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and _locked_until(username):
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.is_service_account:
            return None  # department systems use tokens, never a password sign-in
        return user


def _record_failure(username: str) -> SignInThrottle:
    now = timezone.now()
    with transaction.atomic():
        row, _ = SignInThrottle.objects.select_for_update().get_or_create(username=username)
        if row.locked_until and row.locked_until <= now:
            row.failures = 0  # the last lock has run out: count afresh
            row.locked_until = None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= settings.SIGN_IN_MAX_FAILURES:
            row.locked_until = now + dt.timedelta(minutes=settings.SIGN_IN_LOCK_MINUTES)
        row.save()
    return row


def sign_in(*, request, username: str, password: str) -> User:
    username = (username or "").strip()
    locked = _locked_until(username)
    if locked:
        audit(AuditAction.SIGN_IN_LOCKED, username=username, detail={"locked_until": locked.isoformat()})
        until = timezone.localtime(locked).strftime("%H:%M")
        raise DomainError(f"连续登录失败次数过多，账号已锁定，请于 {until} 后再试。", code="locked")
    user = authenticate(request, username=username, password=password)
    if user is None:
        row = _record_failure(username)
        audit(AuditAction.SIGN_IN_FAILED, username=username, detail={"failures": row.failures})
        if row.locked_until:
            audit(AuditAction.SIGN_IN_LOCKED, username=username)
            raise DomainError(
                f"连续登录失败 {row.failures} 次，账号已锁定 {settings.SIGN_IN_LOCK_MINUTES} 分钟。", code="locked"
            )
        left = settings.SIGN_IN_MAX_FAILURES - row.failures
        raise DomainError(f"用户名或密码错误，再错 {left} 次将锁定账号。", code="bad_credentials")
    SignInThrottle.objects.filter(username=username).delete()
    login(request, user)
    audit(AuditAction.SIGN_IN, actor=user)
    return user


def sign_out(*, request) -> None:
    if request.user.is_authenticated:
        audit(AuditAction.SIGN_OUT, actor=request.user)
    logout(request)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, actor, organization, name: str) -> tuple[ApiToken, str]:
    """Issues a token for a department system. The raw token is returned once and never stored."""
    if not (actor.is_superuser or actor.has_role(Role.ADMINISTRATOR)):
        raise DomainError("只有系统管理员可以签发接口令牌", code="forbidden")
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
