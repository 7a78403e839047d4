from django.apps import AppConfig

REGISTRY_ROLES = ("window_officer", "assistance_officer", "approver", "coordinator", "analyst", "administrator")


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    label = "registry"
    verbose_name = "低收入人口"
    navigation = [
        ("家庭", "registry:household_list", REGISTRY_ROLES),
        ("登记家庭", "registry:household_new", ("window_officer", "assistance_officer", "coordinator",
                                             "administrator")),
        ("人员", "registry:person_list", REGISTRY_ROLES),
        ("批量导入", "registry:import", ("window_officer", "assistance_officer", "administrator")),
        ("分层评估", "registry:assessment_run", ("assistance_officer", "approver", "administrator")),
        ("重复与过度救助", "registry:assistance_report", ("assistance_officer", "approver", "analyst", "auditor",
                                                    "administrator")),
        ("地方标准", "registry:standards", ("assistance_officer", "approver", "administrator", "analyst")),
        ("救助类别对照", "registry:categories", ("assistance_officer", "approver", "administrator")),
    ]
