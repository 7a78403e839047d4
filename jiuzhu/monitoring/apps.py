from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiuzhu.monitoring"
    label = "monitoring"
    verbose_name = "动态监测预警"
    navigation: list = [  # (label, url name, capability) entries are added as the pages land
        # warning handling (warning_urls.py)
        ("预警处置", "monitoring:warning_list", "handle_warnings"),
        ("核查终止审批", "monitoring:terminations", "decide_terminations"),
    ]
