# Family search's station pages (namespace "familysearch", mounted at /familysearch/).
from django.urls import path

from jiuzhu.familysearch import dna_views as d
from jiuzhu.familysearch import ledger_views as lg
from jiuzhu.familysearch import notice_views as n
from jiuzhu.familysearch import push_views as p
from jiuzhu.familysearch import report_views as rep
from jiuzhu.familysearch import review_views as r
from jiuzhu.familysearch import tip_views as t
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
    # family-search notices (寻亲公告, notice_views)
    path("notices/", n.notice_list, name="notice_list"),
    path("notices/export/", n.notice_export, name="notice_export"),
    path("notices/<int:pk>/", n.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/publish/", n.notice_publish, name="notice_publish"),
    path("notices/<int:pk>/refresh/", n.notice_refresh, name="notice_refresh"),
    path("notices/<int:pk>/withdraw/", n.notice_withdraw, name="notice_withdraw"),
    path("notices/<int:pk>/print/", n.notice_print, name="notice_print"),
    path("notices/<int:pk>/photo/", n.notice_photo, name="notice_photo"),
    # missing reports entered and followed by staff (report_views)
    path("reports/", rep.report_list, name="report_list"),
    path("reports/export/", rep.report_export, name="report_export"),
    path("reports/new/", rep.report_new, name="report_new"),
    path("reports/<int:pk>/", rep.report_detail, name="report_detail"),
    path("reports/<int:pk>/photos/<int:photo_id>/", rep.report_photo, name="report_photo"),
    # tips from the public on the station's notices (tip_views)
    path("tips/", t.tip_list, name="tip_list"),
    path("tips/<int:pk>/handled/", t.tip_handle, name="tip_handle"),
    # geo-targeted push (push_views)
    path("push/", p.push_list, name="push_list"),
    path("push/<int:pk>/", p.push_notice, name="push_notice"),
    path("push/<int:pk>/retry/", p.push_retry, name="push_retry"),
    # DNA 比对 (dna_views)
    path("cases/<int:pk>/dna/", d.case_dna, name="case_dna"),
    path("dna/", d.dna_list, name="dna_list"),
    # the face-use ledger (人脸比对使用台账, ledger_views)
    path("ledger/", lg.ledger_list, name="ledger_list"),
    path("ledger/export/", lg.ledger_export, name="ledger_export"),
]
