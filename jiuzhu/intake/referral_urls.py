urlpatterns: list = []  # filled by the referral part
