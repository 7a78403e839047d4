from django.urls import path

from jiuzhu.core import settings_views
from jiuzhu.registry import documents, import_views, print_views, queue_views, views
from jiuzhu.registry.settings_catalog import CATEGORY_MATRIX_KEY

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:household_id>/members/", views.member_add, name="member_add"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/move/", views.person_move_view, name="person_move"),
    path("households/<int:household_id>/means/<str:kind>/", views.means_add, name="means_add"),
    path("households/<int:household_id>/means/<str:kind>/<int:item_id>/void/", views.means_void_view,
         name="means_void"),
    path("households/<int:household_id>/assess/", views.assess_household, name="assess_household"),
    path("households/<int:household_id>/grants/", views.grant_add, name="grant_add"),
    path("decisions/<int:decision_id>/", views.decision_decide, name="decision_decide"),
    # Printable forms (print_views.py): 审批表 and 告知书 of a decision
    path("decisions/<int:decision_id>/print/approval/", print_views.approval_form, name="print_approval"),
    path("decisions/<int:decision_id>/print/notice/", print_views.notice, name="print_notice"),
    path("grants/<int:grant_id>/stop/", views.grant_stop, name="grant_stop"),
    # Documents of a household (documents.py)
    path("households/<int:household_id>/documents/", documents.document_upload, name="document_upload"),
    path("documents/<int:document_id>/", documents.document_download, name="document_download"),
    path("documents/<int:document_id>/void/", documents.document_void_view, name="document_void"),
    # Old addresses of the standards and category matrix pages: the core settings pages serve them.
    path("standards/", settings_views.settings_page, name="standards"),
    path("categories/", settings_views.setting_detail, {"key": CATEGORY_MATRIX_KEY}, name="categories"),
    path("assessment/", views.assessment_run_page, name="assessment_run"),
    path("report/assistance/", views.assistance_report_page, name="assistance_report"),
    path("report/assistance/export.xlsx", views.assistance_report_export, name="assistance_report_export"),
    # The approver's queue (queue_views.py)
    path("queue/", queue_views.queue_page, name="queue"),
    path("queue/confirm/", queue_views.queue_confirm, name="queue_confirm"),
    path("queue/count/", queue_views.queue_count, name="queue_count"),
    path("queue/<int:decision_id>/", queue_views.decision_page, name="queue_decision"),
    path("queue/<int:decision_id>/confirm/", queue_views.decision_confirm, name="queue_decision_confirm"),
    path("queue/<int:decision_id>/override/", queue_views.decision_override, name="queue_decision_override"),
    path("queue/<int:decision_id>/undo/", queue_views.decision_undo, name="queue_decision_undo"),
    # Import and export (import_views.py)
    path("import/", import_views.import_upload, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<str:upload_id>/", import_views.import_review, name="import_review"),
    path("import/<str:upload_id>/errors.xlsx", import_views.import_errors, name="import_errors"),
    path("import/<str:upload_id>/errors.csv", import_views.import_errors, name="import_errors_csv"),
    path("persons/export.xlsx", import_views.person_export, name="person_export"),
    path("households/export.xlsx", import_views.household_export, name="household_export"),
]
