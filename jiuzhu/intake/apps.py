from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "jiuzhu.intake"
    label = "intake"
    verbose_name = "一门受理、协同办理"
    navigation: list = [  # (label, url name, capability)
        ("受理登记", "intake:application_new", "intake"),
        ("申请办理", "intake:application_list", "intake"),
        ("转办事项", "intake:department_inbox", "intake"),
        ("热线来电", "intake:hotline_list", "intake"),
        ("政策计算器", "intake:calculator", "intake"),
        ("政策找人", "intake:policy_finder", "intake"),
    ]
