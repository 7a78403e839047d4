"""Township and village names from rosters resolved within the user's county (issue 15).
The test world has two villages per township: 桃洪镇 红星社区/新民社区, 小沙江镇 白竹村/田心村,
司门前镇 新民村/和平村 …"""

import pytest

from jiuzhu.core.models import Region
from jiuzhu.core.region_names import name_stem, resolve_places


def code(place) -> str:
    return place.code if place else ""


@pytest.mark.parametrize(("name", "stem"), [
    ("红星村", "红星"), ("红星社区", "红星"), ("桃洪镇", "桃洪"), ("红星村民委员会", "红星"), ("新村", "新村"),
    (" 红星　村 ", "红星"), ("小沙江镇", "小沙江"), ("城关街道", "城关"),
])
def test_stems_drop_one_administrative_suffix(name, stem):
    assert name_stem(name) == stem


def test_exact_suffixless_and_township_less_names_resolve(persona):
    officer = persona("longhui_officer")
    found = resolve_places(within=officer.region, places=[
        ("桃洪镇", "红星社区"), ("桃洪", "红星"), ("桃洪镇", "红星村"), ("", "白竹村"), ("小沙江镇", ""),
    ])
    assert {pair: (code(m.township), code(m.village), m.problem) for pair, m in found.items()} == {
        ("桃洪镇", "红星社区"): ("430524100000", "430524100200", ""),
        ("桃洪", "红星"): ("430524100000", "430524100200", ""),
        ("桃洪镇", "红星村"): ("430524100000", "430524100200", ""),
        ("", "白竹村"): ("430524101000", "430524101200", ""),
        ("小沙江镇", ""): ("430524101000", "", ""),
    }


def test_a_village_of_another_township_is_reported_never_merged(persona):
    found = resolve_places(within=persona("longhui_officer").region, places=[("小沙江镇", "红星社区")])
    match = found[("小沙江镇", "红星社区")]
    assert (match.township, match.village) == (None, None)
    assert match.problem == "“红星社区”不属于小沙江镇（属于桃洪镇）"


def test_a_village_name_in_two_townships_needs_its_township(persona):
    found = resolve_places(within=persona("longhui_officer").region,
                           places=[("", "新民"), ("", "新民村"), ("桃洪镇", "新民")])
    assert found[("", "新民")].problem == "多个乡镇都有“新民”（桃洪镇、司门前镇），请填写所属乡镇"
    assert code(found[("", "新民村")].village) == "430524103200"  # the exact name is unique
    assert code(found[("桃洪镇", "新民")].village) == "430524100201"


def test_a_near_name_is_only_suggested(persona):
    found = resolve_places(within=persona("longhui_officer").region,
                           places=[("桃洪镇", "红兴社区"), ("陶洪镇", "红星社区"), ("桃洪镇", "幸福村"),
                                   ("不存在镇", "")])
    typo = found[("桃洪镇", "红兴社区")]
    assert (typo.village, typo.problem, typo.suggestion) == (
        None, "桃洪镇没有“红兴社区”，是否为“红星社区”？", "湖南省邵阳市隆回县桃洪镇红星社区")
    sound = found[("陶洪镇", "红星社区")]
    assert (sound.township, sound.problem) == (None, "隆回县没有“陶洪镇”，是否为“桃洪镇”？")
    assert found[("桃洪镇", "幸福村")].problem == "桃洪镇没有名为“幸福村”的村（社区）"
    assert found[("不存在镇", "")].problem == "隆回县没有名为“不存在镇”的乡镇（街道）"


def test_a_place_outside_a_village_users_own_village_is_refused(persona):
    coordinator = persona("longhui_coordinator")  # 红星社区
    found = resolve_places(within=coordinator.region, places=[("桃洪镇", "红星社区"), ("桃洪镇", "新民社区")])
    assert found[("桃洪镇", "红星社区")].problem == ""
    assert found[("桃洪镇", "新民社区")].problem == "“湖南省邵阳市隆回县桃洪镇新民社区”不在您的辖区内"


def test_another_county_is_never_searched(persona):
    found = resolve_places(within=persona("dongkou_officer").region, places=[("桃洪镇", "红星社区")])
    assert found[("桃洪镇", "红星社区")].problem == "洞口县没有名为“桃洪镇”的乡镇（街道）"


def test_one_query_for_a_whole_roster(persona, django_assert_max_num_queries):
    region = Region.objects.get(code="430524")
    pairs = [("桃洪镇", "红星社区"), ("小沙江镇", "白竹村")] * 500
    with django_assert_max_num_queries(1):
        found = resolve_places(within=region, places=pairs)
    assert len(found) == 2
