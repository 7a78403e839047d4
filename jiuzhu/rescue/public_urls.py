# Public pages (no sign-in; the street part): a citizen reports a sighting from a phone. Namespace "rescue_public",
# mounted at /report/.
from django.urls import path

from jiuzhu.rescue import street_public_views as views

app_name = "rescue_public"
urlpatterns: list = [
    path("", views.report, name="report"),
    path("done/", views.report_done, name="report_done"),
]
