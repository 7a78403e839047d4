from django.apps import AppConfig


class RescueConfig(AppConfig):
    name = "jiuzhu.rescue"
    label = "rescue"
    verbose_name = "救助管理"
    navigation: list = [  # (label, url name, capability)
        ("站内概况", "rescue:dashboard", "rescue_cases"),
        ("入站登记", "rescue:admission_new", "rescue_cases"),
        ("救助记录", "rescue:case_list", "rescue_cases"),
        ("异常事件", "rescue:incident_list", "rescue_cases"),
        ("发现报告", "rescue:sighting_list", "rescue_cases"),
        ("街面巡查", "rescue:patrol_list", "rescue_cases"),
    ]
