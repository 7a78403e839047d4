"""Capabilities per role (../shared/ROLES.md): the one table services, views, the API, navigation and
templates ask. Never compare role names in code; ask `can(actor, Capability.X)` or `require(...)`.

Each capability is a Django permission of the `core` app (`core.<codename>`); each role is a Django
group named by its role code, built from ROLE_CAPABILITIES by a data migration. A user's roles
(`UserRole`) select the groups whose permissions they hold (`CapabilityBackend`), so templates may
also write `{% if perms.core.view_registry %}`. Jurisdiction (core/scoping.py) applies on top.
"""

from django.core.exceptions import PermissionDenied
from django.db import models


class Capability(models.TextChoices):
    VIEW_REGISTRY = "view_registry", "查看家庭和人员"
    VIEW_FULL_ID = "view_full_id", "查看完整身份证号码"
    EDIT_REGISTRY = "edit_registry", "登记、修改家庭及家计调查"
    IMPORT_ROSTERS = "import_rosters", "导入名册"
    EXPORT_PERSONS = "export_persons", "导出人员名单"
    RUN_ASSESSMENT = "run_assessment", "运行分层评估"
    DECIDE_TIERS = "decide_tiers", "审批分层认定和救助"
    PROPOSE_GRANTS = "propose_grants", "拟定救助金额"
    UPLOAD_FEEDS = "upload_feeds", "上传部门数据"
    HANDLE_WARNINGS = "handle_warnings", "核查处置预警"
    DECIDE_TERMINATIONS = "decide_terminations", "决定停保"
    INTAKE = "intake", "受理申请、一次性告知、转办"
    DECIDE_INTAKE = "decide_intake", "审批申请"
    RESCUE_CASES = "rescue_cases", "救助管理：发现、入站、照料、离站"
    APPROVE_RESCUE = "approve_rescue", "审批寻亲公告、离站、事件、落户"
    FAMILY_SEARCH = "family_search", "寻亲比对、确认身份"
    REPORT_MISSING = "report_missing", "登记走失人员（寻亲登记）"
    LOOKUP_REGISTRY = "lookup_registry", "查询受助人员是否在低收入人口库"
    FOLLOWUP = "followup", "回访、易流浪走失人员库"
    PREPARE_PAYMENTS = "prepare_payments", "编制发放花名册"
    REVIEW_PAYMENTS = "review_payments", "审核发放花名册"
    MANAGE_FUND = "manage_fund", "托底救助基金：登记收入、拟定支出"
    APPROVE_FUND = "approve_fund", "审批托底救助基金支出和购买服务付款"
    PURCHASE_SERVICES = "purchase_services", "政府购买服务：承接主体、合同、服务记录、绩效评价"
    CONFIRM_SERVICES = "confirm_services", "确认购买服务的服务记录（乡镇）"
    VIEW_STATISTICS = "view_statistics", "统计报表"
    VIEW_AUDIT_LOG = "view_audit_log", "查询审计日志"
    ADMINISTER = "administer", "用户、令牌、区划、地方标准和目录管理"


C = Capability
# ../shared/ROLES.md, "Capabilities". ◐ entries (own organisation only) are granted here and
# narrowed by scoping.
ROLE_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "window_officer": (C.VIEW_REGISTRY, C.VIEW_FULL_ID, C.EDIT_REGISTRY, C.HANDLE_WARNINGS, C.INTAKE, C.FOLLOWUP,
                       C.PREPARE_PAYMENTS, C.CONFIRM_SERVICES),
    "assistance_officer": (C.VIEW_REGISTRY, C.VIEW_FULL_ID, C.EDIT_REGISTRY, C.IMPORT_ROSTERS, C.EXPORT_PERSONS,
                           C.RUN_ASSESSMENT, C.PROPOSE_GRANTS, C.UPLOAD_FEEDS, C.HANDLE_WARNINGS, C.INTAKE,
                           C.FOLLOWUP, C.PREPARE_PAYMENTS, C.REVIEW_PAYMENTS, C.VIEW_STATISTICS, C.MANAGE_FUND,
                           C.PURCHASE_SERVICES),
    "approver": (C.VIEW_REGISTRY, C.VIEW_FULL_ID, C.IMPORT_ROSTERS, C.EXPORT_PERSONS, C.RUN_ASSESSMENT,
                 C.DECIDE_TIERS, C.HANDLE_WARNINGS, C.DECIDE_TERMINATIONS, C.INTAKE, C.DECIDE_INTAKE,
                 C.REVIEW_PAYMENTS, C.VIEW_STATISTICS, C.APPROVE_FUND),
    "department_clerk": (C.VIEW_REGISTRY, C.VIEW_FULL_ID, C.UPLOAD_FEEDS, C.HANDLE_WARNINGS, C.INTAKE),
    "coordinator": (C.VIEW_REGISTRY, C.VIEW_FULL_ID, C.EDIT_REGISTRY, C.HANDLE_WARNINGS, C.INTAKE, C.FOLLOWUP),
    "station_worker": (C.VIEW_FULL_ID, C.INTAKE, C.RESCUE_CASES, C.FAMILY_SEARCH, C.REPORT_MISSING,
                       C.LOOKUP_REGISTRY, C.FOLLOWUP),
    "station_manager": (C.VIEW_FULL_ID, C.INTAKE, C.RESCUE_CASES, C.APPROVE_RESCUE, C.FAMILY_SEARCH,
                        C.REPORT_MISSING, C.LOOKUP_REGISTRY, C.FOLLOWUP, C.VIEW_STATISTICS),
    "regional_officer": (C.VIEW_FULL_ID, C.RESCUE_CASES, C.APPROVE_RESCUE, C.FAMILY_SEARCH, C.REPORT_MISSING,
                         C.LOOKUP_REGISTRY, C.VIEW_STATISTICS),
    "analyst": (C.VIEW_STATISTICS,),
    "auditor": (C.VIEW_AUDIT_LOG,),
    "administrator": (C.ADMINISTER,),
}
del C


def can(actor, capability: str) -> bool:
    """Does this user hold the capability (through any of their roles)? Superusers hold all."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.has_perm(f"core.{capability}")


def require(actor, capability: str) -> None:
    """The guard a service calls first: 403 in pages and the API, with the capability's Chinese name."""
    if not can(actor, capability):
        raise PermissionDenied(f"您没有“{Capability(capability).label}”的权限")


def sync_role_groups(apps=None) -> None:
    """Makes one group per role hold exactly its capabilities from ROLE_CAPABILITIES. Called by data
    migrations (a change to the table above ships with a migration that calls this again)."""
    if apps is None:
        from django.apps import apps
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="core", model="capabilities")
    perms = {}
    for code, label in Capability.choices:
        perm, _ = Permission.objects.update_or_create(content_type=content_type, codename=code,
                                                      defaults={"name": label})
        perms[code] = perm
    for role, capabilities in ROLE_CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in capabilities])


class CapabilityBackend:
    """Answers `has_perm` from the groups named by the user's roles (UserRole), never authenticates.
    Permissions are cached on the user object for the request, like Django's ModelBackend does."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cached = getattr(user_obj, "_capability_cache", None)
        if cached is None:
            from django.contrib.auth.models import Permission

            if user_obj.is_superuser:
                rows = Permission.objects.filter(content_type__app_label="core",
                                                 content_type__model="capabilities")
            else:
                rows = Permission.objects.filter(group__name__in=user_obj.role_codes)
            cached = {f"{app}.{code}" for app, code in rows.values_list("content_type__app_label", "codename")}
            user_obj._capability_cache = cached
        return cached

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
