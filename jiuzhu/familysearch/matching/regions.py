"""What a client says about home, as a GB/T 2260 code at the precision said (cpca's reading).

"河南周口人" -> "411600" (a city), "河南口音" -> "410000" (a province), "湖南隆回县人" -> "430524" (a county),
nothing recognisable -> "". The comparators match a code at its own precision (comparators.compare_region).
"""

from __future__ import annotations

import warnings


def region_codes_from_text(texts: list[str]) -> list[str]:
    """One code (or "") per text, all read in one call."""
    if not texts:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cpca still imports pkg_resources
        import cpca

    frame = cpca.transform([t or "" for t in texts])
    return [code if isinstance(code, str) and len(code) == 6 and code.isdigit() else ""
            for code in frame["adcode"].tolist()]


def region_code_from_text(text: str) -> str:
    return region_codes_from_text([text])[0]
