"""Event kinds the monitoring app writes. Grep a constant to find who writes it and who handles it."""


class MonitoringEvent:
    FEED_UPLOADED = "monitoring.feed_uploaded"  # a department batch validated and stored
    FEED_ACCEPTED = "monitoring.feed_accepted"  # a batch with errors accepted without its bad rows
    LINK_REVIEWED = "monitoring.link_reviewed"  # an officer settled an uncertain Splink link
    INDICATOR_CHANGED = "monitoring.indicator_changed"  # a rule built or edited (a new effective-dated version)
    RUN_FINISHED = "monitoring.run_finished"  # a comparison run wrote its warnings
    WARNING_RAISED = "monitoring.warning_raised"
    WARNING_VISITED = "monitoring.warning_visited"  # 铁脚板核实: a field visit recorded
    WARNING_DISPOSED = "monitoring.warning_disposed"  # one of the four dispositions
    WARNING_REFERRED = "monitoring.warning_referred"  # sent to a department with a deadline
    WARNING_ANSWERED = "monitoring.warning_answered"  # the department answered the referral
    WARNING_REBUTTED = "monitoring.warning_rebutted"  # a death warning rebutted with 未死亡证明
    WARNING_OVERDUE = "monitoring.warning_overdue"
