from jiuzhu.core.models import Region


def test_national_tree_is_loaded_with_paths_and_centroids(db):
    assert Region.objects.filter(level="province").count() == 34
    assert Region.objects.filter(level="county").count() > 2800
    county = Region.objects.get(code="430524")
    assert county.name == "隆回县"
    assert county.full_name == "湖南省邵阳市隆回县"
    assert county.path == "/430000/430500/430524/"
    assert county.longitude is not None and 110 < float(county.longitude) < 112
    assert [r.code for r in county.ancestors()] == ["430000", "430500", "430524"]


def test_municipal_districts_hang_under_the_province_without_placeholders(db):
    dongcheng = Region.objects.get(code="110101")
    assert dongcheng.parent.code == "110000"
    assert not Region.objects.filter(name="市辖区").exists()
    assert not Region.objects.filter(code="110103").exists()  # 崇文区, retired in 2010


def test_subtree_and_contains(world):
    city = Region.objects.get(code="430500")
    village = Region.objects.get(code="430524100200")
    assert city.contains(village)
    assert not Region.objects.get(code="430525").contains(village)
    subtree_codes = set(city.subtree().values_list("code", flat=True))
    assert {"430524", "430525", "430524100000", "430524100200"} <= subtree_codes
    assert "430100" not in subtree_codes
