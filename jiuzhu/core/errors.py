"""One error type for domain rules, carried unchanged to forms and to the API error shape."""

import datetime as dt


class DomainError(Exception):
    """A rule refused the request. `message` is Chinese and shown to the user as is."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None,
                 errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        # For many problems at once (imports): [{"path": "第3行.身份证号码", "message": "..."}]
        self.errors = errors or ([{"path": field, "message": message}] if field else [])


def invalid(message: str, field: str | None = None) -> DomainError:
    """A validation error naming the field, in the one error shape."""
    return DomainError(message, code="validation_error", field=field)


def refused(message: str) -> DomainError:
    """A status or rule refusal (the record is as it was)."""
    return DomainError(message, code="refused")


def clean_text(value, label: str, field: str, max_length: int, *, required: bool = False,
               join_lines: bool = False) -> str:
    """A short text field, stripped; required and length checked with Chinese messages. `join_lines`: runs of
    spaces and line breaks become one space (a field printed on one line of a form)."""
    text = " ".join(str(value or "").split()) if join_lines else (value or "").strip()
    if required and not text:
        raise invalid(f"请填写{label}", field)
    if len(text) > max_length:
        raise invalid(f"{label}不能超过 {max_length} 个字", field)
    return text


def clean_time(value, label: str, field: str) -> dt.time | None:
    """An optional time of day typed in a form: 14:30 (what a time input sends), 14:30:00, 14时30分, 14点30, 14点.
    Empty is None; anything else is a Chinese error naming the field."""
    if isinstance(value, dt.time):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    cleaned = text.replace("：", ":").replace("时", ":").replace("点", ":").replace("分", "").replace("秒", "")
    parts = cleaned.rstrip(":").split(":")
    if len(text) <= 12 and 1 <= len(parts) <= 3 and all(p.isdigit() and len(p) <= 2 for p in parts):
        try:
            return dt.time(*(int(p) for p in parts))
        except ValueError:
            pass
    raise invalid(f"{label}格式应为 时:分，如 14:30", field)


def clean_date(value, label: str, field: str, *, required: bool = False) -> dt.date | None:
    """A date typed in a form, as people write them: 2026-03-07, 2026/3/7, 2026年3月7日, 2026.03.07 (the
    import kit's parser). Empty is None unless `required`; anything else is a Chinese error naming the field."""
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise invalid(f"请填写{label}", field)
        return None
    if len(text) > 40:
        raise invalid(f"{label}格式应为 年-月-日，如 2026-03-07", field)
    from jiuzhu.core.tabular.cells import parse_date  # the kit imports pyarrow: only when a date is typed

    try:
        return parse_date(text)
    except ValueError as exc:  # "日期“…”无法识别，请写成 2024-01-31" or "日期“2026-02-30”不存在"
        raise invalid(f"{label}：{exc}", field) from None
