from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiuzhu.monitoring"
    label = "monitoring"
    verbose_name = "动态监测预警"

    @property
    def navigation(self) -> list:
        """(label, url name, capability or the page's own predicate); entries are added as the pages land. Read
        when the menu is built, after the apps are loaded: the predicates' modules import models."""
        from jiuzhu.core.permissions import can
        from jiuzhu.monitoring.indicators import may_read_rules
        from jiuzhu.monitoring.runs import may_start_runs

        return [
            ("数据上报", "monitoring:feeds", "upload_feeds"),  # feeds: a department's inbox of uploads
            # rules: the catalogue and the runs are civil affairs' (a department clerk handles warnings too);
            # the administrator opens the catalogue as 预警规则设置
            ("预警指标", "monitoring:indicators", lambda user: can(user, "handle_warnings") and may_read_rules(user)),
            ("比对批次", "monitoring:runs", may_start_runs),
            ("预警规则设置", "monitoring:indicators", "administer"),  # rules: the administrator's rule builder
            # warning handling (warning_urls.py)
            ("预警处置", "monitoring:warning_list", "handle_warnings"),
            ("核查终止审批", "monitoring:terminations", "decide_terminations"),
        ]
