"""Pages of the rule part of monitoring (included by urls.py)."""

from django.urls import path

from jiuzhu.monitoring import rule_views

urlpatterns: list = [
    path("indicators/", rule_views.indicator_list, name="indicators"),
    path("indicators/new/", rule_views.indicator_new, name="indicator_new"),
    path("indicators/<slug:code>/", rule_views.indicator_detail, name="indicator"),
    path("runs/", rule_views.run_list, name="runs"),
]
