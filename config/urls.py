from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("jiuzhu.core.urls")),
    path("registry/", include("jiuzhu.registry.urls")),
    path("monitoring/", include("jiuzhu.monitoring.urls")),
    path("intake/", include("jiuzhu.intake.urls")),
    path("funds/", include("jiuzhu.funds.urls")),
    path("portal/", include("jiuzhu.intake.portal_urls")),
    path("funds/safety-net/", include("jiuzhu.funds.fund_urls")),
    path("funds/services/", include("jiuzhu.funds.purchase_urls")),
    path("rescue/", include("jiuzhu.rescue.urls")),
    path("followup/", include("jiuzhu.followup.urls")),
    path("familysearch/", include("jiuzhu.familysearch.urls")),
    path("report/", include("jiuzhu.rescue.public_urls")),
    path("xunqin/", include("jiuzhu.familysearch.public_urls")),
    path("xunqin/", include("jiuzhu.familysearch.public_forms_urls")),
    path("xunqin/", include("jiuzhu.familysearch.public_push_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
