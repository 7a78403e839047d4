"""What the auditor's log (core/audit_labels.py) needs from family search: Chinese names of its objects by number
only (never a person's name, an ID number or a reporter's phone)."""

from __future__ import annotations


def _numbered(label: str):
    def describe(ids: list[str]) -> dict[str, str]:
        return {i: f"{label} #{i}" for i in ids}
    return describe


DESCRIBERS = {
    "familysearch.missingreport": _numbered("寻亲登记"),
    "familysearch.facephoto": _numbered("人脸照片"),
    "familysearch.facesearchlog": _numbered("人脸比对记录"),
    "familysearch.clientprofile": _numbered("甄别信息"),
    "familysearch.matchcandidate": _numbered("比对候选"),
    "familysearch.familynotification": _numbered("家属通知"),
    "familysearch.familynotice": _numbered("寻亲公告"),
    "familysearch.noticetip": _numbered("寻亲线索"),
    "familysearch.dnareferral": _numbered("DNA 比对"),
}
