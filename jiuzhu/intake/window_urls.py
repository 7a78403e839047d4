"""The window's pages (included by intake/urls.py under /intake/, namespace "intake")."""

from django.urls import path

from jiuzhu.intake import window_views as views

urlpatterns = [
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/export/", views.application_export, name="application_export"),
    path("applications/<int:application_id>/", views.application_detail, name="application_detail"),
    path("applications/<int:application_id>/receipt/", views.application_receipt, name="application_receipt"),
    path("applications/<int:application_id>/accept/", views.application_accept, name="application_accept"),
    path("applications/<int:application_id>/not-accept/", views.application_not_accept,
         name="application_not_accept"),
    path("applications/<int:application_id>/notice/", views.notice_issue, name="notice_issue"),
    path("applications/<int:application_id>/materials/", views.materials_receive, name="materials_receive"),
    path("applications/<int:application_id>/items/<int:item_id>/propose/", views.item_propose,
         name="item_propose"),
    path("applications/<int:application_id>/items/<int:item_id>/decide/", views.item_decide, name="item_decide"),
    path("applications/<int:application_id>/close/", views.application_close, name="application_close"),
    path("applications/<int:application_id>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:application_id>/assist-first/", views.assist_first_grant, name="assist_first_grant"),
    path("applications/<int:application_id>/assist-first/<int:assist_id>/complete/", views.assist_first_complete,
         name="assist_first_complete"),
    path("applications/<int:application_id>/refusal/", views.refusal_print, name="refusal_print"),
    path("notices/<int:notice_id>/", views.notice_print, name="notice_print"),
]
