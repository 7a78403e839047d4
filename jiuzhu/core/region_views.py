"""区划管理: an administrator loads the statistical code table (townships and villages) of the jurisdiction
and sees what the tree holds. Thin: the rules are in core/region_import.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_import import RegionImportRefused, regions_import
from jiuzhu.core.tabular import FileRejected, check_upload_size


@login_required
def region_admin(request):
    require(request.user, Capability.ADMINISTER)
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "文件：请选择统计用区划代码表（xlsx 或 csv）")
        else:
            try:
                check_upload_size(upload.size)  # before reading the body
                result = regions_import(actor=request.user, data=upload.read(), filename=upload.name)
            except RegionImportRefused as refused:
                errors = refused.row_errors.items
                messages.error(request, refused.message)
            except (FileRejected, DomainError) as refused:
                messages.error(request, refused.message)
            else:
                messages.success(request, f"已导入：{result.summary()}")
                return redirect("core:regions")
    scope = request.user.region
    townships = (Region.objects.filter(path__startswith=scope.path, level=RegionLevel.TOWNSHIP)
                 .annotate(villages=Count("children", filter=Q(children__level=RegionLevel.VILLAGE)))
                 .select_related("parent").order_by("code")[:500])
    return render(request, "core/regions.html", {"errors": errors, "townships": townships, "scope": scope})
