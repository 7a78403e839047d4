from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "jiuzhu.intake"
    label = "intake"
    verbose_name = "一门受理、协同办理"

    @property
    def navigation(self) -> list:
        """(label, url name, capability or the page's own predicate). Read when the menu is built, after the
        apps are loaded: the predicates' modules import models."""
        from jiuzhu.intake.application_services import takes_applications
        from jiuzhu.intake.policy_finder import may_find

        return [
            ("受理登记", "intake:application_new", takes_applications),  # not a department clerk
            ("申请办理", "intake:application_list", "intake"),  # a department clerk is sent to its inbox
            ("转办事项", "intake:department_inbox", "intake"),
            ("热线来电", "intake:hotline_list", "intake"),
            ("政策计算器", "intake:calculator", "intake"),
            ("政策找人", "intake:policy_finder", may_find),  # reads the registry: not a rescue station
        ]
