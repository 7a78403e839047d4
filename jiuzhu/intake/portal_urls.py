app_name = "portal"
# The public portal (not signed in): online application, progress check, policy calculator.
urlpatterns: list = []
