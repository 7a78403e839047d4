from jiuzhu.monitoring import feed_urls, rule_urls, warning_urls

app_name = "monitoring"
# Each part keeps its own pages: feeds (部门数据), rules (指标与比对), warnings (预警处置).
urlpatterns = feed_urls.urlpatterns + rule_urls.urlpatterns + warning_urls.urlpatterns
