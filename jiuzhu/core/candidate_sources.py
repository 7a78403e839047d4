"""Sources of identity candidates for family search's ranking, declared by apps it may not import (follow-up's
at-risk registry is its sibling). Each such app has a conventional module `candidate_sources.py` with

    SOURCES = {"<app>.<name>": CandidateSource(label=..., find=..., describe=..., identity=...)}

- `find(*, actor, names: NameBlock, sex, born_from, born_to) -> list[dict]`: the persons who could be the client,
  blocked in SQL by the source (its own scope and capability checks; [] when the actor may not ask), as the
  matching library's report columns without `report_id` (name, sex, birth_year, height_cm, hukou_region_code,
  missing_date, last_seen_region_code, features) plus `id`;
- `describe(*, actor, ids, detail) -> {id: CandidateFacts}`: what a reviewer may see of each, one audit READ row
  per person written by the source (it holds the model; `detail` is the caller's purpose);
- `identity(*, actor, source_id) -> (name, id_number)`: for a confirmed match (the ID number, "" when unknown).

Core collects them (core/discovery) and knows no app by name; family search reads them here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jiuzhu.core.discovery import app_modules


@dataclass(frozen=True)
class NameBlock:
    """The name readings to block on: exact full names, surnames (a prefix), given names (a suffix)."""

    full: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    givens: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.full or self.surnames or self.givens)


@dataclass(frozen=True)
class CandidateFacts:
    name: str
    sex: str  # Chinese label
    age: str  # "约66岁", "" when unknown
    place: str  # a county's full name at most, never an address
    source_label: str  # "易流浪走失人员信息库"
    note: str = ""  # e.g. the conditions recorded (走失风险情形), never a guardian's phone


@dataclass(frozen=True)
class CandidateSource:
    label: str
    find: Callable
    describe: Callable
    identity: Callable
    extra: dict = field(default_factory=dict)


def sources() -> dict[str, CandidateSource]:
    out: dict[str, CandidateSource] = {}
    for _app, module in app_modules("candidate_sources"):
        out.update(getattr(module, "SOURCES", {}))
    return out
