"""Links from one app's record to what other apps keep about it (a rescue record → its returnee ledger entry,
later its family-search notice). An app below cannot import the apps above it, so each app above declares its
links in a conventional module `related.py` with

    def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]  # (Chinese label, url)

returning only what the actor may open (its own scope and capability checks); core collects them here."""

from jiuzhu.core.discovery import app_modules


def related_links(actor, object_type: str, obj) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    for _app, module in app_modules("related"):
        links.extend(module.related_links(actor, object_type, obj))
    return links
