"""The region picker's one endpoint (core/region_picker.py): a township's villages as <option>s for htmx."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuzhu.core.region_picker import villages_of


@login_required
@require_GET
def region_children(request):
    """The villages of the chosen township within the user's jurisdiction; a township out of the
    jurisdiction has no villages here (the same answer as an unknown one)."""
    prefix = request.GET.get("prefix", "")
    township = (request.GET.get(f"{prefix}township") or request.GET.get("township") or "").strip()
    return render(request, "core/_region_options.html", {
        "villages": villages_of(request.user, township), "township": township, "selected": ""})
