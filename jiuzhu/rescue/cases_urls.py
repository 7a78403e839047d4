# The cases part's pages (namespace "rescue", mounted at /rescue/).
from django.urls import path

from jiuzhu.rescue import cases_views as v

urlpatterns: list = [
    path("", v.dashboard, name="dashboard"),
    path("admission/", v.admission_new, name="admission_new"),
    path("cases/", v.case_list, name="case_list"),
    path("cases/export/", v.case_export, name="case_export"),
    path("cases/<int:pk>/", v.case_detail, name="case_detail"),
    path("cases/<int:pk>/photo/", v.case_photo, name="case_photo"),
    path("cases/<int:pk>/<slug:action>/", v.case_action, name="case_action"),
    path("cases/<int:pk>/print/<slug:form>/", v.case_print, name="case_print"),
    path("escalations/<int:pk>/<slug:action>/", v.escalation_action, name="escalation_action"),
    path("incidents/", v.incident_list, name="incident_list"),
    path("incidents/new/", v.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", v.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/<slug:action>/", v.incident_action, name="incident_action"),
]
