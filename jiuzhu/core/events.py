"""Event rows and the handlers that follow them (the outbox).

Each service writes its events in the same transaction as its change: `record_event` for one,
`record_events` for a set (one statement, however many rows), `record_events_by_query` when the
database can make the rows itself (INSERT … SELECT). After commit, the task worker delivers them to
every handler that an app lists in its `handlers.py`:

    HANDLERS = {RescueEvent.CLIENT_ADMITTED: ["jiuzhu.familysearch.services.notice_draft_for_case"]}

A handler is called as `handler(event)`. Delivery is at least once; `EventDelivery` makes a second
delivery of the same event to the same handler a no-op. The enqueue after commit can be lost (the
process dies between commit and enqueue), so `deliver_pending` (the periodic task
`jiuzhu.core.tasks.deliver_pending_events`) delivers every event of a handled kind that some handler
has not processed yet. No Django signals: grep the event kind.
"""

import importlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache, reduce
from operator import or_

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from jiuzhu.core.discovery import app_modules
from jiuzhu.core.models import Event, EventDelivery, Region

log = logging.getLogger(__name__)


class CoreEvent:
    """Kinds core writes. Every app keeps its kinds in its own `events.py` (`RegistryEvent`, …)."""

    SETTING_CHANGED = "core.setting_changed"
    REGIONS_IMPORTED = "core.regions_imported"  # region_import.py: townships and villages added or renamed
    # User management by administrators (core/user_services.py).
    USER_CREATED = "core.user_created"
    USER_CHANGED = "core.user_changed"  # roles, organisation, region or name
    USER_DEACTIVATED = "core.user_deactivated"
    USER_REACTIVATED = "core.user_reactivated"
    USER_PASSWORD_RESET = "core.user_password_reset"
    USER_UNLOCKED = "core.user_unlocked"
    WORKDAY_OVERRIDE_SET = "core.workday_override_set"  # workdays.py: an administrator's calendar entry


def _actor_ids(actor) -> tuple[int | None, int | None]:
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    return actor_id, getattr(actor, "organization_id", None)


def record_event(*, kind: str, subject, actor=None, summary: str = "", person_id: int | None = None,
                 household_id: int | None = None, region=None, payload: dict | None = None,
                 occurred_at=None) -> Event:
    fields = {}
    if occurred_at is not None:
        fields["occurred_at"] = occurred_at
    actor_id, organization_id = _actor_ids(actor)
    event = Event.objects.create(
        kind=kind,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        person_id=person_id,
        household_id=household_id,
        region=region,
        actor_id=actor_id,
        organization_id=organization_id,
        summary=summary[:300],
        payload=payload or {},
        **fields,
    )
    if handlers_for(kind):
        transaction.on_commit(lambda: deliver_event.enqueue(event.pk))
    return event


# ---- Many events at once ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EventRow:
    """One event of a set written by `record_events`; kind, subject type, actor and time are the set's."""

    subject_id: int | str
    person_id: int | None = None
    household_id: int | None = None
    region_id: int | None = None
    summary: str = ""
    payload: dict | None = None


# Up to this many rows go through the ORM (bulk_create); more go as one plain executemany, which for an
# import of hundreds of thousands of households costs a fraction of building a model instance per row.
ORM_ROWS = 1000
_COLUMNS = ("kind", "subject_type", "actor_id", "organization_id", "occurred_at", "subject_id", "person_id",
            "household_id", "region_id", "summary", "payload")
_INSERT_SQL = (f"INSERT INTO core_event ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant column list
               f"VALUES ({', '.join(['%s'] * len(_COLUMNS))})")


def record_events(*, kind: str, subject_model: type[models.Model], rows: Sequence[EventRow], actor=None,
                  occurred_at: datetime | None = None) -> int:
    """Writes one event of `kind` per row, set-based, in the caller's transaction, and schedules their
    handlers with one task after commit. Returns the number of rows written."""
    if not rows:
        return 0
    subject_type = subject_model._meta.label_lower
    actor_id, organization_id = _actor_ids(actor)
    occurred_at = occurred_at or timezone.now()
    handled = bool(handlers_for(kind))
    _check_regions(rows)
    if len(rows) <= ORM_ROWS:
        created = Event.objects.bulk_create([
            Event(kind=kind, subject_type=subject_type, subject_id=str(r.subject_id), person_id=r.person_id,
                  household_id=r.household_id, region_id=r.region_id, actor_id=actor_id,
                  organization_id=organization_id, occurred_at=occurred_at, summary=r.summary[:300],
                  payload=r.payload or {})
            for r in rows])
        if handled:
            ids = [e.pk for e in created]
            _schedule(kind, min(ids), max(ids))
        return len(created)
    before = _last_event_id() if handled else 0
    with connection.cursor() as cursor:
        cursor.executemany(_INSERT_SQL, [
            (kind, subject_type, actor_id, organization_id, occurred_at, str(r.subject_id), r.person_id,
             r.household_id, r.region_id, r.summary[:300], json.dumps(r.payload or {}))
            for r in rows])
    if handled:
        _schedule(kind, before + 1, _last_event_id())
    return len(rows)


def _check_regions(rows: Sequence[EventRow]) -> None:
    """Event.region carries no database constraint (the bulk-write rule), so a set naming a region that does
    not exist is refused here, in one query for the set's few distinct regions."""
    named = {r.region_id for r in rows if r.region_id is not None}
    if not named:
        return
    missing = named - set(Region.objects.filter(pk__in=named).values_list("pk", flat=True))
    if missing:
        raise ValueError(f"record_events: no such region {sorted(missing)[:5]}")


