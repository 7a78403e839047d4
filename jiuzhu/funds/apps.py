from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "jiuzhu.funds"
    label = "funds"
    verbose_name = "资金发放"
    navigation: list = [  # (label, url name, capability)
        ("发放花名册", "funds:roll_list", "prepare_payments"),
        ("收款账户导入", "funds:account_import", "prepare_payments"),
        ("供养机构账户", "funds:institution_accounts", "prepare_payments"),
        ("代发文件格式", "funds:layout_list", "administer"),
        ("托底救助基金", "funds_fund:list", "manage_fund"),
        ("基金支出审批", "funds_fund:list", "approve_fund"),
        ("购买服务合同", "funds_services:contract_list", "purchase_services"),
        ("服务记录确认", "funds_services:record_list", "confirm_services"),
    ]
