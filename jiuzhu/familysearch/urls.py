# Family search's station pages (namespace "familysearch", mounted at /familysearch/).
from django.urls import path

from jiuzhu.familysearch import dna_views as d
from jiuzhu.familysearch import review_views as r
from jiuzhu.familysearch import views as v

app_name = "familysearch"
urlpatterns = [
    path("cases/<int:pk>/faces/", v.case_faces, name="case_faces"),
    path("cases/<int:pk>/faces/enrol/", v.case_face_enrol, name="case_face_enrol"),
    path("cases/<int:pk>/faces/search/", v.case_face_search, name="case_face_search"),
    path("cases/<int:pk>/faces/<int:photo_id>/", v.case_photo, name="case_photo"),
    path("searches/<int:log_id>/photos/<int:photo_id>/", v.search_photo, name="search_photo"),
    # the identification profile and the review of candidates (review_views)
    path("cases/<int:pk>/profile/", r.case_profile, name="case_profile"),
    path("cases/<int:pk>/candidates/", r.case_candidates, name="case_candidates"),
    path("cases/<int:pk>/candidates/rematch/", r.case_rematch, name="case_rematch"),
    path("candidates/<int:cid>/confirm/", r.candidate_confirm, name="candidate_confirm"),
    path("candidates/<int:cid>/reject/", r.candidate_reject, name="candidate_reject"),
    path("candidates/<int:cid>/photos/<int:photo_id>/", r.candidate_photo, name="candidate_photo"),
    # DNA 比对 (dna_views)
    path("cases/<int:pk>/dna/", d.case_dna, name="case_dna"),
    path("dna/", d.dna_list, name="dna_list"),
]
