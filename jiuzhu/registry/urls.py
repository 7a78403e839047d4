from django.urls import path

from jiuzhu.registry import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
]
