"""Reading one client or report field by field: what each column may hold and the Chinese reason when not.

The columns are those of ``jiuzhu match-csv`` (issue 19). Empty means unknown. Used by the CSV reader
(bad rows reported with row, column and reason) and by ``rank()`` for the client dict.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import pandas as pd

CLIENT_COLUMNS = ("client_id", "name", "sex", "estimated_age", "height_cm", "accent_region_code", "found_date",
                  "found_region_code", "features")
REPORT_COLUMNS = ("report_id", "name", "sex", "birth_year", "height_cm", "hukou_region_code", "missing_date",
                  "last_seen_region_code", "features")

_SEX = {"男": 0, "m": 0, "male": 0, "1": 0, "女": 1, "f": 1, "female": 1, "2": 1,
        "": -1, "不详": -1, "未知": -1, "u": -1, "0": -1, "9": -1}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CODE = re.compile(r"\d{6}")


class FieldError(ValueError):
    """A value that cannot be read; ``column`` names the field, ``str(e)`` is the Chinese reason."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def _text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def read_sex(value: object, column: str = "sex") -> int:
    """0 male, 1 female, -1 unknown."""
    text = _text(value).lower()
    if text not in _SEX:
        raise FieldError(column, f"性别“{text}”无法识别，应为男、女或留空")
    return _SEX[text]


def _number(value: object, column: str, what: str) -> float:
    text = _text(value)
    if not text:
        return math.nan
    try:
        number = float(text)
    except ValueError:
        raise FieldError(column, f"{what}“{text}”不是数字") from None
    if math.isnan(number) or math.isinf(number):
        raise FieldError(column, f"{what}“{text}”不是数字")
    return number


def read_age(value: object, column: str = "estimated_age") -> float:
    age = _number(value, column, "估计年龄")
    if not math.isnan(age) and not 0 <= age <= 120:
        raise FieldError(column, f"估计年龄{age:g}不在0到120岁之间")
    return age


def read_height(value: object, column: str = "height_cm") -> float:
    height = _number(value, column, "身高")
    if not math.isnan(height) and not 40 <= height <= 250:
        raise FieldError(column, f"身高{height:g}厘米不在40到250厘米之间（单位是厘米）")
    return height


def read_birth_year(value: object, column: str = "birth_year", today: dt.date | None = None) -> int:
    """-1 when unknown."""
    year = _number(value, column, "出生年份")
    if math.isnan(year):
        return -1
    this_year = (today or dt.date.today()).year
    if year != int(year) or not 1890 <= year <= this_year:
        raise FieldError(column, f"出生年份“{_text(value)}”应为1890到{this_year}之间的四位年份")
    return int(year)


def read_region(value: object, column: str) -> int:
    """The GB/T 2260 code as an int (410000 a province, 411600 a city, 411602 a county); 0 when unknown."""
    text = _text(value)
    if text.endswith(".0"):  # a spreadsheet that read the column as numbers
        text = text[:-2]
    if not text:
        return 0
    if not _CODE.fullmatch(text):
        raise FieldError(column, f"地区代码“{text}”应为6位数字（GB/T 2260，如411602）")
    if text[:2] not in _province_prefixes():
        raise FieldError(column, f"地区代码“{text}”的前两位不是省级代码")
    return int(text)


def read_date(value: object, column: str) -> dt.date | None:
    text = _text(value)
    if not text:
        return None
    if isinstance(value, dt.date):
        return value
    match = _DATE.fullmatch(text) or _DATE.fullmatch(text.split(" ")[0].split("T")[0])
    if not match:
        raise FieldError(column, f"日期“{text}”无法识别，应为年-月-日（如2024-03-05）")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise FieldError(column, f"日期“{text}”不存在") from None


def _province_prefixes() -> set[str]:
    global _PROVINCES
    if _PROVINCES is None:
        from stdnum import numdb

        _PROVINCES = {prefix for _l, prefix, _h, _p, _c in numdb.get("cn/loc").prefixes}
    return _PROVINCES


_PROVINCES: set[str] | None = None


@dataclass(frozen=True)
class Client:
    client_id: object
    name: str
    sex: int
    estimated_age: float
    height_cm: float
    accent_region_code: int
    found_date: dt.date | None
    found_region_code: int
    features: str


def read_client(row: dict) -> Client:
    """A client from a dict with the match-csv columns (missing keys are unknown); FieldError if a value
    cannot be read."""
    client_id = _text(row.get("client_id"))
    return Client(
        client_id=row.get("client_id") if client_id else "",
        name=_text(row.get("name")),
        sex=read_sex(row.get("sex")),
        estimated_age=read_age(row.get("estimated_age")),
        height_cm=read_height(row.get("height_cm")),
        accent_region_code=read_region(row.get("accent_region_code"), "accent_region_code"),
        found_date=read_date(row.get("found_date"), "found_date"),
        found_region_code=read_region(row.get("found_region_code"), "found_region_code"),
        features=_text(row.get("features")),
    )
