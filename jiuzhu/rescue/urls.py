from jiuzhu.rescue import cases_urls, street_urls

app_name = "rescue"
# Each part keeps its own pages: cases (入站、在站、离站、异常、安置、提级) and street (发现报告、街面巡查).
urlpatterns = cases_urls.urlpatterns + street_urls.urlpatterns
