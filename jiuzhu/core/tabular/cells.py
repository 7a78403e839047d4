"""Cells to values: typed parsers with Chinese messages, and the row/column error list.

A parser takes the raw cell (text, number, date, None) and returns the value or raises CellError with a
Chinese reason; RowErrors puts the file's row and the column's own name in front ("第3行 身份证号码：…")."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from jiuzhu.core.identity import IdNumberError
from jiuzhu.core.identity import parse_id_number as _parse_id_number


class CellError(ValueError):
    """A cell's value was refused; `message` is Chinese and names no row or column (RowErrors adds them)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def row_label(row) -> str:
    """第3行, or 工作表“乡镇二”第3行 for a row of a workbook with several data sheets."""
    if row is None:
        return ""
    sheet = getattr(row, "sheet", "")
    return f"工作表“{sheet}”第{int(row)}行" if sheet else f"第{int(row)}行"


class RowErrors:
    """Collects (row, field, message); `row` is None outside files. `labels` names fields in Chinese; the
    caller may rename `column` to the file's own header afterwards (公民身份号码 rather than 身份证号码)."""

    def __init__(self, labels: dict[str, str] | None = None):
        self.labels = labels or {}
        self.items: list[dict] = []
        # Values the importer normalised (lower-case x, full-width digits, padding spaces, 15-digit numbers):
        # imported, and listed in the report as 提示, never blocking.
        self.notices: list[dict] = []

    def _item(self, row, field_name: str, message: str, column: str | None, value) -> dict:
        item = {"row": int(row) if row is not None else None, "sheet": getattr(row, "sheet", ""),
                "sheet_index": getattr(row, "sheet_index", 0), "field": field_name,
                "column": column or self.labels.get(field_name, field_name), "message": message}
        if value is not None:
            item["value"] = value
        return item

    def add(self, row, field_name: str, message: str, *, column: str | None = None, value=None) -> None:
        self.items.append(self._item(row, field_name, message, column, value))

    def notice(self, row, field_name: str, message: str, *, column: str | None = None, value=None) -> None:
        item = self._item(row, field_name, message, column, value)
        item["level"] = "提示"
        self.notices.append(item)

    def extend(self, items: list[dict]) -> None:
        self.items.extend(items)

    def __bool__(self):
        return bool(self.items)

    def __len__(self):
        return len(self.items)

    def sort(self) -> None:
        self.items.sort(key=lambda e: (e.get("sheet_index", 0), e["row"] or 0))
        self.notices.sort(key=lambda e: (e.get("sheet_index", 0), e["row"] or 0))

    @staticmethod
    def where(item: dict) -> str:
        if item["row"] is None:
            return ""
        return f"工作表“{item['sheet']}”第{item['row']}行" if item.get("sheet") else f"第{item['row']}行"

    def lines(self) -> list[str]:
        """第3行 身份证号码：校验位错误 — one line per problem, for a command line or a log."""
        return [" ".join(p for p in (self.where(e), f"{e['column']}：{e['message']}") if p) for e in self.items]

    def as_api_errors(self) -> list[dict]:
        return [{"path": (f"{self.where(e)}." if e["row"] is not None else "") + e["column"], "message": e["message"]}
                for e in self.items]


# ---- Typed parsers -------------------------------------------------------------------------------

def text(value) -> str:
    """A cell as trimmed text; 1.0 (Excel's number for 1) becomes "1"; full-width spaces go."""
    if value.__class__ is str:  # most cells: nothing to convert, usually nothing to trim
        if not value or (not value[0].isspace() and not value[-1].isspace() and "\u3000" not in value):
            return value
        return value.strip().replace("\u3000", "")
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().replace("\u3000", "")


_SPACE = re.compile(r"\s")  # the characters str.isspace() names (the full-width space among them)
_STR_ONLY = frozenset({str})


def texts(values) -> list:
    """[text(v) for v in values] for a column: a column of text cells without a space anywhere (a csv's ID
    numbers, names, places: nearly always) is its own text, found by one search over the column joined; a
    column of few distinct values (relations, villages) through a look-up of each distinct value's text, any
    other cell by cell in C's map."""
    if len(values) > 64:
        if set(map(type, values)) == _STR_ONLY and _SPACE.search("".join(values)) is None:
            return list(values)  # text() changes only a cell with a space (trimmed, U+3000 removed)
        try:
            distinct = set(values)
        except TypeError:  # an unhashable cell: never from a file
            distinct = None
        if distinct is not None and len(distinct) * 4 <= len(values):
            memo = {v: text(v) for v in distinct}
            return list(map(memo.__getitem__, values))
    return list(map(text, values))


