"""Township and village names as rosters write them, resolved to regions of the user's county.

Offices' rosters carry 所属乡镇 and 所属村（居） as names, not codes. A name is matched exactly, then
without its administrative suffix (红星村 = 红星, 桃洪镇 = 桃洪), within the county that holds the user's
region. Anything less certain (a typo, a sound-alike) is only offered as a suggestion: a roster is never
imported into a village the office did not write. A village found under another township than the one
named is reported as such: that is how a household ends up merged into a neighbour's.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pypinyin import lazy_pinyin

from jiuzhu.core.models import Region, RegionLevel

# Longest first: 村民委员会 must go before 村.
SUFFIXES = ("村民委员会", "居民委员会", "街道办事处", "村委会", "居委会", "办事处", "社区", "街道", "管理区",
            "村", "镇", "乡", "居")
_SPACES = re.compile(r"[\s\u3000]+")
FUZZY_CUTOFF = 0.75


def clean_name(name) -> str:
    return _SPACES.sub("", str(name or "")).strip()


def name_stem(name: str) -> str:
    """'红星村' -> '红星', '桃洪镇' -> '桃洪'; a stem keeps at least two characters ('新村' stays)."""
    name = clean_name(name)
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _sound(name: str) -> str:
    return "".join(lazy_pinyin(name_stem(name)))


@dataclass(frozen=True)
class PlaceMatch:
    township: Region | None
    village: Region | None
    problem: str = ""  # Chinese, empty when resolved
    suggestion: str = ""  # a full name offered to the user, never applied


class _Names:
    """Regions of one level indexed by exact name, stem and sound, for one county."""

    def __init__(self, regions: Iterable[Region]):
        self.regions = list(regions)
        self.exact: dict[str, list[Region]] = defaultdict(list)
        self.stem: dict[str, list[Region]] = defaultdict(list)
        for region in self.regions:
            self.exact[region.name].append(region)
            self.stem[name_stem(region.name)].append(region)

    def find(self, name: str, among: list[Region] | None = None) -> list[Region]:
        pool = None if among is None else {r.pk for r in among}
        for index, key in ((self.exact, name), (self.stem, name_stem(name))):
            found = [r for r in index.get(key, []) if pool is None or r.pk in pool]
            if found:
                return found
        return []

    def suggest(self, name: str, among: list[Region] | None = None) -> Region | None:
        """The one region that sounds the same or nearly reads the same; None when not unique."""
        pool = self.regions if among is None else among
        sound = _sound(name)
        same_sound = [r for r in pool if _sound(r.name) == sound]
        if len(same_sound) == 1:
            return same_sound[0]
        stems = {name_stem(r.name): r for r in pool}
        close = difflib.get_close_matches(name_stem(name), list(stems), n=2, cutoff=FUZZY_CUTOFF)
        return stems[close[0]] if len(close) == 1 else None


def county_of(region: Region) -> Region:
    """The county holding a township or village (itself at county level and above)."""
    if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        return region
    codes = region.ancestor_codes()
    return Region.objects.get(code=codes[2]) if len(codes) >= 3 else region


def resolve_places(*, within: Region, places: Iterable[tuple[str, str]]) -> dict[tuple[str, str], PlaceMatch]:
    """Resolves (township name, village name) pairs within the county of `within` (one query).

    A place outside `within` itself (a village coordinator's roster naming another village) is a problem.
    An empty village name resolves to the township alone; the caller decides whether a village is required.
    """
    county = county_of(within)
    regions = list(county.subtree().filter(level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
                   .only("id", "code", "name", "full_name", "level", "parent_id", "path", "urban_rural_code"))
    townships = _Names(r for r in regions if r.level == RegionLevel.TOWNSHIP)
    villages = _Names(r for r in regions if r.level == RegionLevel.VILLAGE)
    by_id = {r.pk: r for r in regions}
    children: dict[int, list[Region]] = defaultdict(list)
    for region in villages.regions:
        children[region.parent_id].append(region)
    results = {}
    for pair in set(places):
        match = _resolve(clean_name(pair[0]), clean_name(pair[1]), county, townships, villages, children, by_id)
        place = match.village or match.township
        if not match.problem and place is not None and not place.path.startswith(within.path):
            match = PlaceMatch(match.township, match.village, f"“{place.full_name}”不在您的辖区内")
        results[pair] = match
    return results


def _resolve(township_name: str, village_name: str, county, townships: _Names, villages: _Names,
             children, by_id) -> PlaceMatch:
    if not township_name and not village_name:
        return PlaceMatch(None, None, "缺少乡镇（街道）和村（社区）名称")
    township = None
    if township_name:
        found = townships.find(township_name)
        if len(found) != 1:
            hint = townships.suggest(township_name)
            if hint is not None:
                return PlaceMatch(None, None, f"{county.name}没有“{township_name}”，是否为“{hint.name}”？",
                                  hint.full_name)
            return PlaceMatch(None, None, f"{county.name}没有名为“{township_name}”的乡镇（街道）")
        township = found[0]
    if not village_name:
        return PlaceMatch(township, None)
    if township is None:
        found = villages.find(village_name)
        if len(found) == 1:
            return PlaceMatch(by_id.get(found[0].parent_id), found[0])
        if len(found) > 1:
            shown = "、".join(by_id[r.parent_id].name for r in found[:3] if r.parent_id in by_id)
            return PlaceMatch(None, None, f"多个乡镇都有“{village_name}”（{shown}），请填写所属乡镇")
        return PlaceMatch(None, None, f"{county.name}没有名为“{village_name}”的村（社区）")
    own = children.get(township.pk, [])
    found = villages.find(village_name, own)
    if found:
        return PlaceMatch(township, found[0])
    elsewhere = villages.find(village_name)
    if elsewhere:
        owners = "、".join(sorted({by_id[r.parent_id].name for r in elsewhere if r.parent_id in by_id}))
        return PlaceMatch(None, None, f"“{village_name}”不属于{township.name}（属于{owners}）")
    hint = villages.suggest(village_name, own)
    if hint is not None:
        return PlaceMatch(None, None, f"{township.name}没有“{village_name}”，是否为“{hint.name}”？", hint.full_name)
    return PlaceMatch(None, None, f"{township.name}没有名为“{village_name}”的村（社区）")
