# Follow-up's pages (namespace "followup", mounted at /followup/).
from django.urls import path

from jiuzhu.followup import views as v

app_name = "followup"
urlpatterns: list = [
    path("", v.visit_list, name="visit_list"),
    path("visits/export/", v.visit_export, name="visit_export"),
    path("visits/<int:pk>/", v.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/photo/", v.visit_photo, name="visit_photo"),
    path("visits/<int:pk>/<slug:action>/", v.visit_action, name="visit_action"),
    path("returnees/", v.entry_list, name="entry_list"),
    path("returnees/export/", v.entry_export, name="entry_export"),
    path("returnees/<int:pk>/", v.entry_detail, name="entry_detail"),
    path("relapse/", v.relapse_inbox, name="relapse_inbox"),
    path("relapse/<int:pk>/receive/", v.relapse_receive, name="relapse_receive"),
    path("returnees/<int:pk>/letter/", v.entry_letter, name="entry_letter"),
    path("returnees/<int:pk>/<slug:action>/", v.entry_action, name="entry_action"),
    path("at-risk/", v.atrisk_list, name="atrisk_list"),
    path("at-risk/export/", v.atrisk_export, name="atrisk_export"),
    path("at-risk/new/", v.atrisk_new, name="atrisk_new"),
    path("at-risk/<int:pk>/", v.atrisk_detail, name="atrisk_detail"),
    path("at-risk/<int:pk>/<slug:action>/", v.atrisk_action, name="atrisk_action"),
    path("counts/", v.counts_page, name="counts"),
    path("alerts/", v.alert_list, name="alert_list"),
    path("alerts/<int:pk>/seen/", v.alert_seen, name="alert_seen"),
]
