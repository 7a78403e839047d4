"""Region names as offices write them ("红星社区", "桃洪镇红星社区", "隆回县桃洪镇红星社区") resolved to codes
among the townships and villages the user works in: the county of a user at or below county level, or the
user's own region above it. A 6- or 12-digit code passes through unchanged (the caller checks it exists)."""

from __future__ import annotations

import re

from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.tabular.cells import CellError, text

_SPACES = re.compile(r"\s+")


class RegionResolver:
    def __init__(self, actor, levels: tuple[str, ...] = (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)):
        self.actor = actor
        self.levels = levels
        self._regions: list[tuple[str, str, str]] | None = None  # (full name, name, code)
        self._cache: dict[str, str] = {}

    def _base(self) -> Region | None:
        region = getattr(self.actor, "region", None)
        if region is None:
            return None
        codes = region.ancestor_codes()
        if region.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE) and len(codes) >= 3:
            return Region.objects.filter(code=codes[2]).first() or region  # the county
        return region

    def _load(self) -> list[tuple[str, str, str]]:
        if self._regions is None:
            base = self._base()
            self._regions = [] if base is None else list(
                base.subtree().filter(level__in=self.levels).values_list("full_name", "name", "code"))
        return self._regions

    def code_for(self, value) -> str:
        """The code for a cell; CellError (Chinese) when the name is unknown here or names several places."""
        raw = _SPACES.sub("", text(value))
        if not raw or raw.isdigit():
            return raw
        if raw in self._cache:
            return self._cache[raw]
        found = [(full, code) for full, name, code in self._load() if full.endswith(raw)]
        if not found:
            raise CellError(f"“{raw}”不是您辖区内的乡镇或村（社区），请填写12位区划代码，或写明乡镇和村名")
        if len(found) > 1:
            shown = "、".join(full for full, _ in found[:3])
            raise CellError(f"“{raw}”在您的辖区内有 {len(found)} 处（{shown}），请写明乡镇，或填写12位区划代码")
        self._cache[raw] = found[0][1]
        return found[0][1]
