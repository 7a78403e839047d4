"""{% household_documents household %}: the documents section of a household page (registry/_documents.html)."""

from django import template

from jiuzhu.core.files import max_file_bytes, size_label
from jiuzhu.core.permissions import Capability, can
from jiuzhu.registry import selectors
from jiuzhu.registry.models import DocumentKind

register = template.Library()


@register.inclusion_tag("registry/_documents.html", takes_context=True)
def household_documents(context, household):
    actor = context["request"].user
    return {
        "household": household,
        "documents": selectors.documents_for(actor=actor, household=household),
        "decisions": household.tier_decisions.order_by("-assessed_on", "-pk")[:20],
        "kinds": DocumentKind.choices,
        "may_edit": can(actor, Capability.EDIT_REGISTRY),
        "max_size": size_label(max_file_bytes()),
    }


@register.filter
def file_size(size: int) -> str:
    return size_label(int(size or 0))
