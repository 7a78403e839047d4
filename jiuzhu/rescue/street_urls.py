# The street part's pages (namespace "rescue", mounted at /rescue/).
urlpatterns: list = []
