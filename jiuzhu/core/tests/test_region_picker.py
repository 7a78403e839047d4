"""The region picker by name (core/region_picker.py): names in, codes out, within the jurisdiction only,
and a name that matches nothing said so in Chinese."""

from django.http import QueryDict

from jiuzhu.core.region_picker import pick_region


def _pick(actor, query: str):
    return pick_region(actor, QueryDict(query))


def test_nothing_chosen_is_the_whole_jurisdiction_with_its_townships_by_name(persona):
    pick = _pick(persona("longhui_officer"), "")
    assert pick.region is None and pick.error == ""
    assert [t.option_label for t in pick.townships][:3] == ["桃洪镇", "小沙江镇", "金石桥镇"]
    assert len(pick.townships) == 10 and {t.code[:6] for t in pick.townships} == {"430524"}
    assert pick.villages == []
    assert "红星社区" in pick.names and "洞口镇" not in pick.names


def test_typed_township_village_and_unique_beginning(persona):
    officer = persona("longhui_officer")
    assert _pick(officer, "place=桃洪镇").region.code == "430524100000"
    village = _pick(officer, "place=红星社区")  # 洞口镇 has a 红星社区 too: outside this jurisdiction
    assert village.region.code == "430524100200" and village.township.code == "430524100000"
    assert [v.name for v in village.villages] == ["红星社区", "新民社区"]
    assert _pick(officer, "place=小沙江").region.code == "430524101000"
    assert _pick(officer, "place= 桃洪镇 ").region.code == "430524100000"


def test_a_name_matching_nothing_or_several_places_is_an_error_never_an_empty_list(persona):
    officer = persona("longhui_officer")
    none = _pick(officer, "place=洞口镇")  # a real township, of the other county
    assert none.region is None and none.place == "洞口镇"
    assert none.error == "在您的管辖范围内没有名为“洞口镇”的乡镇（街道）或村（社区），请检查名称或从下拉列表中选择"
    several = _pick(officer, "place=镇")
    assert several.region is None and several.error.startswith("“镇”对应多个地方（")
    within = _pick(officer, "township=430524100000&place=红星")  # narrowed by the chosen township
    assert within.region.code == "430524100200" and within.error == ""


def test_codes_outside_the_jurisdiction_are_refused(persona):
    officer = persona("longhui_officer")
    assert _pick(officer, "township=430525100000").error == "所选乡镇（街道）不在您的管辖范围内"
    assert _pick(officer, "township=430524100000&village=430525100200").error == "所选村（社区）不在您的管辖范围内"
    assert _pick(officer, "region_code=430525100200").error == "区划“430525100200”不存在或不在您的管辖范围内"
    assert _pick(officer, "township=430524100200").error == "所选乡镇（街道）不在您的管辖范围内"  # a village code
    chosen = _pick(officer, "township=430524101000&village=430524101201")
    assert chosen.region.code == "430524101201" and chosen.error == ""
    # The township changed without script: the old township's village no longer applies.
    moved = _pick(officer, "township=430524101000&village=430524100200")
    assert moved.region.code == "430524101000" and moved.error == ""


def test_the_village_options_endpoint_answers_within_the_jurisdiction(client_for):
    officer = client_for("longhui_officer")
    html = officer.get("/regions/children/?township=430524100000").content.decode()
    assert '<option value="">全部村（社区）</option>' in html
    assert '<option value="430524100200">红星社区</option>' in html and "新民社区" in html
    other = officer.get("/regions/children/?township=430525100000").content.decode()
    assert "430525" not in other and "红星社区" not in other
    prefixed = officer.get("/regions/children/?prefix=a_&a_township=430524101000").content.decode()
    assert '<option value="430524101200">白竹村</option>' in prefixed
    from django.test import Client

    assert Client().get("/regions/children/?township=430524100000").status_code == 302  # sign in first


def test_a_township_user_sees_only_their_township(persona):
    window = persona("longhui_window")  # 桃洪镇 window
    pick = _pick(window, "")
    assert [t.name for t in pick.townships] == ["桃洪镇"]
    assert _pick(window, "place=白竹村").error.startswith("在您的管辖范围内没有名为“白竹村”")


def test_region_from_input_by_code_or_name_within_the_jurisdiction_only(persona):
    import pytest

    from jiuzhu.core.errors import DomainError
    from jiuzhu.core.region_picker import region_from_input

    officer = persona("longhui_officer")
    get = lambda text: region_from_input(officer, text, label="发现地区", field="found_region")  # noqa: E731
    assert get("") is None and get("  ") is None
    assert get("430524").code == "430524" and get("隆回县").code == "430524"
    assert get("430524100000").name == "桃洪镇" and get(" 桃洪镇 ").code == "430524100000"
    assert get("红星社区").code == "430524100200"  # 洞口镇's 红星社区 lies outside the jurisdiction
    for outside in ("430525", "洞口县", "洞口镇", "999999"):  # the guard: the other county is refused
        with pytest.raises(DomainError) as exc:
            get(outside)
        assert exc.value.field == "found_region" and exc.value.message.startswith("发现地区")
