from django.apps import AppConfig


class FamilySearchConfig(AppConfig):
    name = "jiuzhu.familysearch"
    label = "familysearch"
    verbose_name = "身份甄别、救助寻亲"
    navigation: list = [  # (label, url name, capability)
        ("寻亲公告", "familysearch:notice_list", "rescue_cases"),
        ("寻亲登记", "familysearch:report_list", "report_missing"),
        ("寻亲线索", "familysearch:tip_list", "rescue_cases"),
    ]
