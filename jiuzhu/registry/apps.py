from django.apps import AppConfig

REGISTRY_ROLES = ("window_officer", "assistance_officer", "approver", "coordinator", "analyst", "administrator")


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    label = "registry"
    verbose_name = "低收入人口"
    navigation = [
        ("家庭", "registry:household_list", REGISTRY_ROLES),
        ("人员", "registry:person_list", REGISTRY_ROLES),
        ("批量导入", "registry:import", ("window_officer", "assistance_officer", "administrator")),
    ]
