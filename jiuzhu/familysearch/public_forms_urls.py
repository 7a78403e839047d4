# The public portal's family-search forms (no sign-in): namespace "xunqin_forms", mounted at /xunqin/ beside the
# notices' own pages (public_urls.py, namespace "xunqin").
from django.urls import path

from jiuzhu.familysearch import public_forms_views as views

app_name = "xunqin_forms"
urlpatterns = [
    path("report/", views.report_start, name="report_start"),
    path("report/form/", views.report_form, name="report_form"),
    path("report/done/", views.report_done, name="report_done"),
    path("photo/", views.photo_search, name="photo_search"),
    path("n/<str:code>/tip/", views.tip, name="tip"),
    path("n/<str:code>/tip/done/", views.tip_done, name="tip_done"),
]
