# Public push pages (no sign-in; geo-targeted push): subscribe, confirm, one-click unsubscribe. Namespace
# "xunqin_push", mounted at /xunqin/ beside the notices' and the forms' public pages.
from django.urls import path

from jiuzhu.familysearch import public_push_views as views

app_name = "xunqin_push"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/code/", views.confirm_code, name="confirm_code"),
    path("subscribe/confirm/<str:token>/", views.confirm_link, name="confirm_link"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
