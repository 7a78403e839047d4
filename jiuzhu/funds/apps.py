from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "jiuzhu.funds"
    label = "funds"
    verbose_name = "资金发放"
    navigation: list = [  # (label, url name, capability)
        ("发放花名册", "funds:roll_list", "prepare_payments"),
    ]
