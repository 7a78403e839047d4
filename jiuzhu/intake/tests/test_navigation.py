"""The menu shows intake's pages only to those they open for: a department clerk does not take applications
(the form answers 404), and a rescue station, without the registry's reading capability, cannot use 政策找人."""

import pytest

from jiuzhu.core.context import navigation_for


def menu(user) -> dict:
    return {item["label"]: item["url"] for item in navigation_for(user)}


@pytest.mark.parametrize("username", ["longhui_clerk", "longhui_rural"])
def test_a_department_clerk_is_not_shown_the_application_form(persona, client_for, username):
    assert "受理登记" not in menu(persona(username))
    assert client_for(username).get("/intake/applications/new/").status_code == 404
    assert "转办事项" in menu(persona(username))  # the department's own inbox stays


@pytest.mark.parametrize("username", ["longhui_station", "longhui_stationmgr"])
def test_a_rescue_station_is_not_shown_the_policy_finder(persona, client_for, username):
    assert "政策找人" not in menu(persona(username))
    assert client_for(username).get("/intake/policy-finder/").status_code == 403
    assert "政策计算器" in menu(persona(username))


@pytest.mark.parametrize(("username", "label", "url"), [
    ("longhui_window", "受理登记", "/intake/applications/new/"),
    ("longhui_officer", "政策找人", "/intake/policy-finder/"),
])
def test_those_the_pages_open_for_are_shown_them(persona, client_for, username, label, url):
    assert menu(persona(username))[label] == url
    assert client_for(username).get(url).status_code == 200
