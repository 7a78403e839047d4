"""The menu shows the rules part's pages only to those they open for: a department clerk handles warnings but
neither reads the rules nor starts runs (rule_views refuses them), so the menu leaves both out."""

import pytest

from jiuzhu.core.context import navigation_for

ENTRIES = {"预警指标": "/monitoring/indicators/", "比对批次": "/monitoring/runs/"}


def menu(user) -> dict:
    return {item["label"]: item["url"] for item in navigation_for(user)}


@pytest.mark.parametrize("username", ["longhui_clerk", "longhui_rural"])
def test_a_department_clerk_is_not_shown_the_rules_pages(persona, client_for, username):
    shown = menu(persona(username))
    client = client_for(username)
    for label, url in ENTRIES.items():
        assert label not in shown
        assert client.get(url).status_code == 403
    assert "预警处置" in shown  # the warnings referred to the department stay in the menu


def test_an_officer_is_shown_them_and_they_open(persona, client_for):
    shown = menu(persona("longhui_officer"))
    client = client_for("longhui_officer")
    for label, url in ENTRIES.items():
        assert shown[label] == url
        assert client.get(url).status_code == 200