def record_events_by_query(*, kind: str, subject_model: type[models.Model],
                           queries: Iterable[tuple[str, Sequence]], actor=None) -> int:
    """Events made by the database from rows it already holds: each query is (sql, params), a SELECT of
    (subject_id, person_id, household_id, region_id, occurred_at, summary, payload) in that order.
    Several queries (chunks of one set) are written in the caller's transaction and scheduled as one
    task after commit. Returns the number of rows written."""
    prefix = ("INSERT INTO core_event (kind, subject_type, actor_id, organization_id, subject_id, person_id, "
              "household_id, region_id, occurred_at, summary, payload) "
              "SELECT %s, %s, CAST(%s AS BIGINT), CAST(%s AS BIGINT), ")
    actor_id, organization_id = _actor_ids(actor)
    head = [kind, subject_model._meta.label_lower, actor_id, organization_id]
    handled = bool(handlers_for(kind))
    before = _last_event_id() if handled else 0
    written = 0
    with connection.cursor() as cursor:
        for sql, params in queries:
            first, rest = sql.split(None, 1)
            if first.upper() != "SELECT":
                raise ValueError("record_events_by_query takes SELECT statements")
            cursor.execute(prefix + rest, [*head, *params])
            written += max(cursor.rowcount, 0)
    if handled and written:
        _schedule(kind, before + 1, _last_event_id())
    return written


def _last_event_id() -> int:
    # New rows always get ids above every id already allocated (SQLite AUTOINCREMENT, PostgreSQL
    # identity), so [last before + 1, last after] holds all of ours; others of the kind in that range
    # are harmless, delivery being idempotent.
    return Event.objects.aggregate(last=models.Max("pk"))["last"] or 0


def _schedule(kind: str, first_id: int, last_id: int) -> None:
    transaction.on_commit(lambda: deliver_events.enqueue(kind=kind, first_id=first_id, last_id=last_id))


# ---- Handlers ---------------------------------------------------------------------------------------

@cache
def _handler_table() -> dict[str, tuple[str, ...]]:
    """kind -> dotted handler paths, read once from every installed app's handlers.py."""
    table: dict[str, list[str]] = {}
    for _app, module in app_modules("handlers"):
        for kind, paths in getattr(module, "HANDLERS", {}).items():
            table.setdefault(kind, []).extend(paths)
    return {kind: tuple(paths) for kind, paths in table.items()}


_override: list[dict[str, tuple[str, ...]]] = []


@contextmanager
def handler_table(table: dict[str, Sequence[str]]) -> Iterator[None]:
    """Within the block, `table` replaces every app's HANDLERS (tests: `with handler_table({kind: [path]})`)."""
    _override.append({kind: tuple(paths) for kind, paths in table.items()})
    try:
        yield
    finally:
        _override.pop()


def _table() -> dict[str, tuple[str, ...]]:
    return _override[-1] if _override else _handler_table()


def handlers_for(kind: str) -> tuple[str, ...]:
    return _table().get(kind, ())


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


# ---- Delivery ---------------------------------------------------------------------------------------

def _deliver_to(event: Event, path: str) -> bool:
    """Runs one handler for one event unless it already has; its delivery row commits with its work."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                EventDelivery.objects.create(event=event, handler=path)
        except IntegrityError:
            return False  # already delivered: idempotent by (event, handler)
        _resolve(path)(event)
    return True


def _deliver(event: Event) -> tuple[int, Exception | None]:
    ran, failure = 0, None
    for path in handlers_for(event.kind):
        try:
            ran += _deliver_to(event, path)
        except Exception as exc:  # a failing handler does not stop the others; the sweep retries it
            log.exception("handler %s failed on event %s", path, event.pk)
            failure = failure or exc
    return ran, failure


def deliver(event: Event) -> int:
    """Runs every handler of this event that has not run yet. Returns how many ran now. A failing
    handler does not stop the others; the first failure is raised after them."""
    ran, failure = _deliver(event)
    if failure is not None:
        raise failure
    return ran


def undelivered() -> models.QuerySet[Event]:
    """Every event of a handled kind that at least one of its kind's handlers has not processed."""
    wanted = [Q(kind=kind) & reduce(or_, [~Exists(EventDelivery.objects.filter(event=OuterRef("pk"), handler=path))
                                          for path in paths])
              for kind, paths in _table().items() if paths]
    if not wanted:
        return Event.objects.none()
    return Event.objects.filter(reduce(or_, wanted))


def _deliver_all(events: Iterable[Event]) -> dict[str, int]:
    counts = {"events": 0, "handlers_run": 0, "failed": 0}
    for event in events:
        ran, failure = _deliver(event)
        counts["events"] += 1
        counts["handlers_run"] += ran
        counts["failed"] += failure is not None  # logged; left undelivered for the next sweep
    return counts


def deliver_pending(*, limit: int = 1000) -> dict[str, int]:
    """The outbox sweep: delivers up to `limit` undelivered events, oldest first. Idempotent."""
    return _deliver_all(list(undelivered().order_by("pk")[:limit]))


@task()
def deliver_event(event_id: int) -> int:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        log.warning("event %s vanished before delivery", event_id)
        return 0
    return deliver(event)


@task()
def deliver_events(*, kind: str, first_id: int, last_id: int) -> dict[str, int]:
    """Delivers the events of one `record_events` call (ids first_id..last_id of `kind`), 500 at a time."""
    pending = undelivered().filter(kind=kind, pk__gte=first_id, pk__lte=last_id).order_by("pk")
    counts = {"events": 0, "handlers_run": 0, "failed": 0}
    after = first_id - 1
    while True:
        page = list(pending.filter(pk__gt=after)[:500])
        if not page:
            return counts
        for key, value in _deliver_all(page).items():
            counts[key] += value
        after = page[-1].pk
