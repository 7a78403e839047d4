from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    label = "registry"
    verbose_name = "低收入人口"
    navigation = [
        ("家庭", "registry:household_list", "view_registry"),
        ("登记家庭", "registry:household_new", "edit_registry"),
        ("人员", "registry:person_list", "view_registry"),
        ("批量导入", "registry:import", "import_rosters"),
        ("分层评估", "registry:assessment_run", "run_assessment"),
        ("审批队列", "registry:queue", "decide_tiers"),
        ("重复与过度救助", "registry:assistance_report", "view_registry"),
        ("地方标准", "core:settings", None),  # every app's settings, one page (救助类别对照 is on it)
    ]
