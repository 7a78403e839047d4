from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "jiuzhu.funds"
    label = "funds"
    verbose_name = "资金发放"
    navigation: list = [  # (label, url name, capability)
        ("发放花名册", "funds:roll_list", "prepare_payments"),
        ("代发文件格式", "funds:layout_list", "administer"),
    ]
