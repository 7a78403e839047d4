"""Chinese names for identifiers that rows store in English (so a page never shows a raw key)."""

from django import template
from django.apps import apps

register = template.Library()


@register.filter
def model_label(value: str) -> str:
    """'registry.household' -> '家庭' (the model's verbose_name); an unknown label is shown as stored."""
    try:
        return str(apps.get_model(value)._meta.verbose_name)
    except (LookupError, ValueError):
        return value
