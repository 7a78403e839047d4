app_name = "funds_fund"
urlpatterns: list = []
