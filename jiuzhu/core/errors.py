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
