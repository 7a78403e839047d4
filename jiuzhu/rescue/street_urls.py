# The street part's pages (namespace "rescue", mounted at /rescue/): sightings (发现报告) and street patrols (街面巡查).
from django.urls import path

from jiuzhu.rescue import street_views as views

urlpatterns: list = [
    path("sightings/", views.sighting_list, name="sighting_list"),
    path("sightings/new/", views.sighting_new, name="sighting_new"),
    path("sightings/export/", views.sighting_export, name="sighting_export"),
    path("sightings/<int:sighting_id>/", views.sighting_detail, name="sighting_detail"),
    path("sightings/<int:sighting_id>/photo/", views.sighting_photo, name="sighting_photo"),
    path("sightings/<int:sighting_id>/contact/", views.sighting_contact, name="sighting_contact"),
    path("sightings/<int:sighting_id>/close/", views.sighting_close, name="sighting_close"),
    path("sightings/<int:sighting_id>/dispatch/", views.sighting_dispatch, name="sighting_dispatch"),
    path("sightings/<int:sighting_id>/team/", views.sighting_assign_team, name="sighting_assign_team"),
    path("sightings/stations/", views.station_locations, name="station_locations"),
    path("patrols/", views.patrol_list, name="patrol_list"),
    path("patrols/new/", views.patrol_new, name="patrol_new"),
    path("patrols/teams/new/", views.team_new, name="patrol_team_new"),
    path("patrols/alerts/new/", views.alert_new, name="weather_alert_new"),
    path("patrols/<int:patrol_id>/", views.patrol_detail, name="patrol_detail"),
    path("patrols/<int:patrol_id>/finding/", views.patrol_finding, name="patrol_finding"),
    path("patrols/<int:patrol_id>/record/", views.patrol_record, name="patrol_record"),
    path("patrols/<int:patrol_id>/cancel/", views.patrol_cancel, name="patrol_cancel"),
]
