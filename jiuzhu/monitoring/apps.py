from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiuzhu.monitoring"
    label = "monitoring"
    verbose_name = "动态监测预警"
    navigation: list = [  # (label, url name, capability) entries are added as the pages land
        ("数据上报", "monitoring:feeds", "upload_feeds"),  # feeds: a department's inbox of uploads
        ("预警指标", "monitoring:indicators", "handle_warnings"),  # rules: catalogue and rule builder
        ("比对批次", "monitoring:runs", "handle_warnings"),  # rules: comparison runs
        ("预警规则设置", "monitoring:indicators", "administer"),  # rules: the administrator's rule builder
        # warning handling (warning_urls.py)
        ("预警处置", "monitoring:warning_list", "handle_warnings"),
        ("核查终止审批", "monitoring:terminations", "decide_terminations"),
    ]
