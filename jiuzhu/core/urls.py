from django.urls import path
from django.views.generic import RedirectView

from jiuzhu.core import (
    picker_views,
    region_views,
    settings_views,
    taskrun_views,
    token_views,
    user_views,
    views,
    workday_views,
)

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("sign-in-locks/", views.sign_in_lock_list, name="sign_in_locks"),
    path("sign-in-locks/unlock/", views.sign_in_lock_clear, name="sign_in_lock_clear"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.xlsx", views.audit_log_export, name="audit_log_export"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/issue/", token_views.token_issue, name="token_issue"),
    path("tokens/<int:token_id>/revoke/", token_views.token_revoke, name="token_revoke"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/<str:key>/", settings_views.setting_detail, name="setting_detail"),
    path("workdays/", workday_views.workday_overrides, name="workdays"),
    path("workdays/remove/", workday_views.workday_override_remove, name="workday_remove"),
    path("regions/", region_views.region_admin, name="regions"),
    path("tasks/", taskrun_views.task_run_list, name="task_runs"),
    path("tasks/<uuid:run_id>/", taskrun_views.task_run_detail, name="task_run"),
    path("tasks/<uuid:run_id>/progress/", taskrun_views.task_run_progress, name="task_run_progress"),
    path("manage/", user_views.admin_hub, name="admin_hub"),
    path("users/", user_views.users, name="users"),
    path("users/new/", user_views.user_new, name="user_new"),
    path("users/<int:user_id>/", user_views.user_detail, name="user"),
    path("users/<int:user_id>/edit/", user_views.user_edit, name="user_edit"),
    path("users/<int:user_id>/password-reset/", user_views.user_password_reset_view, name="user_password_reset"),
    path("users/<int:user_id>/deactivate/", user_views.user_deactivate_view, name="user_deactivate"),
    path("users/<int:user_id>/reactivate/", user_views.user_reactivate_view, name="user_reactivate"),
    path("users/<int:user_id>/unlock/", user_views.user_unlock_view, name="user_unlock"),
    path("regions/children/", picker_views.region_children, name="region_children"),  # region picker (htmx)
    # The admin signs in through the same page, so the lockout and audit apply there too.
    path("admin/login/", RedirectView.as_view(pattern_name="core:login", query_string=True)),
]
