# Public pages (no sign-in; the street part): a citizen reports a sighting from a phone. Namespace "rescue_public",
# mounted at /report/.
app_name = "rescue_public"
urlpatterns: list = []
