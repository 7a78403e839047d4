"""Capabilities per role (../shared/ROLES.md): groups built by migration, asked through has_perm by services,
navigation, templates and the API alike."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from jiuzhu.core.context import navigation_for
from jiuzhu.core.models import UserRole
from jiuzhu.core.permissions import ROLE_CAPABILITIES, Capability, can, require


def test_one_group_per_role_holds_exactly_its_capabilities(db):
    for role, capabilities in ROLE_CAPABILITIES.items():
        group = Group.objects.get(name=role)
        assert set(group.permissions.values_list("codename", flat=True)) == set(capabilities), role


@pytest.mark.parametrize(("username", "capability", "expected"), [
    ("longhui_window", Capability.EDIT_REGISTRY, True),
    ("longhui_window", Capability.IMPORT_ROSTERS, False),
    ("longhui_officer", Capability.PROPOSE_GRANTS, True),
    ("longhui_officer", Capability.DECIDE_TIERS, False),
    ("longhui_approver", Capability.DECIDE_TIERS, True),
    ("longhui_approver", Capability.EDIT_REGISTRY, False),
    ("longhui_analyst", Capability.VIEW_REGISTRY, False),
    ("longhui_analyst", Capability.VIEW_STATISTICS, True),
    ("longhui_auditor", Capability.VIEW_AUDIT_LOG, True),
    ("longhui_auditor", Capability.VIEW_REGISTRY, False),
    ("longhui_admin", Capability.ADMINISTER, True),
    ("longhui_admin", Capability.VIEW_REGISTRY, False),  # no personal data without a working role
    ("longhui_station", Capability.RESCUE_CASES, True),
    ("longhui_station", Capability.VIEW_REGISTRY, False),
    ("longhui_clerk", Capability.UPLOAD_FEEDS, True),
])
def test_capabilities_follow_the_roles_table(persona, username, capability, expected):
    assert can(persona(username), capability) is expected


def test_a_second_role_adds_its_capabilities(persona):
    user = persona("longhui_analyst")
    UserRole.objects.create(user=user, role="assistance_officer")
    user = persona("longhui_analyst")  # a fresh object: capabilities are cached per request
    assert can(user, Capability.VIEW_REGISTRY) and can(user, Capability.VIEW_STATISTICS)


def test_inactive_and_anonymous_users_hold_nothing(persona):
    from django.contrib.auth.models import AnonymousUser

    user = persona("longhui_officer")
    user.is_active = False
    assert not can(user, Capability.VIEW_REGISTRY)
    assert not can(AnonymousUser(), Capability.VIEW_REGISTRY)
    assert not can(None, Capability.VIEW_REGISTRY)


def test_require_refuses_with_the_capability_in_chinese(persona):
    with pytest.raises(PermissionDenied) as exc:
        require(persona("longhui_analyst"), Capability.EXPORT_PERSONS)
    assert str(exc.value) == "您没有“导出人员名单”的权限"
    require(persona("longhui_officer"), Capability.EXPORT_PERSONS)


def test_navigation_asks_the_same_table(persona):
    labels = {item["label"] for item in navigation_for(persona("longhui_officer"))}
    assert {"家庭", "人员", "批量导入", "分层评估"} <= labels and "审计日志" not in labels
    assert "人员" not in {item["label"] for item in navigation_for(persona("longhui_analyst"))}
    assert "审计日志" in {item["label"] for item in navigation_for(persona("longhui_auditor"))}


def test_the_api_reports_the_users_capabilities(client_for):
    me = client_for("longhui_approver").get("/api/v1/core/me").json()
    assert "decide_tiers" in me["capabilities"] and "propose_grants" not in me["capabilities"]
    assert me["capabilities"] == sorted(ROLE_CAPABILITIES["approver"])


def test_capabilities_are_permissions_of_core_with_chinese_names(db):
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(content_type__app_label="core", content_type__model="capabilities")
    assert dict(perms.values_list("codename", "name")) == dict(Capability.choices)


def test_a_navigation_predicate_is_asked_for_each_user_not_cached_with_the_permissions(persona, monkeypatch):
    """Two users with the same permissions may differ in what a predicate asks (organisation, region): the menu
    cached for their permissions must not hand one user's answer to the other."""
    from django.apps import apps

    from jiuzhu.core import context

    monkeypatch.setattr(context, "_MENUS", {})
    monkeypatch.setattr(apps.get_app_config("core"), "navigation",
                        [("任务", "core:task_runs", lambda user: user.username == "longhui_officer")])
    first, second = persona("longhui_officer"), persona("dongkou_officer")
    assert first.get_all_permissions() == second.get_all_permissions()
    assert "任务" in {item["label"] for item in navigation_for(first)}
    assert "任务" not in {item["label"] for item in navigation_for(second)}
