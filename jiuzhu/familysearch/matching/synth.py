"""Generated reports and clients (seeded) for training the weights, tests and benches.

Reports: names from frequency-weighted surnames and given-name characters (Zipf-like, so common names such as
张伟 and 王芳 are shared by many reports), sex, birth year, height, hukou county from the GB/T 2260 table
(python-stdnum's, as the core reads it), missing date, last-seen county, features and clothing.

Clients are derived from reports with noise, in strata (``STRATA``): the name exact, a homophone, a dialect
confusion (n/l, f/h, zh/z, -ng/-n ...), surname only (老王, 王某, 王), given name only, a nickname (小红,
阿明), empty, false; the estimated age off by up to 10 years and sometimes 虚岁; accent at county, city or
province precision, wrong or missing; found after the person went missing (days to years) near or far
from the last-seen place; features partly kept, clothing mostly changed, some new.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
from pypinyin import Style, lazy_pinyin

from .names import SURNAME_WEIGHTS, char_key

MALE_CHARS = ("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国文志春海东峰兵成忠德福生金山荣新江"
              "永贵祥发庆立全长胜利光武松亮民才友义良清玉宝安家根富贤振洪卫学")
FEMALE_CHARS = ("芳娜敏静丽艳娟霞秀英玲桂兰红梅琳燕婷雪慧莉萍华珍凤琴云洁倩颖佳玉月莲春花翠亚金秋菊美彩琼素淑荣爱"
                "香娥巧小晓丹")
# Characters only used as replacements (homophones and dialect confusions of the name characters).
EXTRA_CHARS = ("卫未为维魏薇韦尉蔚位危微威唯惟围嵬伟玮炜苇纬军君均钧俊峻骏郡珺强墙蔷锵磊雷蕾垒泪类勇永涌咏泳拥"
               "杰洁捷婕劫节结桀涛滔韬焘桃陶淘斌彬宾滨缤冰兵炳明鸣铭茗名冥民敏闽皿刚钢纲岗港平萍评苹凭坪辉慧"
               "惠会晖灰徽挥恢回鹏朋彭蓬棚华花化桦画话发法飞菲非妃霏肥翡斐鑫心欣新馨芯辛昕信波博柏伯勃泊宇雨"
               "语羽玉宇禹浩昊好号豪皓郝凯恺铠楷健建剑俭坚帆凡番繁樊帅率旭绪序续叙宁凝柠泞龙隆珑农浓侬脓林琳"
               "麟霖玲灵凌岭领令宁宏红洪鸿虹弘泓横衡恒珩亨芬粉奋分纷福富付傅芙扶服伏湖胡虎互户护壶方芳房坊防"
               "仿放荒黄皇凰煌璜晃谎惶张章彰樟漳璋掌长昌畅常倡唱厂尝赵照招昭召钊兆周州洲舟粥宙皱邹走奏揍曾增"
               "赠争征正证政整郑睁振震镇珍真针侦陈晨辰沉臣尘程成城承呈诚乘橙盛胜圣晟声生笙升森深申伸身绅沈审"
               "燕艳彦雁言颜岩严眼演连莲联廉涟年念娘宁南男兰蓝澜篮岚难楠囡牛留流刘柳六溜陆路鹿露禄录努怒鲁"
               "吕旅律女绿")
MARKS = ("左眉有痣", "右脸有黑痣", "额头有疤痕", "左手缺小指", "右手食指残缺", "左臂有纹身", "右臂有刺青", "镶金牙",
         "门牙缺失", "驼背", "走路跛行", "说话口吃", "秃顶", "满头白发", "戴近视眼镜", "左耳失聪", "右眼失明",
         "脖子有胎记", "后背有烫伤疤", "嘴角有痣", "耳垂有洞", "腿部有手术疤", "体型偏瘦", "体型偏胖", "方脸",
         "圆脸", "瓜子脸", "大眼睛", "浓眉", "小眼睛", "皮肤黝黑", "皮肤白皙", "双眼皮", "塌鼻梁", "招风耳",
         "下巴有疤", "手背有烫伤", "右腿有钢板", "智力偏低", "言语不清", "听力不好", "左手六指", "头部有伤疤")
COLOURS = ("黑色", "蓝色", "灰色", "红色", "白色", "绿色", "黄色", "紫色", "棕色", "军绿色", "深蓝色", "粉色", "花格子")
GARMENTS = ("羽绒服", "夹克", "棉袄", "外套", "毛衣", "衬衫", "T恤", "运动服", "裤子", "牛仔裤", "布鞋", "运动鞋",
            "拖鞋", "帽子", "围巾", "长裙", "背心", "中山装")
CLOTHING = tuple(c + g for c in COLOURS for g in GARMENTS)

STRATA = {"exact": 0.22, "homophone": 0.12, "dialect": 0.12, "surname_only": 0.10, "given_only": 0.10,
          "nickname": 0.08, "empty": 0.14, "false_name": 0.12}
TODAY = dt.date(2026, 11, 30)
_EPOCH = dt.date(1970, 1, 1)


def _zipf(n: int, s: float = 1.0) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


@functools.lru_cache(maxsize=1)
def counties() -> np.ndarray:
    """County codes in force (python-stdnum's GB/T 2260 via the core's reader)."""
    from jiuzhu.core.regions import national_regions

    return np.array([int(r["code"]) for r in national_regions() if r["level"] == "county"], np.int64)


@functools.lru_cache(maxsize=1)
def _sound_tables() -> tuple[dict, dict]:
    """pinyin -> characters and sound key -> characters over every character used in names."""
    pool = sorted(set(MALE_CHARS + FEMALE_CHARS + EXTRA_CHARS + "".join(SURNAME_WEIGHTS)))
    by_pinyin: dict[str, list[str]] = {}
    by_key: dict[str, list[str]] = {}
    for char in pool:
        by_pinyin.setdefault(lazy_pinyin(char, style=Style.NORMAL)[0], []).append(char)
        by_key.setdefault(char_key(char), []).append(char)
    return by_pinyin, by_key


def _homophone(char: str, rng: np.random.Generator) -> str | None:
    by_pinyin, _ = _sound_tables()
    options = [c for c in by_pinyin.get(lazy_pinyin(char, style=Style.NORMAL)[0], []) if c != char]
    return options[rng.integers(len(options))] if options else None


def _dialect(char: str, rng: np.random.Generator) -> str | None:
    """A character with the same folded key but a different pinyin (刘/牛, 黄/方, 陈/程)."""
    _by_pinyin, by_key = _sound_tables()
    pinyin = lazy_pinyin(char, style=Style.NORMAL)[0]
    options = [c for c in by_key.get(char_key(char), []) if lazy_pinyin(c, style=Style.NORMAL)[0] != pinyin]
    return options[rng.integers(len(options))] if options else None


def _names(n: int, male: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    surnames = np.array(list(SURNAME_WEIGHTS))
    w = np.array(list(SURNAME_WEIGHTS.values()))
    surname = surnames[rng.choice(len(surnames), n, p=w / w.sum())]
    given = np.empty(n, dtype=object)
    for is_male, chars in ((True, MALE_CHARS), (False, FEMALE_CHARS)):
        rows = np.flatnonzero(male == is_male)
        pool = np.array(list(chars))
        p = _zipf(len(pool), 0.9)
        first = pool[rng.choice(len(pool), len(rows), p=p)]
        second = pool[rng.choice(len(pool), len(rows), p=p)]
        single = rng.random(len(rows)) < 0.3
        given[rows] = np.where(single, first, np.char.add(first, second))
    return surname, given.astype(str)


def _features(n: int, rng: np.random.Generator) -> np.ndarray:
    """Marks and clothing as index pairs (the text is joined with '，')."""
    marks = rng.integers(0, len(MARKS), (n, 2))
    marks[:, 1] = (marks[:, 0] + rng.integers(1, len(MARKS), n)) % len(MARKS)  # two different marks
    clothes = rng.integers(0, len(CLOTHING), (n, 2))
    clothes[:, 1] = (clothes[:, 0] + rng.integers(1, len(CLOTHING), n)) % len(CLOTHING)
    return np.concatenate([marks, clothes + len(MARKS)], axis=1)


_ITEMS = np.array(MARKS + CLOTHING)


def _join(items: list[int]) -> str:
    return "，".join(_ITEMS[items])


def generate_reports(n: int, seed: int = 0, *, start: int = 1, prefix: str = "R") -> pd.DataFrame:
    """``n`` reports with the match-csv report columns (typed: ints, floats, dates; empty as None/NaN), plus
    the hidden truth clients are derived from (``true_height``, ``true_last_seen``, ``items``)."""
    rng = np.random.default_rng(seed)
    male = rng.random(n) < 0.6
    surname, given = _names(n, male, rng)
    group = rng.choice(3, n, p=[0.35, 0.45, 0.20])  # elderly (dementia), adults, young
    birth_year = np.select([group == 0, group == 1], [rng.integers(1930, 1962, n), rng.integers(1962, 2002, n)],
                           rng.integers(2002, 2020, n))
    true_height = np.where(male, rng.normal(169, 6.5, n), rng.normal(158, 6, n))
    true_height = np.where(birth_year > 2010, true_height - (birth_year - 2010) * 5, true_height).round()
    # Families estimate heights: mostly within a few centimetres, one in ten off by up to 15.
    error = np.where(rng.random(n) < 0.9, rng.normal(0, 2.5, n), rng.uniform(-15, 15, n))
    height = np.where(rng.random(n) < 0.65, (true_height + error).round(), np.nan)
    county_pool = counties()
    hukou = county_pool[rng.integers(0, len(county_pool), n)]
    missing = rng.integers((dt.date(2005, 1, 1) - _EPOCH).days, (dt.date(2026, 10, 31) - _EPOCH).days, n)
    true_last_seen = _move(hukou, rng.choice(4, n, p=[0.55, 0.2, 0.15, 0.1]), rng)
    items = _features(n, rng)
    features = pd.Series(_ITEMS[items[:, 0]]).str.cat([pd.Series(_ITEMS[items[:, i]]) for i in range(1, 4)],
                                                      sep="，")
    features[rng.random(n) < 0.08] = ""
    birth_known = rng.random(n) >= 0.03
    missing_known = rng.random(n) >= 0.05
    seen_known = rng.random(n) >= 0.1
    return pd.DataFrame({
        "report_id": [f"{prefix}{i}" for i in range(start, start + n)],
        "name": np.char.add(surname, given),
        "sex": np.where(male, "男", "女"),
        "birth_year": np.where(birth_known, birth_year, -1),
        "height_cm": height,
        "hukou_region_code": hukou.astype(str),
        "missing_date": [(_EPOCH + dt.timedelta(days=int(d))).isoformat() if k else ""
                         for d, k in zip(missing, missing_known, strict=True)],
        "last_seen_region_code": np.where(seen_known, true_last_seen.astype(str), ""),
        "features": features.to_numpy(),
        "true_birth_year": birth_year,
        "true_height": true_height,
        "true_missing_day": missing,
        "true_last_seen": true_last_seen,
        "items": list(items),
    }).assign(birth_year=lambda d: d["birth_year"].where(d["birth_year"] > 0).astype("Int64"))


def _move(codes: np.ndarray, how: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """0 same county, 1 a county of the same city, 2 of the same province, 3 anywhere (sometimes the
    same county again: small cities have few counties)."""
    pool = np.sort(counties())
    out = codes.copy()
    for kind, digits in ((1, 100), (2, 10000)):
        rows = np.flatnonzero(how == kind)
        prefix = codes[rows] // digits
        lo = np.searchsorted(pool, prefix * digits)
        hi = np.searchsorted(pool, (prefix + 1) * digits)
        out[rows] = pool[np.minimum(lo + (rng.random(len(rows)) * (hi - lo)).astype(np.int64), len(pool) - 1)]
    anywhere = np.flatnonzero(how == 3)
    out[anywhere] = pool[rng.integers(0, len(pool), len(anywhere))]
    return out


def _misheard(text: str, swap, rng: np.random.Generator) -> str:
    """One character replaced by a homophone or a dialect confusion (when the pool has one)."""
    chars = list(text)
    for i in rng.permutation(len(chars)):
        other = swap(chars[i], rng)
        if other:
            chars[i] = other
            return "".join(chars)
    return text


def _noisy_name(name: str, stratum: str, male: bool, rng: np.random.Generator) -> str:
    from .names import split_name

    surname, given = split_name(name)
    if stratum == "exact":
        return name
    if stratum in ("homophone", "dialect"):
        return _misheard(name, _homophone if stratum == "homophone" else _dialect, rng)
    # Partial names are misheard too, now and then.
    if stratum in ("surname_only", "given_only", "nickname") and rng.random() < 0.2:
        surname, given = (_misheard(part, _homophone if rng.random() < 0.5 else _dialect, rng)
                          for part in (surname, given))
    if stratum == "surname_only":
        return [f"老{surname}", f"{surname}某", surname][rng.choice(3, p=[0.4, 0.2, 0.4])]
    if stratum == "given_only":
        return given
    if stratum == "nickname":
        return ("小" if rng.random() < 0.6 else "阿") + given[-1]
    if stratum == "empty":
        return "" if rng.random() < 0.8 else "无名氏"
    # A false name: a name of someone else entirely.
    surnames = list(SURNAME_WEIGHTS)
    chars = MALE_CHARS if male else FEMALE_CHARS
    return surnames[rng.integers(len(surnames))] + "".join(chars[rng.integers(len(chars))]
                                                           for _ in range(rng.integers(1, 3)))


def generate_clients(reports: pd.DataFrame, n: int, seed: int = 1, *, strata: dict | None = None) -> pd.DataFrame:
    """``n`` clients, each derived from a distinct report (``true_report_id``, ``stratum``)."""
    rng = np.random.default_rng(seed)
    strata = strata or STRATA
    names, p = list(strata), np.array(list(strata.values()))
    picks = rng.choice(len(reports), n, replace=False)
    rows = []
    for k, i in enumerate(picks):
        r = reports.iloc[i]
        stratum = names[rng.choice(len(names), p=p / p.sum())]
        male = r["sex"] == "男"
        gap = int(rng.choice([rng.integers(0, 31), rng.integers(31, 366), rng.integers(366, 1826),
                              rng.integers(1826, 5500)], p=[0.4, 0.3, 0.2, 0.1]))
        found_day = min(int(r["true_missing_day"]) + gap, (TODAY - _EPOCH).days)
        found = _EPOCH + dt.timedelta(days=found_day)
        true_age = found.year - int(r["true_birth_year"]) - int(rng.random() < 0.5)
        estimate = true_age + int(rng.random() < 0.3) + int(np.clip(round(rng.normal(0, 4)), -10, 10))
        hukou = int(r["hukou_region_code"])
        accent = [hukou, hukou // 100 * 100, hukou // 10000 * 10000,
                  int(counties()[rng.integers(len(counties()))]) // 10000 * 10000, 0][
            rng.choice(5, p=[0.2, 0.2, 0.3, 0.08, 0.22])]
        found_place = int(_move(np.array([int(r["true_last_seen"])]), rng.choice(4, 1, p=[0.45, 0.2, 0.15, 0.2]),
                                rng)[0])
        items = [int(x) for x in r["items"]]
        kept = [x for x in items[:2] if rng.random() < 0.6] + [x for x in items[2:] if rng.random() < 0.35]
        new = list(_features(1, rng)[0][rng.permutation(4)[: rng.integers(0, 3)]])
        features = _join(kept + new) if rng.random() >= 0.1 else ""
        rows.append({
            "client_id": f"C{k + 1}",
            "name": _noisy_name(r["name"], stratum, male, rng),
            "sex": r["sex"] if rng.random() >= 0.02 else "",
            "estimated_age": max(estimate, 0) if rng.random() >= 0.05 else None,
            "height_cm": float(r["true_height"] + rng.integers(-2, 3)) if rng.random() < 0.8 else None,
            "accent_region_code": str(accent) if accent else "",
            "found_date": found.isoformat(),
            "found_region_code": str(found_place),
            "features": features,
            "true_report_id": r["report_id"],
            "stratum": stratum,
        })
    return pd.DataFrame(rows)


PUBLIC_REPORT_COLUMNS = ["report_id", "name", "sex", "birth_year", "height_cm", "hukou_region_code",
                         "missing_date", "last_seen_region_code", "features"]
