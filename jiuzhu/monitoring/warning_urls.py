"""Pages of the warning part of monitoring (included by urls.py)."""

from django.urls import path

from jiuzhu.monitoring import warning_views as views

urlpatterns: list = [
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/export/", views.warning_export, name="warning_export"),
    path("warnings/<int:warning_id>/", views.warning_detail, name="warning_detail"),
    path("warnings/<int:warning_id>/visit/", views.visit_add, name="warning_visit"),
    path("warnings/<int:warning_id>/implement/", views.implement, name="warning_implement"),
    path("warnings/<int:warning_id>/refer/", views.refer, name="warning_refer"),
    path("warnings/<int:warning_id>/close/", views.close_referred, name="warning_close"),
    path("warnings/<int:warning_id>/conference/", views.conference, name="warning_conference"),
    path("warnings/<int:warning_id>/terminate/", views.terminate, name="warning_terminate"),
    path("warnings/<int:warning_id>/rebut/", views.rebut, name="warning_rebut"),
    path("warnings/files/<int:file_id>/", views.warning_file, name="warning_file"),
    path("warnings/referred/", views.referred_warnings, name="referred_warnings"),
    path("warnings/referred/<int:referral_id>/answer/", views.referral_answer, name="referral_answer"),
    path("warnings/terminations/", views.terminations, name="terminations"),
    path("warnings/terminations/<int:termination_id>/", views.termination_decide, name="termination_decide"),
]
