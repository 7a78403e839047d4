# The public portal's family-search pages (no sign-in, phone first): namespace "xunqin", mounted at /xunqin/.
from django.urls import path

from jiuzhu.familysearch import notice_public_views as notices

app_name = "xunqin"
urlpatterns = [
    path("", notices.notice_list, name="list"),
    path("n/<str:code>/", notices.notice_page, name="notice"),
    path("n/<str:code>/photo/", notices.notice_photo, name="photo"),
    path("feed.json", notices.feed_json, name="feed_json"),
    path("feed.rss", notices.feed_rss, name="feed_rss"),
]
