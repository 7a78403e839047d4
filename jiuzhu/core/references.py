"""References from one app's record to a decided case kept by another app it may not import (a safety-net fund
disbursement → monitoring's case conference 一事一议, or intake's assist-first 先行救助).

A reference is a kind ("monitoring.case_conference"), an id, and a label snapshot kept by the referring row. The
app that keeps the case declares, in a conventional module `references.py`,

    RESOLVERS = {"monitoring.case_conference": "jiuzhu.monitoring.references.case_conference"}

and each resolver is called as `resolver(actor, ref_id) -> DecidedCase`: it applies its own scope (out of the
actor's jurisdiction, or missing, is 404) and refuses a case not decided (DomainError). Core collects the
resolvers (core/discovery.py) and never imports the apps; the referring app checks what it needs of the answer
(the household, the amount)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from jiuzhu.core.discovery import app_modules
from jiuzhu.core.errors import invalid


@dataclass(frozen=True, slots=True)
class DecidedCase:
    """What a resolver answers about a decided case: enough to prefill and to check a payment for it."""

    kind: str
    id: int
    label: str  # Chinese, e.g. "一事一议（2026-11-20）：李秀英"
    url: str  # the case's page (the referring page links to it)
    decision_kind: str  # "case_conference" (一事一议) or "assist_first" (先行救助)
    household_id: int | None
    region_id: int
    decided_on: dt.date
    amount: Decimal | None  # the amount decided, if the case names one
    decision_ref: str = ""  # the decision's number or minutes, if kept


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for _app, module in app_modules("references"):
        table.update(getattr(module, "RESOLVERS", {}))
    return table


_override: list[dict[str, str]] = []


@contextmanager
def reference_resolvers(table: Mapping[str, str]) -> Iterator[None]:
    """Within the block, `table` replaces every app's RESOLVERS (tests)."""
    _override.append(dict(table))
    try:
        yield
    finally:
        _override.pop()


def kinds() -> dict[str, str]:
    """kind -> resolver path, as installed (or overridden)."""
    return _override[-1] if _override else _table()


def resolve(actor, kind: str, ref_id, *, field: str = "source") -> DecidedCase:
    """The decided case `kind`/`ref_id` as the actor may see it; 404 out of scope, DomainError if not decided or
    the kind is unknown."""
    path = kinds().get(kind or "")
    if path is None:
        raise invalid("请选择决定来源（一事一议或先行救助）", field)
    try:
        number = int(str(ref_id).strip())
    except (TypeError, ValueError):
        raise invalid("决定来源编号应为数字", field) from None
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)(actor, number)
