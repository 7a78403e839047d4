"""Recognising a file's columns: header synonyms, the header row below title rows, saved mappings.

A consumer (the registry import, a department feed) describes its fields once as a `Columns`: field name,
Chinese label, the headers offices use for it. The header row is the first row naming at least
`min_known` of them; the mapping {file header: field} comes from a saved mapping first, then synonyms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from jiuzhu.core.tabular.cells import text

HEADER_SCAN_ROWS = 20  # a header further down than this is not a header

_MARKS = re.compile(r"[\s*＊]|\((必填|选填)\)")


def normalize_header(header) -> str:
    """NFKC folds full-width brackets and letters, so "所在村(社区)区划代码" and "*姓名 " both match."""
    return _MARKS.sub("", unicodedata.normalize("NFKC", str(header or ""))).lower()


@dataclass
class Columns:
    """The fields a consumer reads: {field: Chinese label}, synonyms per field, the required ones."""

    labels: dict[str, str]
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    min_known: int = 3

    def __post_init__(self):
        self.index = {normalize_header(name): f for f, names in self.synonyms.items()
                      for name in [self.labels.get(f, f), *names]}
        self.index.update({normalize_header(label): f for f, label in self.labels.items()})

    def field_for(self, header) -> str | None:
        return self.index.get(normalize_header(header))

    def known(self, values: list) -> int:
        index = self.index
        return sum(1 for v in values if v not in (None, "") and normalize_header(v) in index)

    def detect_mapping(self, headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
        """{header: field}. A saved mapping (normalized header -> field, "" = not imported) wins over the
        synonyms; the first of two headers for one field wins."""
        mapping: dict[str, str] = {}
        saved = saved or {}
        for header in headers:
            key = normalize_header(header)
            f = saved[key] if key in saved else self.index.get(key)
            if f and f in self.labels and f not in mapping.values():
                mapping[header] = f
        return mapping

    def choices(self) -> list[tuple[str, str]]:
        """(field, label) for a mapping form, required ones marked."""
        return [(f, label + ("（必填）" if f in self.required else "")) for f, label in self.labels.items()]


def header_names(values: list) -> list[str]:
    """Header texts, made unique (two 备注 columns) and named by position where blank."""
    names: list[str] = []
    for i, v in enumerate(values, start=1):
        name = text(v) or f"第{get_column_letter(i)}列"
        while name in names:
            name += "'"
        names.append(name)
    return names


def locate_header(rows, columns: Columns, titles: list[str] | None = None):
    """(header row number, header names, remaining rows) or None. Title rows above the header (a title, a
    填报单位 line) are skipped, their text appended to `titles`. Two header rows (a group heading merged over
    sub-headings, e.g. 残疾情况 over 类别 and 等级) are combined: a sub-heading known by itself wins, then the
    heading and sub-heading together (残疾情况类别), then the heading."""
    scanned = 0
    for number, values in rows:
        scanned += 1
        if scanned > HEADER_SCAN_ROWS:
            return None
        if columns.known(values) >= columns.min_known:
            nxt = next(rows, None)
            if nxt is not None:
                combined = _combine(values, nxt[1], columns)
                if combined is not None:
                    values, number, nxt = combined, nxt[0], None
            return number, header_names(values), rows if nxt is None else _chain(nxt, rows)
        if titles is not None:
            line = " ".join(text(v) for v in dict.fromkeys(values) if text(v))
            if line:
                titles.append(line)
    return None


def _combine(upper: list, lower: list, columns: Columns) -> list | None:
    """The two header rows as one, or None when the lower row is data (fewer than two sub-headings known)."""
    width = max(len(upper), len(lower))
    upper = list(upper) + [None] * (width - len(upper))
    lower = list(lower) + [None] * (width - len(lower))
    combined, known = [], 0
    for a, b in zip(upper, lower, strict=True):
        a_text, b_text = text(a), text(b)
        if not b_text:
            combined.append(a)
            continue
        if not isinstance(b, str) or b_text.isdigit() or len(b_text) > 30:
            return None  # a number or a long text: a data row
        if columns.field_for(b_text):
            combined.append(b_text)
            known += b_text != a_text
        elif a_text and a_text != b_text and columns.field_for(a_text + b_text):
            combined.append(a_text + b_text)
            known += 1
        else:
            combined.append(a if a_text else b)
            known += 0
    repeated = sum(1 for a, b in zip(upper, lower, strict=True) if text(a) and text(a) == text(b))
    return combined if known >= 2 or (known >= 1 and repeated >= columns.min_known) else None


def _chain(first, rest):
    yield first
    yield from rest
