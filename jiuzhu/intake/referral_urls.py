"""Pages of the referral part (included by urls.py, namespace "intake", mounted at /intake/)."""

from django.urls import path

from jiuzhu.intake import referral_views as views

urlpatterns: list = [
    path("referrals/", views.department_inbox, name="department_inbox"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:referral_id>/return/", views.referral_return, name="referral_return"),
    path("referrals/<int:referral_id>/complete/", views.referral_complete, name="referral_complete"),
    path("referrals/<int:referral_id>/resend/", views.referral_resend, name="referral_resend"),
    path("items/<int:item_id>/referrals/", views.item_referrals, name="item_referrals"),
    path("items/<int:item_id>/refer/", views.referral_send, name="referral_send"),
]
