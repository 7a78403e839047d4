urlpatterns: list = []  # filled by the hotline part
