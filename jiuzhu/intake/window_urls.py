urlpatterns: list = []  # filled by the window part
