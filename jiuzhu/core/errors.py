"""One error type for domain rules, carried unchanged to forms and to the API error shape."""


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
