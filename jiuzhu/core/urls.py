from django.urls import path
from django.views.generic import RedirectView

from jiuzhu.core import settings_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("audit/", views.audit_log, name="audit_log"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/<str:key>/", settings_views.setting_detail, name="setting_detail"),
    # The admin signs in through the same page, so the lockout and audit apply there too.
    path("admin/login/", RedirectView.as_view(pattern_name="core:login", query_string=True)),
]
