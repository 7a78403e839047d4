from django.urls import path

from jiuzhu.intake import portal_views as views

app_name = "portal"
# The public portal (not signed in): online application, progress check, policy calculator.
urlpatterns: list = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply_done"),
    path("status/", views.status, name="status"),
    path("calculator/", views.portal_calculator, name="calculator"),
    path("regions/villages/", views.villages, name="villages"),
]