def parse_text(value, *, max_length: int | None = None) -> str:
    result = text(value)
    if max_length is not None and len(result) > max_length:
        raise CellError(f"内容过长（{len(result)} 个字，最多 {max_length} 字）")
    return result


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(\D|$))")


def parse_integer(value, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """1, 1.0, "1", "1,200", "3人" → int. A fraction or text is refused."""
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"“{value:g}”不是整数")
        number = int(value)
    else:
        raw = text(value)
        if not raw:
            return None
        cleaned = _THOUSANDS.sub("", raw).removesuffix("人").removesuffix("户").removesuffix("个").strip()
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", cleaned):
            raise CellError(f"“{raw}”不是整数")
        number = int(Decimal(cleaned))
    _check_range(number, minimum, maximum)
    return number


def parse_decimal(value, *, places: int = 2, minimum: Decimal | int | None = None,
                  maximum: Decimal | int | None = None) -> Decimal | None:
    """Amounts: 1200, 1,200.50, "1200元", "￥1200" → Decimal with `places` decimals."""
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是数字")
    raw = text(value) if not isinstance(value, float) else repr(value)
    if not raw:
        return None
    cleaned = _THOUSANDS.sub("", raw).lstrip("￥¥").removesuffix("元").strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"“{text(value)}”不是数字") from None
    if not number.is_finite():
        raise CellError(f"“{text(value)}”不是数字")
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum) and abs(number - number.quantize(quantum)) > Decimal("1e-9"):
        raise CellError(f"“{text(value)}”最多保留 {places} 位小数")
    number = number.quantize(quantum)
    _check_range(number, minimum, maximum)
    return number


def _check_range(number, minimum, maximum) -> None:
    if minimum is not None and number < minimum:
        raise CellError(f"不能小于 {minimum}")
    if maximum is not None and number > maximum:
        raise CellError(f"不能大于 {maximum}")


EXCEL_EPOCH = dt.date(1899, 12, 30)
_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(value) -> dt.date | None:
    """Dates as offices write them: date cells, 2024-01-31, 2024/1/31, 20240131, 2024年1月31日,
    2024.1.31, with or without a midnight time ("1975-04-09 00:00:00" from database exports)."""
    if value.__class__ is str:
        return _parse_date_text(value) if value else None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100_000 \
            and float(value).is_integer():
        # An Excel serial (a date cell formatted as a number): day 1 is 1900-01-01, with Excel's 1900-02-29.
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    return _parse_date_text(text(value))


@functools.lru_cache(maxsize=65_536)  # a roster's dates repeat (birth dates, its month); errors are not cached
def _parse_date_text(value: str) -> dt.date | None:
    raw = text(value)
    if not raw:
        return None
    cleaned = _TIME_OF_DAY.sub("", raw)
    cleaned = cleaned.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    if cleaned.isdigit() and len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    parts = cleaned.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise CellError(f"日期“{raw}”无法识别，请写成 2024-01-31")
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise CellError(f"日期“{raw}”不存在") from None


def choice_table(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """{accepted text: code} from a Django TextChoices (code and Chinese label), plus synonyms."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[str(value)] = value
        table[str(label)] = value
    table.update(extra or {})
    return table


def parse_choice(value, table: dict[str, str]) -> str | None:
    raw = text(value)
    if not raw:
        return None
    code = table.get(raw)
    if code is None:
        labels = "、".join(dict.fromkeys(k for k in table if not k.isascii()))
        raise CellError(f"“{raw}”不是有效取值，可填：{labels}")
    return code


YES = frozenset({"是", "有", "Y", "y", "yes", "true", "True", "1", "√"})
NO = frozenset({"否", "无", "N", "n", "no", "false", "False", "0", "×"})


def parse_bool(value) -> bool | None:
    raw = text(value)
    if not raw:
        return None
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise CellError(f"“{raw}”应填“是”或“否”")


def parse_id_number(value) -> str | None:
    """The canonical 18-character number (15-digit numbers upgraded); the raw cell goes in unchanged, so a
    float (Excel turned the number into a number) gets its own message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return _parse_id_number(value).number
    except IdNumberError as exc:
        raise CellError(exc.message) from None


Parser = Callable[[object], object]
