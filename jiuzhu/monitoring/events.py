"""Event kinds the monitoring app writes. Grep a constant to find who writes it and who handles it. The kinds a
sibling app handles (funds holds a payee on a death warning) are spelled in core/cross_events.py."""

from jiuzhu.core.cross_events import CrossAppEvent


class MonitoringEvent:
    FEED_UPLOADED = "monitoring.feed_uploaded"  # a department batch validated and stored
    FEED_ACCEPTED = "monitoring.feed_accepted"  # a batch with errors accepted without its bad rows
    LINK_REVIEWED = "monitoring.link_reviewed"  # an officer settled an uncertain Splink link
    INDICATOR_CHANGED = "monitoring.indicator_changed"  # a rule built or edited (a new effective-dated version)
    RUN_FINISHED = "monitoring.run_finished"  # a comparison run wrote its warnings
    WARNING_RAISED = "monitoring.warning_raised"
    # a warning of a death indicator (runs.py), instead of WARNING_RAISED: funds holds the payee until rebutted
    DEATH_WARNING_RAISED = CrossAppEvent.DEATH_WARNING_RAISED
    WARNING_VISITED = "monitoring.warning_visited"  # 铁脚板核实: a field visit recorded
    WARNING_DISPOSED = "monitoring.warning_disposed"  # one of the four dispositions
    WARNING_REFERRED = "monitoring.warning_referred"  # sent to a department with a deadline
    WARNING_ANSWERED = "monitoring.warning_answered"  # the department answered the referral
    WARNING_REBUTTED = CrossAppEvent.DEATH_WARNING_REBUTTED  # a death warning rebutted with 未死亡证明 (funds lifts)
    WARNING_OVERDUE = "monitoring.warning_overdue"
