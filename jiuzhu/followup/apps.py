from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "jiuzhu.followup"
    label = "followup"
    verbose_name = "源头治理、回归稳固"
    navigation: list = [  # (label, url name, capability)
        ("本周回访", "followup:visit_list", "followup"),
        ("返乡台账", "followup:entry_list", "followup"),
        ("易流浪走失人员", "followup:atrisk_list", "followup"),
        ("再次流浪提醒", "followup:alert_list", "followup"),
        ("回访统计", "followup:counts", "view_statistics"),
    ]
