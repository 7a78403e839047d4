"""Pages of the feed part of monitoring (included by urls.py)."""

from django.urls import path

from jiuzhu.monitoring import feed_views

urlpatterns: list = [
    path("feeds/", feed_views.inbox, name="feeds"),
    path("feeds/<int:batch_id>/", feed_views.batch_page, name="feed_batch"),
    path("feeds/<int:batch_id>/accept/", feed_views.batch_accept, name="feed_accept"),
    path("feeds/<int:batch_id>/withdraw/", feed_views.batch_withdraw, name="feed_withdraw"),
    path("feeds/<int:batch_id>/report.<str:fmt>", feed_views.batch_report, name="feed_report"),
    path("feeds/<int:batch_id>/rejected.<str:fmt>", feed_views.batch_rejected, name="feed_rejected"),
    path("feeds/schemas/", feed_views.schemas, name="feed_schemas"),
    path("feeds/schemas/<str:kind>/template.xlsx", feed_views.template, name="feed_template"),
    path("feeds/links/", feed_views.links, name="feed_links"),
]
