from django.apps import apps
from django.urls import NoReverseMatch, reverse

from jiuzhu.core.permissions import can

_MENUS: dict = {}


def navigation_for(user) -> list[dict]:
    """Menu entries the user's capabilities open, in app order (None: every signed-in user). The menu of one
    set of capabilities is built once per server process (it is the same for every user holding them)."""
    if not user.is_authenticated:
        return []
    key = (user.is_active, user.is_superuser, frozenset(user.get_all_permissions()))
    menu = _MENUS.get(key)
    if menu is None:
        if len(_MENUS) > 256:
            _MENUS.clear()
        menu = _MENUS[key] = _menu(user)
    return [dict(item) for item in menu]


def _menu(user) -> list[dict]:
    items = []
    for config in apps.get_app_configs():
        for label, url_name, capability in getattr(config, "navigation", []):
            if capability is None or can(user, capability):
                try:
                    items.append({"label": label, "url": reverse(url_name), "app": config.verbose_name})
                except NoReverseMatch:
                    continue
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_items": navigation_for(user)}
