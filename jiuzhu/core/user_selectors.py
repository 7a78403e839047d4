"""Reads for user management (core/user_views.py): the accounts an administrator manages, scoped to the
administrator's jurisdiction. An account outside it, a superuser or a department system's service account
is not managed here: asking for one is 404, never a hint that it exists."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from jiuzhu.core.auth import sign_in_locks
from jiuzhu.core.models import Organization, RegionLevel, User, UserRole
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.selectors import organizations_in_scope, regions_in_scope


class UserStatus:
    """The status filter of the user list (words as the page shows them)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    LOCKED = "locked"
    CHOICES = ((ACTIVE, "正常"), (INACTIVE, "已停用"), (LOCKED, "已锁定"))


def managed_users(*, actor) -> QuerySet:
    """Every account the administrator may act on: people (not service accounts), never a superuser, whose
    region lies in the administrator's region subtree."""
    require(actor, Capability.ADMINISTER)
    qs = User.objects.filter(is_service_account=False, is_superuser=False)
    if not actor.is_superuser:
        if actor.region_id is None:
            return qs.none()
        qs = qs.filter(region__path__startswith=actor.region.path)
    return qs


def managed_user_or_404(*, actor, user_id) -> User:
    user = (managed_users(actor=actor).select_related("organization__region", "region")
            .filter(pk=user_id).first())
    if user is None:
        raise Http404("用户不存在或不在您的管辖范围内")
    return user


def locked_usernames(*, actor) -> set[str]:
    """Usernames of the jurisdiction locked after failed sign-ins now (the 登录锁定 page's rule)."""
    return {lock["user"].username for lock in sign_in_locks(actor=actor)}


def user_list(*, actor, text: str = "", organization: Organization | None = None, role: str = "",
              status: str = "", locked: set[str] | None = None) -> QuerySet:
    """The jurisdiction's accounts filtered by name or username, organisation, role and status; their roles
    prefetched (one query), ordered by region then username."""
    qs = managed_users(actor=actor)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(username__icontains=text) | Q(full_name__icontains=text))
    if organization is not None:
        qs = qs.filter(organization=organization)
    if role:
        qs = qs.filter(roles__role=role)
    if status == UserStatus.INACTIVE:
        qs = qs.filter(is_active=False)
    elif status in (UserStatus.ACTIVE, UserStatus.LOCKED):
        locked = locked_usernames(actor=actor) if locked is None else locked
        qs = qs.filter(is_active=True)
        qs = qs.filter(username__in=locked) if status == UserStatus.LOCKED else qs.exclude(username__in=locked)
    return (qs.select_related("organization", "region")
            .prefetch_related(Prefetch("roles", queryset=UserRole.objects.order_by("role")))
            .order_by("region__path", "username").distinct())


def user_organizations(*, actor) -> QuerySet:
    """Organisations a managed account may belong to."""
    require(actor, Capability.ADMINISTER)
    return organizations_in_scope(actor=actor).order_by("region__path", "kind", "name")


def user_regions(*, actor) -> QuerySet:
    """Regions an account may be given as its jurisdiction: the administrator's own region and below. Villages
    are offered to administrators of a county or below (a city's or province's list would be thousands)."""
    require(actor, Capability.ADMINISTER)
    qs = regions_in_scope(actor=actor)
    level = actor.region.level if actor.region_id else None
    if level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        qs = qs.exclude(level=RegionLevel.VILLAGE)
    return qs.order_by("path")



def user_changes(*, actor, user: User, limit: int = 20) -> QuerySet:
    """The account's history as administrators changed it (CoreEvent.USER_* rows), newest first."""
    from jiuzhu.core.models import Event

    require(actor, Capability.ADMINISTER)
    return (Event.objects.filter(subject_type=User._meta.label_lower, subject_id=str(user.pk),
                                 kind__startswith="core.user_")
            .select_related("actor").order_by("-occurred_at", "-id")[:limit])
