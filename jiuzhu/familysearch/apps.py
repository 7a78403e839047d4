from django.apps import AppConfig


class FamilySearchConfig(AppConfig):
    name = "jiuzhu.familysearch"
    label = "familysearch"
    verbose_name = "身份甄别、救助寻亲"
    navigation: list = [  # (label, url name, capability)
        ("寻亲公告", "familysearch:notice_list", "rescue_cases"),
        ("寻亲登记", "familysearch:report_list", "report_missing"),
        ("寻亲线索", "familysearch:tip_list", "rescue_cases"),
        # the push pages open to a station worker or manager (push_services.require_push_page); every station
        # manager also holds RESCUE_CASES, so one capability names them here
        ("定向推送", "familysearch:push_list", "rescue_cases"),
        ("DNA 比对", "familysearch:dna_list", "rescue_cases"),
        ("人脸比对台账", "familysearch:ledger_list", "family_search"),
    ]

    def ready(self):
        from jiuzhu.familysearch import checks  # noqa: F401 (registers the deploy checks)
