from jiuzhu.intake import hotline_urls, referral_urls, window_urls

app_name = "intake"
# Each part keeps its own pages: the window (受理、告知、办结), referrals (转办与部门办理), the hotline and calculator.
urlpatterns = window_urls.urlpatterns + referral_urls.urlpatterns + hotline_urls.urlpatterns
