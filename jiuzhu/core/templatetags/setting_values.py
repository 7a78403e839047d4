"""How the settings pages (core/settings*.html) write a setting's value: numbers with thousands separators
("28,345"), a category matrix as rows of a table, never the stored keys."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def setting_number(value, definition) -> str:
    """The value in words without the unit; a number of 1,000 or more grouped by thousands."""
    text = definition.display(value)
    if definition.is_matrix or definition.kind == "text":
        return text
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return text
    if abs(number) < 1000:
        return text
    whole, _, fraction = text.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


@register.filter
def matrix_rows(value, definition) -> list[tuple[str, str]]:
    """A matrix setting as (row label, the chosen columns' labels joined by 、 or 无) for each row."""
    columns = dict(definition.columns)
    chosen = value if isinstance(value, dict) else {}
    return [(label, "、".join(columns.get(c, c) for c in chosen.get(row, [])) or "无")
            for row, label in definition.rows]
