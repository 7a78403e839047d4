"""Comparators, readings of names, exclusions, rejected pairs and explanations (no database)."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jiuzhu.familysearch.matching import ReportTable, rank, rank_many
from jiuzhu.familysearch.matching.names import parse_client_name, surname_key

BASE_REPORT = {"sex": "男", "birth_year": 1960, "height_cm": "", "hukou_region_code": "", "missing_date": "2020-01-01",
               "last_seen_region_code": "", "features": ""}
BASE_CLIENT = {"client_id": "C1", "sex": "男", "estimated_age": 60, "height_cm": "", "accent_region_code": "",
               "found_date": "2020-06-01", "found_region_code": "", "features": ""}


def table(*reports: dict) -> ReportTable:
    return ReportTable(pd.DataFrame([{**BASE_REPORT, "report_id": f"R{i}", **r} for i, r in enumerate(reports, 1)]))


def ranked(client: dict, *reports: dict, **kwargs) -> dict:
    """report_id -> candidate."""
    return {c.report_id: c for c in rank({**BASE_CLIENT, **client}, table(*reports), 10, **kwargs)}


def name_level(client_name: str, report_name: str) -> str:
    candidate = ranked({"name": client_name}, {"name": report_name})["R1"]
    return next(e.level for e in candidate.explanation if e.evidence == "name")


@pytest.mark.parametrize(("client", "report", "level"), [
    ("张建国", "张建国", "exact"),
    ("张建军", "张建君", "sound"),  # homophone
    ("牛德华", "刘德华", "sound"),  # n/l
    ("方小平", "黄小平", "sound"),  # f/h(u)
    ("邹明", "周明", "sound"),  # zh/z
    ("陈英", "程英", "sound"),  # -ng/-n (chen/cheng)
    ("王林", "王玲", "sound"),  # in/ing
    ("羽伟帅", "余伟帅", "sound"),  # a misheard surname that is not one itself
    ("老王", "王建国", "surname"),
    ("王某", "王建国", "surname"),
    ("小红", "李晓红", "nickname"),  # 晓 and 小 sound alike too; 红 is the nickname's character
    ("阿明", "陈明", "given_exact"),  # 阿明 read as 明; a one-character given name equal
    ("阿明", "陈志明", "nickname"),
    ("建国", "张建国", "given_exact"),
    ("老王", "李建国", "surname_conflict"),
    ("赵大海", "李建国", "conflict"),
    ("", "李建国", "unknown"),
    ("无名氏", "李建国", "unknown"),
])
def test_name_levels(client, report, level):
    assert name_level(client, report) == level


def test_core_sound_key_folds():
    assert surname_key("单") == "san"  # surname reading shan, sh -> s
    assert [p.kind for p in parse_client_name("小李")] == ["nickname", "surname"]
    assert [p.kind for p in parse_client_name("金花")] == ["full", "given"]


def test_false_name_is_weak_negative_not_exclusion():
    found = ranked({"name": "赵大海", "accent_region_code": "430524"},
                   {"name": "李建国", "hukou_region_code": "430524"})
    assert "R1" in found
    name = next(e for e in found["R1"].explanation if e.evidence == "name")
    assert -4 < name.weight < 0
    assert found["R1"].score > 0  # the accent outweighs the false name


def test_age_exclusion_and_xusui():
    # Found in 2020 aged "60": born 1960 is exact, 1961 exact with 虚岁, 1949 (11 years) allowed, 1940 excluded.
    found = ranked({"name": ""}, {"birth_year": 1960}, {"birth_year": 1961}, {"birth_year": 1949},
                   {"birth_year": 1940}, {"birth_year": 1985}, {"birth_year": ""})
    assert set(found) == {"R1", "R2", "R3", "R6"}
    levels = {rid: next(e.level for e in c.explanation if e.evidence == "age") for rid, c in found.items()}
    assert levels == {"R1": "exact", "R2": "exact", "R3": "far", "R6": "unknown"}


def test_time_order_exclusion():
    found = ranked({"name": "张建国", "found_date": "2020-06-01"},
                   {"name": "张建国", "missing_date": "2020-05-31"},
                   {"name": "张建国", "missing_date": "2020-06-02"},
                   {"name": "张建国", "missing_date": ""})
    assert set(found) == {"R1", "R3"}


def test_sex_blocking_keeps_unknown():
    assert set(ranked({"name": "张建国"}, {"name": "张建国", "sex": "女"}, {"name": "张建国", "sex": ""})) == {"R2"}
    both = ranked({"name": "张建国", "sex": ""}, {"name": "张建国", "sex": "女"}, {"name": "张建国"})
    assert set(both) == {"R1", "R2"}


def test_regions_height_features_levels():
    found = ranked({"name": "", "accent_region_code": "430000", "found_region_code": "430524", "height_cm": 170,
                    "features": "左手缺小指，蓝色羽绒服"},
                   {"hukou_region_code": "430524", "last_seen_region_code": "430521", "height_cm": 172,
                    "features": "左手缺小指，黑色裤子"})
    levels = {e.evidence: e.level for e in found["R1"].explanation}
    assert levels["home"] == "province"  # an accent known to the province only
    assert levels["place"] == "city"
    assert levels["height"] == "exact"
    assert levels["features"] in {"medium", "high"}


def test_rejected_pair_never_comes_back():
    reports = ({"name": "张建国"}, {"name": "张建军"})
    assert list(ranked({"name": "张建国"}, *reports)) == ["R1", "R2"]
    assert list(ranked({"name": "张建国"}, *reports, exclude_pairs=[("C1", "R1"), ("C2", "R2")])) == ["R2"]


def test_rank_many_leaves_out_rejected_pairs():
    reports = pd.DataFrame([{**BASE_REPORT, "report_id": "R1", "name": "张建国"},
                            {**BASE_REPORT, "report_id": "R2", "name": "张建军"}])
    clients = pd.DataFrame([{**BASE_CLIENT, "client_id": "C1", "name": "张建国"},
                            {**BASE_CLIENT, "client_id": "C2", "name": "张建国"}])
    out = rank_many(clients, reports, top=5, exclude_pairs=[("C1", "R1")])
    assert out[["client_id", "report_id"]].values.tolist() == [["C1", "R2"], ["C2", "R1"], ["C2", "R2"]]


def test_explanation_sums_to_score_and_has_chinese_labels():
    found = ranked({"name": "牛德华", "accent_region_code": "430524", "height_cm": 168, "features": "驼背"},
                   {"name": "刘德华", "hukou_region_code": "430500", "height_cm": 175, "features": "驼背，秃顶"})
    candidate = found["R1"]
    assert len(candidate.explanation) == 8
    assert candidate.score == pytest.approx(sum(e.weight for e in candidate.explanation))
    assert all(e.label.split("：")[0] and "：" in e.label for e in candidate.explanation)
    assert candidate.explanation[0].label == "姓名：姓名读音相同或方言近音"


def test_rank_many_columns_and_order():
    reports = pd.DataFrame([{**BASE_REPORT, "report_id": "R1", "name": "张建国"},
                            {**BASE_REPORT, "report_id": "R2", "name": "李红"}])
    clients = pd.DataFrame([{**BASE_CLIENT, "client_id": "C1", "name": "张建国"},
                            {**BASE_CLIENT, "client_id": "C2", "name": "李红", "estimated_age": None}])
    out = rank_many(clients, reports, top=1)
    assert list(out.columns) == ["client_id", "rank", "report_id", "score"]
    assert out[["client_id", "rank", "report_id"]].values.tolist() == [["C1", 1, "R1"], ["C2", 1, "R2"]]


def test_importable_without_django_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = ("import sys, jiuzhu.familysearch.matching as m, pandas as pd; "
            "t = m.ReportTable(pd.DataFrame([{'report_id': 'R1', 'name': '张三', 'sex': '男'}])); "
            "assert m.rank({'name': '张三', 'sex': '男'}, t)[0].report_id == 'R1'; "
            "from django.conf import settings; assert not settings.configured")
    root = Path(__file__).resolve().parents[4]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)


def test_home_region_from_what_the_client_says():
    from jiuzhu.familysearch.matching.regions import region_codes_from_text

    assert region_codes_from_text(["河南周口人", "河南口音", "湖南隆回县人", "不知道"]) == [
        "411600", "410000", "430524", ""]
    found = ranked({"name": "", "accent_region_code": region_codes_from_text(["河南周口人"])[0]},
                   {"hukou_region_code": "411602"}, {"hukou_region_code": "410100"})
    assert [next(e.level for e in found[r].explanation if e.evidence == "home") for r in ("R1", "R2")] == [
        "city", "province"]


def test_weights_cover_every_level():
    import json
    from importlib import resources

    from jiuzhu.familysearch.matching.evidence import LEVEL_LABELS, LEVELS

    data = json.loads(resources.files("jiuzhu.familysearch.matching").joinpath("weights.json").read_text("utf-8"))
    for evidence, levels in LEVELS.items():
        assert set(data["weights"][evidence]) == set(levels) == set(LEVEL_LABELS[evidence])
    assert data["weights"]["sex"]["conflict"] <= -8  # strong negative
    assert -3 <= data["weights"]["name"]["conflict"] < 0  # a false name is weak negative evidence
    assert rank({**BASE_CLIENT, "name": "张三"}, table({"name": "张三"}), top=0) == []
