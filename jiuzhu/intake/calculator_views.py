"""The policy calculator at the window (政策计算器, officers with Capability.INTAKE): the same answers and
rules as the portal's (calculator.py), the region chosen with the shared region picker (the officer's own
region by default)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_picker import pick_region
from jiuzhu.intake.portal_views import calculator_context


@login_required
@require_http_methods(["GET", "POST"])
def calculator(request):
    require(request.user, Capability.INTAKE)
    data = request.POST if request.method == "POST" else {}
    picker = pick_region(request.user, data)
    region = None if picker.error else (picker.region or request.user.region)
    context = calculator_context(data, region)
    if picker.error:
        context["errors"]["region"] = picker.error
    context["picker"] = picker
    return render(request, "intake/calculator.html", context, status=400 if context["errors"] else 200)
