# Family search's station pages (namespace "familysearch", mounted at /familysearch/).
from django.urls import path

from jiuzhu.familysearch import views as v

app_name = "familysearch"
urlpatterns = [
    path("cases/<int:pk>/faces/", v.case_faces, name="case_faces"),
    path("cases/<int:pk>/faces/enrol/", v.case_face_enrol, name="case_face_enrol"),
    path("cases/<int:pk>/faces/search/", v.case_face_search, name="case_face_search"),
    path("cases/<int:pk>/faces/<int:photo_id>/", v.case_photo, name="case_photo"),
    path("searches/<int:log_id>/photos/<int:photo_id>/", v.search_photo, name="search_photo"),
]
