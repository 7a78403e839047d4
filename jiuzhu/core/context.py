from django.apps import apps
from django.urls import NoReverseMatch, reverse

from jiuzhu.core.permissions import can


def navigation_for(user) -> list[dict]:
    """Menu entries the user's capabilities open, in app order (None: every signed-in user)."""
    if not user.is_authenticated:
        return []
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
