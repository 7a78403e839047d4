"""The national region tree from python-stdnum's GB/T 2260 table, centroids from cpca's table.

python-stdnum keeps every code ever used, with the years each name was in force
("[1983-1995]东区,[1996-]芙蓉区"). The tree holds the codes in force now; ID-number validation uses
the whole table (retired codes stay valid for life, see identity.py)."""

import csv
from decimal import Decimal
from importlib import resources

from django.db import transaction
from stdnum import numdb

# Statistical placeholders in GB/T 2260 that are not places of their own.
_PLACEHOLDERS = {
    "市辖区", "县", "市",
    "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位", "自治区直辖县级行政单位",
}


def _current_name(spec: str) -> str | None:
    """'[1983-1995]东区,[1996-]芙蓉区' -> '芙蓉区'; a name whose last period has ended -> None."""
    last = spec.split(",")[-1]
    if not last.startswith("["):
        return last
    period, name = last[1:].split("]", 1)
    _start, end = period.split("-")
    return None if end else name


def _centroids() -> dict[str, tuple[Decimal, Decimal]]:
    found = {}
    with resources.files("cpca").joinpath("resources/adcodes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"]
            if code.endswith("000000") and row["longitude"] and row["latitude"]:
                found[code[:6]] = (Decimal(row["longitude"]).quantize(Decimal("0.000001")),
                                   Decimal(row["latitude"]).quantize(Decimal("0.000001")))
    return found


def national_regions() -> list[dict]:
    """Province, city and county rows in force now, parents before children."""
    rows: list[dict] = []
    for _len, province_code, _hi, props, children in numdb.get("cn/loc").prefixes:
        province = {"code": province_code + "0000", "name": props["province"], "level": "province",
                    "parent": None}
        rows.append(province)
        cities: dict[str, dict] = {}
        for _l, sub, _h, sub_props, _c in children:
            name = _current_name(sub_props.get("county", ""))
            code = province_code + sub
            if name is None or name in _PLACEHOLDERS or sub == "0000":
                continue
            if sub.endswith("00"):
                cities[sub[:2]] = {"code": code, "name": name, "level": "city", "parent": province["code"]}
        rows.extend(cities.values())
        for _l, sub, _h, sub_props, _c in children:
            name = _current_name(sub_props.get("county", ""))
            if name is None or name in _PLACEHOLDERS or sub.endswith("00"):
                continue
            city = cities.get(sub[:2])
            rows.append({"code": province_code + sub, "name": name, "level": "county",
                         "parent": city["code"] if city else province["code"]})
    return rows


def load_national_regions(Region=None) -> int:
    """Creates the missing province/city/county rows; existing rows keep their ids. Returns rows added."""
    if Region is None:
        from jiuzhu.core.models import Region
    centroids = _centroids()
    existing = set(Region.objects.values_list("code", flat=True))
    by_code: dict[str, object] = {r.code: r for r in Region.objects.filter(level__in=["province", "city"])}
    added = 0
    with transaction.atomic():
        for level in ("province", "city", "county"):
            batch = []
            for row in national_regions():
                if row["level"] != level or row["code"] in existing:
                    continue
                parent = by_code.get(row["parent"]) if row["parent"] else None
                path = (parent.path if parent else "/") + row["code"] + "/"
                names = [parent.full_name] if parent else []
                full = "".join(names) + row["name"] if not (parent and row["name"] == parent.name) else row["name"]
                lon, lat = centroids.get(row["code"], (None, None))
                batch.append(Region(code=row["code"], name=row["name"], full_name=full, level=level,
                                    parent=parent, path=path, longitude=lon, latitude=lat))
            Region.objects.bulk_create(batch, batch_size=1000)
            added += len(batch)
            if level != "county":
                by_code.update({r.code: r for r in Region.objects.filter(level=level)})
    return added


def region_child_create(Region, *, parent, code: str, name: str, level: str):
    """A township or village below a county (12-digit statistical code). Idempotent by code."""
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={"name": name, "full_name": parent.full_name + name, "level": level, "parent": parent,
                  "path": parent.path + code + "/"},
    )
    return region
