"""The region picker by name, shared by every page that filters by place.

Officers know places by name (桃洪镇, 红星社区), never by their 12-digit codes. A page builds the picker from
the request with `pick_region(actor, request.GET)` and includes the template:

    picker = pick_region(request.user, request.GET)            # picker.region: the Region chosen, or None
    {% include "core/_region_picker.html" with picker=picker %}  # inside the page's <form>

It renders two labelled selects, 乡镇（街道） then 村（社区）, whose option texts are names and whose submitted
values are codes (fields `township` and `village`), both limited to the user's jurisdiction; choosing a township
reloads the villages through htmx (`core:region_children`), and without script the page reload does the same.
A third labelled box, 按名称查找 (`place`), takes a typed name, with the jurisdiction's names offered as a
datalist: 桃洪镇, 红星社区, or a unique beginning such as 桃洪. A name matching nothing, a name matching several
places, or a code outside the jurisdiction is an error in Chinese on the picker (`picker.error`); the page then
lists nothing rather than everything, so a typo is never silently ignored.

Older links and the API may still send a code as `region_code` (or `region`): it is accepted when it lies in
the jurisdiction. A page with two pickers gives each a `prefix`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.selectors import regions_in_scope

MAX_OPTIONS = 600  # townships (or villages of one township) listed in a select
MAX_NAMES = 2500  # names offered in the datalist; above it only townships are offered


@dataclass
class RegionPick:
    prefix: str = ""
    region: Region | None = None  # the chosen region (the village, else the township); None: whole jurisdiction
    township: Region | None = None
    village: Region | None = None
    place: str = ""  # the name typed, kept when it could not be resolved
    error: str = ""
    townships: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    names: list = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.region.code if self.region else ""

    @property
    def label(self) -> str:
        """The chosen place in words (for an export's audit row or a page heading)."""
        return self.region.full_name if self.region else ""

    @property
    def township_code(self) -> str:
        return self.township.code if self.township else ""

    @property
    def village_code(self) -> str:
        return self.village.code if self.village else ""


def _option_label(region: Region, several_counties: bool) -> str:
    if several_counties and region.parent_id:
        return f"{region.parent.name} {region.name}"
    return region.name


def townships_in_scope(actor) -> list[Region]:
    """Townships of the jurisdiction (or the user's own township or village's township), by code."""
    qs = regions_in_scope(actor=actor, level=RegionLevel.TOWNSHIP)
    townships = list(qs.select_related("parent").order_by("code")[:MAX_OPTIONS])
    if not townships and actor.region_id and actor.region.level == RegionLevel.VILLAGE and actor.region.parent_id:
        townships = []  # a village user picks within the village only (no township above the jurisdiction)
    several = len({t.parent_id for t in townships}) > 1
    for t in townships:
        t.option_label = _option_label(t, several)
    return townships


def villages_of(actor, township_code: str) -> list[Region]:
    """Villages of one township within the jurisdiction (the htmx endpoint's answer)."""
    if not township_code:
        return []
    return list(regions_in_scope(actor=actor, level=RegionLevel.VILLAGE)
                .filter(parent__code=township_code).order_by("code")[:MAX_OPTIONS])


def _by_code(actor, code: str) -> Region | None:
    if not code:
        return None
    return regions_in_scope(actor=actor).select_related("parent").filter(code=code.strip()).first()


def _by_name(actor, name: str, township: Region | None) -> tuple[Region | None, str]:
    """A typed place name → the one township or village it names in the jurisdiction, else a Chinese error."""
    levels = [RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
    qs = regions_in_scope(actor=actor).filter(level__in=levels).select_related("parent")
    if township is not None:
        qs = qs.filter(path__startswith=township.path)
    for lookup in ("name", "name__startswith", "name__contains"):
        found = list(qs.filter(**{lookup: name}).order_by("level", "code")[:6])
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            if lookup == "name" and len({r.level for r in found}) > 1:  # 桃洪镇 the township and a village alike
                return next(r for r in found if r.level == RegionLevel.TOWNSHIP), ""
            names = "、".join(f"{r.parent.name}{r.name}" if r.parent_id else r.name for r in found[:5])
            return None, f"“{name}”对应多个地方（{names}），请先选择乡镇（街道）或输入完整名称"
    return None, f"在您的管辖范围内没有名为“{name}”的乡镇（街道）或村（社区），请检查名称或从下拉列表中选择"


def pick_region(actor, data: Mapping, *, prefix: str = "") -> RegionPick:
    """The picker's state from submitted data (request.GET or POST). Never raises for bad input: the problem
    is in `error` and `region` stays None."""
    pick = RegionPick(prefix=prefix)
    get = lambda key: (data.get(f"{prefix}{key}") or "").strip()  # noqa: E731
    township_code, village_code, place = get("township"), get("village"), get("place")
    legacy = get("region_code") or get("region")
    if township_code:
        pick.township = _by_code(actor, township_code)
        if pick.township is None or pick.township.level != RegionLevel.TOWNSHIP:
            pick.township, pick.error = None, "所选乡镇（街道）不在您的管辖范围内"
    if village_code and not pick.error:
        village = _by_code(actor, village_code)
        if village is None or village.level != RegionLevel.VILLAGE:
            pick.error = "所选村（社区）不在您的管辖范围内"
        elif pick.township and village.parent_id != pick.township.pk:
            pass  # the township was changed without script: the village of the old township no longer applies
        else:
            pick.village = village
    if place and not pick.error:
        found, problem = _by_name(actor, place, pick.township)
        if found is None:
            pick.error, pick.place = problem, place
        elif found.level == RegionLevel.VILLAGE:
            pick.village = found
            pick.township = found.parent if found.parent and found.parent.level == RegionLevel.TOWNSHIP else None
        else:
            pick.township, pick.village = found, None
    elif legacy and not (township_code or village_code or pick.error):
        region = _by_code(actor, legacy)
        if region is None:
            pick.error = f"区划“{legacy}”不存在或不在您的管辖范围内"
        elif region.level == RegionLevel.VILLAGE:
            pick.village = region
            pick.township = region.parent if region.parent and region.parent.level == RegionLevel.TOWNSHIP else None
        elif region.level == RegionLevel.TOWNSHIP:
            pick.township = region
        else:
            pick.region = region  # a county or city code from an older link: its whole subtree
    if pick.village and pick.township is None and pick.village.parent_id:
        pick.township = pick.village.parent
    if not pick.error and pick.region is None:
        pick.region = pick.village or pick.township
    pick.townships, pick.names = _jurisdiction_options(actor)
    pick.villages = villages_of(actor, pick.township_code)
    if actor.region_id and actor.region.level == RegionLevel.VILLAGE and not pick.villages:
        pick.villages = [actor.region]
    return pick


OPTIONS_CACHE_SECONDS = 60


def _jurisdiction_options(actor) -> tuple[list[Region], list[str]]:
    """The townships and the names the picker offers, the same for every user of one jurisdiction: kept a
    minute per server process (every list page shows the picker), keyed by the jurisdiction and by the
    region table's row count and highest id, so regions added or removed show at once; a renamed region's
    new name may take up to a minute to be offered (what is typed is always resolved in the database)."""
    from django.core.cache import cache
    from django.db.models import Count, Max

    scope = "*" if actor.is_superuser else actor.region.path if actor.region_id else "-"
    table = Region.objects.aggregate(n=Count("pk"), m=Max("pk"))
    key = f"region-picker:{scope}:{table['n']}:{table['m']}"
    found = cache.get(key)
    if found is None:
        found = (townships_in_scope(actor), _names(actor))
        cache.set(key, found, OPTIONS_CACHE_SECONDS)
    return found


def _names(actor) -> list[str]:
    """Names offered while typing: every township and village of the jurisdiction (townships only if many)."""
    qs = regions_in_scope(actor=actor).filter(level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
    names = list(qs.order_by("level", "code").values_list("name", flat=True)[:MAX_NAMES + 1])
    if len(names) > MAX_NAMES:
        names = list(regions_in_scope(actor=actor, level=RegionLevel.TOWNSHIP).order_by("code")
                     .values_list("name", flat=True)[:MAX_NAMES])
    return list(dict.fromkeys(names))


def region_from_input(actor, text, *, label: str, field: str) -> Region | None:
    """One region typed in a form field, by code (430524, 430524100200) or by name (隆回县, 桃洪镇, 红星社区),
    within the user's jurisdiction only. Empty is None; a code or name outside the jurisdiction, unknown or
    naming several places is a Chinese error naming the field."""
    from jiuzhu.core.errors import invalid

    text = "".join(str(text or "").split())
    if not text:
        return None
    if len(text) > 40:
        raise invalid(f"{label}太长，请填写行政区划代码或地名", field)
    if text.isdigit():
        region = _by_code(actor, text)
        if region is None:
            raise invalid(f"{label}代码“{text}”不存在或不在您的管辖范围内（应为 6 位或 12 位行政区划代码）", field)
        return region
    exact = list(regions_in_scope(actor=actor).filter(name=text).select_related("parent").order_by("level", "code")[:2])
    if len(exact) == 1 or (exact and exact[0].level != exact[1].level):  # 隆回县; 桃洪镇 before a village 桃洪镇
        return exact[0]
    found, problem = _by_name(actor, text, None)
    if found is None:
        raise invalid(f"{label}：{problem}", field)
    return found
