from django.apps import apps
from django.urls import NoReverseMatch, reverse

from jiuzhu.core.permissions import can

_MENUS: dict = {}


def navigation_for(user) -> list[dict]:
    """Menu entries whose page opens for the user, in app order. An app's `navigation` lists (label, url name,
    who): `who` is a capability, None (every signed-in user), or the predicate `(user) -> bool` the page's view
    asks itself (when the page refuses more than a missing capability, e.g. a department clerk).

    The capability part of the menu is built once per set of permissions and server process (it is the same for
    every user holding them); predicates may depend on more (the user's organisation, region), so they are kept
    in the cached menu unevaluated and asked for each user."""
    if not user.is_authenticated:
        return []
    key = (user.is_active, user.is_superuser, frozenset(user.get_all_permissions()))
    menu = _MENUS.get(key)
    if menu is None:
        if len(_MENUS) > 256:
            _MENUS.clear()
        menu = _MENUS[key] = _menu(user)
    return [dict(item) for item, predicate in menu if predicate is None or predicate(user)]


def _menu(user) -> list[tuple[dict, object]]:
    """(entry, predicate still to ask or None) for every entry the user's capabilities do not rule out."""
    items = []
    for config in apps.get_app_configs():
        for label, url_name, who in getattr(config, "navigation", []):
            if callable(who) or who is None or can(user, who):
                try:
                    entry = {"label": label, "url": reverse(url_name), "app": config.verbose_name}
                except NoReverseMatch:
                    continue
                items.append((entry, who if callable(who) else None))
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_items": navigation_for(user)}
