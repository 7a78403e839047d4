"""区划管理: an administrator loads the statistical code table (townships and villages) of the jurisdiction
and sees what the tree holds. Thin: the rules are in core/region_import.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_import import RegionImportRefused, regions_import
from jiuzhu.core.tabular.upload import PostedFile, upload_step


@login_required
def region_admin(request):
    require(request.user, Capability.ADMINISTER)
    errors = []

    def load(file: PostedFile):
        try:
            result = regions_import(actor=request.user, data=file.data, filename=file.filename)
        except RegionImportRefused as refused:
            errors.extend(refused.row_errors.items)  # listed by row and column under the form
            raise
        messages.success(request, f"已导入：{result.summary()}")
        return redirect("core:regions")

    if request.method == "POST":
        done = upload_step(request, load, suffixes={".xlsx", ".csv"})
        if done is not None:
            return done
    scope = request.user.region
    townships = (Region.objects.filter(path__startswith=scope.path, level=RegionLevel.TOWNSHIP)
                 .annotate(villages=Count("children", filter=Q(children__level=RegionLevel.VILLAGE)))
                 .select_related("parent").order_by("code")[:500])
    return render(request, "core/regions.html", {"errors": errors, "townships": townships, "scope": scope})
