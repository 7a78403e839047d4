from django.apps import apps
from django.urls import NoReverseMatch, reverse


def navigation_for(user) -> list[dict]:
    """Menu entries the user's roles open, in app order. Superusers see everything."""
    if not user.is_authenticated:
        return []
    items = []
    for config in apps.get_app_configs():
        for label, url_name, roles in getattr(config, "navigation", []):
            if user.is_superuser or user.has_role(*roles):
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
