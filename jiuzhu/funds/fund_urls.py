# The safety-net fund's pages (namespace "funds_fund", mounted at /funds/safety-net/).
from django.urls import path

from jiuzhu.funds import fund_views as v

app_name = "funds_fund"
urlpatterns: list = [
    path("", v.fund_list, name="list"),
    path("open/", v.fund_open, name="open"),
    path("<int:pk>/", v.fund_detail, name="detail"),
    path("<int:pk>/contribute/", v.contribution_new, name="contribute"),
    path("<int:pk>/disburse/", v.disbursement_new, name="disburse"),
    path("<int:pk>/statement.xlsx", v.statement_xlsx, name="statement_xlsx"),
    path("<int:pk>/statement/", v.statement_print, name="statement_print"),
    path("entries/<int:pk>/decision/", v.decision_file, name="decision_file"),
    path("entries/<int:pk>/decision/scan/", v.decision_scan, name="decision_scan"),
    path("entries/<int:pk>/source/", v.entry_source, name="entry_source"),
    path("entries/<int:pk>/<slug:action>/", v.entry_action, name="entry_action"),
]
