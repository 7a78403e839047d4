"""What the auditor's log needs from the fund: Chinese names of its objects by number only."""


def _numbered(label: str):
    def describe(ids: list[str]) -> dict[str, str]:
        return {i: f"{label} #{i}" for i in ids}
    return describe


DESCRIBERS = {
    "funds.fund": _numbered("托底救助基金"),
    "funds.fundentry": _numbered("基金收支"),
}
FILTER_LABELS = {"year": "年度"}
FILTER_VALUES: dict = {}
