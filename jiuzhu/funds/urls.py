# Funds' pages (namespace "funds", mounted at /funds/).
from django.urls import path

from jiuzhu.funds import account_views as av
from jiuzhu.funds import views as v

app_name = "funds"
urlpatterns: list = [
    path("rolls/", v.roll_list, name="roll_list"),
    path("rolls/export/", v.roll_list_export, name="roll_list_export"),
    path("rolls/prepare/", v.roll_prepare, name="roll_prepare"),
    path("rolls/<int:pk>/", v.roll_detail, name="roll_detail"),
    path("rolls/<int:pk>/lines/", v.line_list, name="line_list"),
    path("rolls/<int:pk>/print/", v.roll_print, name="roll_print"),
    path("rolls/<int:pk>/bank-file/", v.bank_file, name="bank_file"),
    path("rolls/<int:pk>/return-file/", v.return_file, name="return_file"),
    path("rolls/<int:pk>/<slug:action>/", v.roll_action, name="roll_action"),
    path("lines/<int:pk>/adjust/", v.line_adjust, name="line_adjust"),
    path("lines/<int:pk>/<slug:action>/", v.line_action, name="line_action"),
    path("hits/<int:pk>/override/", v.hit_override, name="hit_override"),
    path("bank-layouts/", v.layout_list, name="layout_list"),
    path("accounts/import/", av.account_import_upload, name="account_import"),
    path("institution-accounts/", av.institution_accounts, name="institution_accounts"),
    path("institution-accounts/<int:pk>/", av.institution_account_edit, name="institution_account_edit"),
    path("accounts/import/<str:upload_id>/", av.account_import_review, name="account_import_review"),
    path("accounts/import/<str:upload_id>/errors.xlsx", av.account_import_errors, name="account_import_errors"),
]
