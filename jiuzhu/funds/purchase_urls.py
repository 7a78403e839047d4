app_name = "funds_services"
urlpatterns: list = []
