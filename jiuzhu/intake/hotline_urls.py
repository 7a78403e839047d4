from django.urls import path

from jiuzhu.intake import calculator_views, hotline_views, policy_finder_views

# The hotline part's staff pages: the call log, the call form, a call (and its complaint's answer), the policy
# calculator at the window and 政策找人.
urlpatterns: list = [
    path("hotline/", hotline_views.hotline_list, name="hotline_list"),
    path("hotline/new/", hotline_views.hotline_new, name="hotline_new"),
    path("hotline/<int:call_id>/", hotline_views.hotline_detail, name="hotline_detail"),
    path("hotline/<int:call_id>/answer/", hotline_views.complaint_answer, name="complaint_answer"),
    path("calculator/", calculator_views.calculator, name="calculator"),
    path("policy-finder/", policy_finder_views.policy_finder, name="policy_finder"),
    path("policy-finder/export/", policy_finder_views.policy_finder_export, name="policy_finder_export"),
]
