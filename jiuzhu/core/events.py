"""Event rows and the handlers that follow them.

Each service writes its event in the same transaction as its change (`record_event`). After commit,
the task worker delivers the event to every handler that an app lists in its `handlers.py`:

    HANDLERS = {"rescue.client_admitted": ["jiuzhu.familysearch.services.notice_draft_for_case"]}

A handler is called as `handler(event)`. Delivery is at least once; `EventDelivery` makes a second
delivery of the same event to the same handler a no-op. No Django signals: grep the event kind.
"""

import importlib
import logging
from functools import cache

from django.apps import apps
from django.db import IntegrityError, transaction
from django_tasks import task

from jiuzhu.core.models import Event, EventDelivery

log = logging.getLogger(__name__)


def record_event(*, kind: str, subject, actor=None, summary: str = "", person_id: int | None = None,
                 household_id: int | None = None, region=None, payload: dict | None = None,
                 occurred_at=None) -> Event:
    fields = {}
    if occurred_at is not None:
        fields["occurred_at"] = occurred_at
    event = Event.objects.create(
        kind=kind,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        person_id=person_id,
        household_id=household_id,
        region=region,
        actor=actor if actor is not None and actor.pk else None,
        organization_id=getattr(actor, "organization_id", None),
        summary=summary[:300],
        payload=payload or {},
        **fields,
    )
    if handlers_for(kind):
        transaction.on_commit(lambda: deliver_event.enqueue(event.pk))
    return event


@cache
def _handler_table() -> dict[str, tuple[str, ...]]:
    """kind -> dotted handler paths, read once from every installed app's handlers.py."""
    table: dict[str, list[str]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("jiuzhu."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.handlers")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.handlers":
                raise
            continue
        for kind, paths in getattr(module, "HANDLERS", {}).items():
            table.setdefault(kind, []).extend(paths)
    return {kind: tuple(paths) for kind, paths in table.items()}


def handlers_for(kind: str) -> tuple[str, ...]:
    return _handler_table().get(kind, ())


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def deliver(event: Event) -> int:
    """Run every handler of this event that has not run yet. Returns how many ran now."""
    ran = 0
    for path in handlers_for(event.kind):
        try:
            with transaction.atomic():
                EventDelivery.objects.create(event=event, handler=path)
                _resolve(path)(event)
            ran += 1
        except IntegrityError:
            continue  # already delivered: idempotent by (event, handler)
    return ran


@task()
def deliver_event(event_id: int) -> int:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        log.warning("event %s vanished before delivery", event_id)
        return 0
    return deliver(event)
