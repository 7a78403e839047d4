"""Event kinds written by one app and handled by a sibling that may not import it (ARCHITECTURE.md, events).

The layers let an app above handle a lower app's kinds by importing the lower app's `events.py`. Monitoring,
intake and funds are siblings above the registry: none imports another, so a kind one of them writes for another
to handle is spelled once here, in the layer both may import. The writer's `events.py` names it from here
(`MonitoringEvent.DEATH_WARNING_RAISED = CrossAppEvent.DEATH_WARNING_RAISED`) and the handler's `HANDLERS` lists
it from here, so grepping the constant finds both ends. Core only holds the strings: it imports no app."""


class CrossAppEvent:
    # monitoring → funds: a death record of a department's death feed (公安户籍注销, 殡葬火化, 医学死亡证明)
    # raised a warning for a registry person; funds holds the payee (暂停发放) from the next roll until rebutted.
    DEATH_WARNING_RAISED = "monitoring.death_warning_raised"
    # monitoring → funds: the township rebutted the death warning with a 未死亡证明; funds lifts the hold.
    DEATH_WARNING_REBUTTED = "monitoring.warning_rebutted"
