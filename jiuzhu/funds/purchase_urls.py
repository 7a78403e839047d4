# Purchase of services' pages (namespace "funds_services", mounted at /funds/services/).
from django.urls import path

from jiuzhu.funds import purchase_views as v

app_name = "funds_services"
urlpatterns: list = [
    path("", v.contract_list, name="contract_list"),
    path("export/", v.contract_export, name="contract_export"),
    path("new/", v.contract_new, name="contract_new"),
    path("providers/", v.provider_list, name="provider_list"),
    path("<int:pk>/", v.contract_detail, name="contract_detail"),
    path("<int:pk>/print/", v.contract_print, name="contract_print"),
    path("<int:pk>/staff/", v.staff_new, name="staff_new"),
    path("<int:pk>/records/new/", v.record_new, name="record_new"),
    path("records/", v.record_list, name="record_list"),
    path("records/export/", v.record_export, name="record_export"),
    path("records/<int:pk>/", v.record_detail, name="record_detail"),
    path("records/<int:pk>/<slug:action>/", v.record_action, name="record_action"),
    path("milestones/<int:pk>/evaluate/", v.milestone_evaluate, name="milestone_evaluate"),
    path("milestones/<int:pk>/pay/", v.milestone_pay, name="milestone_pay"),
]
