"""Pages of the feed part of monitoring (included by urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
