"""Follow-up's at-risk registry (易流浪走失人员信息库) as a source of family search's candidates
(core.candidate_sources): a listed person who tends to wander off may be the unidentified client a station has
just admitted.

Blocked in SQL by the name as written (the at-risk table keeps no sound key: exact full name, surname prefix,
given-name suffix) and sex; the birth year comes from the ID number of the few rows found (decrypted here, never
returned). Not scoped to the actor's region, as the low-income registry's lookup for stations is not (a station's
clients come from everywhere): the actor must hold LOOKUP_REGISTRY; the rows carry only what the ranking compares,
the description only name, sex, age, county and the recorded conditions (never the ID number, the address or the
guardian's phone); every person described is audited here."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from jiuzhu.core.audit import audit_read
from jiuzhu.core.candidate_sources import CandidateFacts, CandidateSource, NameBlock
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can
from jiuzhu.followup.models import AtRiskPerson, AtRiskStatus

ROWS_CAP = 500
SEX_LABELS = {"M": "男", "F": "女"}


def _number(cipher: str) -> str:
    try:
        return decrypt_text(cipher) if cipher else ""
    except Exception:  # an unreadable number (a retired key) only loses the birth year
        return ""


def _birth_year(number: str) -> int | None:
    return int(number[6:10]) if len(number) == 18 and number[6:10].isdigit() else None


def find(*, actor, names: NameBlock, sex: str, born_from: int | None, born_to: int | None) -> list[dict]:
    if not can(actor, Capability.LOOKUP_REGISTRY) or not names:
        return []
    q = Q(pk__in=[])
    if names.full:
        q |= Q(name__in=list(names.full))
    for surname in names.surnames:
        q |= Q(name__startswith=surname)
    for given in names.givens:
        q |= Q(name__endswith=given)
    qs = AtRiskPerson.objects.filter(q, status=AtRiskStatus.LISTED)
    if sex in ("M", "F"):
        qs = qs.filter(Q(sex__in=[sex, ""]))
    rows = []
    for row in qs.order_by("pk").values("pk", "name", "sex", "id_number_cipher", "region__code")[:ROWS_CAP]:
        year = _birth_year(_number(row["id_number_cipher"]))
        if year is not None and born_from is not None and born_to is not None and not born_from <= year <= born_to:
            continue
        code = (row["region__code"] or "")[:6]
        rows.append({"id": row["pk"], "name": row["name"], "sex": row["sex"] or "U", "birth_year": year,
                     "height_cm": None, "hukou_region_code": code, "missing_date": None,
                     "last_seen_region_code": code, "features": ""})
    return rows


def describe(*, actor, ids, detail: dict) -> dict[int, CandidateFacts]:
    """The reviewer's view of each person, each audited (a READ row with the caller's purpose)."""
    persons = list(AtRiskPerson.objects.filter(pk__in=list(ids)).select_related("region"))
    counties = dict(Region.objects.filter(code__in={p.region.code[:6] for p in persons})
                    .values_list("code", "full_name"))
    year = dt.date.today().year
    out = {}
    for p in persons:
        born = _birth_year(_number(p.id_number_cipher))
        out[p.pk] = CandidateFacts(name=p.name, sex=SEX_LABELS.get(p.sex, "不详"),
                                   age=f"{year - born}岁" if born else "", place=counties.get(p.region.code[:6], ""),
                                   source_label="易流浪走失人员信息库", note="、".join(p.condition_labels))
        audit_read(actor, p, detail=detail)
    return out


def identity(*, actor, source_id: int) -> tuple[str, str]:
    person = AtRiskPerson.objects.get(pk=source_id)
    return person.name, _number(person.id_number_cipher)


SOURCES = {"followup.at_risk": CandidateSource(label="易流浪走失人员信息库", find=find, describe=describe,
                                               identity=identity)}
