"""Chinese names of monitoring's event kinds, for pages that show events (a warning's history, the chain).
Each event's summary is already a Chinese sentence; the label is the short name of the step."""

from jiuzhu.monitoring.events import MonitoringEvent

EVENT_LABELS = {
    MonitoringEvent.FEED_UPLOADED: "部门数据上传",
    MonitoringEvent.FEED_ACCEPTED: "部门数据入库",
    MonitoringEvent.LINK_REVIEWED: "人员匹配核对",
    MonitoringEvent.INDICATOR_CHANGED: "预警指标调整",
    MonitoringEvent.RUN_FINISHED: "比对完成",
    MonitoringEvent.WARNING_RAISED: "发出预警",
    MonitoringEvent.DEATH_WARNING_RAISED: "发出死亡预警",
    MonitoringEvent.WARNING_VISITED: "入户核实",
    MonitoringEvent.WARNING_DISPOSED: "预警处置",
    MonitoringEvent.WARNING_REFERRED: "转介部门",
    MonitoringEvent.WARNING_ANSWERED: "部门答复",
    MonitoringEvent.WARNING_REBUTTED: "核实不实",
    MonitoringEvent.WARNING_OVERDUE: "预警超期",
}


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, "")
