"""The evidence compared for a client and a report, its levels and their Chinese labels.

Each comparator in comparators.py returns, for one client against many reports, an int8 array of level
indices into ``LEVELS[evidence]``. weights.json maps each (evidence, level) to a log2 likelihood ratio
log2(m/u), estimated on generated data (train.py).
"""

from __future__ import annotations

EVIDENCE_LABELS = {
    "name": "姓名",
    "sex": "性别",
    "age": "年龄",
    "height": "身高",
    "home": "口音或自述籍贯与户籍地",
    "place": "发现地与走失地",
    "time": "走失与发现的时间",
    "features": "体貌特征与衣着",
}

LEVELS: dict[str, tuple[str, ...]] = {
    # Order matters: the index is the level stored in the arrays.
    "name": ("unknown", "exact", "sound", "given_exact", "given_sound", "nickname", "surname", "partial",
             "surname_conflict", "given_conflict", "conflict"),
    "sex": ("unknown", "same", "conflict"),
    "age": ("unknown", "exact", "close", "near", "far"),
    "height": ("unknown", "exact", "close", "far", "conflict"),
    "home": ("unknown", "county", "city", "province", "other"),
    "place": ("unknown", "county", "city", "province", "other"),
    "time": ("unknown", "month", "year", "years", "long"),
    "features": ("unknown", "high", "medium", "low", "none"),
}

LEVEL_LABELS: dict[str, dict[str, str]] = {
    "name": {
        "unknown": "一方无姓名，不作比较",
        "exact": "姓名完全相同",
        "sound": "姓名读音相同或方言近音",
        "given_exact": "只知名字，与名字相同",
        "given_sound": "只知名字，与名字读音相近",
        "nickname": "小名或昵称（小X、阿X）与名字中的字相符",
        "surname": "只知姓氏（如老王、王某），姓氏相符",
        "partial": "姓氏读音相符且名字有一字读音相符",
        "surname_conflict": "只知姓氏，姓氏不符",
        "given_conflict": "只知名字，名字不符",
        "conflict": "姓名不符（可能是假名，仅作弱反证）",
    },
    "sex": {"unknown": "性别不详", "same": "性别相同", "conflict": "性别不符"},
    "age": {
        "unknown": "年龄或出生年份不详",
        "exact": "估计年龄与出生年份相符（含虚岁）",
        "close": "估计年龄相差不超过4岁",
        "near": "估计年龄相差不超过7岁",
        "far": "估计年龄相差8至11岁",
    },
    "height": {
        "unknown": "身高不详",
        "exact": "身高相差不超过3厘米",
        "close": "身高相差不超过7厘米",
        "far": "身高相差不超过12厘米",
        "conflict": "身高相差超过12厘米",
    },
    "home": {
        "unknown": "口音或籍贯不详",
        "county": "口音或自述籍贯与户籍同县",
        "city": "口音或自述籍贯与户籍同市",
        "province": "口音或自述籍贯与户籍同省",
        "other": "口音或自述籍贯与户籍不同省",
    },
    "place": {
        "unknown": "发现地或走失地不详",
        "county": "发现地与走失地同县",
        "city": "发现地与走失地同市",
        "province": "发现地与走失地同省",
        "other": "发现地与走失地不同省",
    },
    "time": {
        "unknown": "走失或发现日期不详",
        "month": "走失后一个月内被发现",
        "year": "走失后一年内被发现",
        "years": "走失后五年内被发现",
        "long": "走失五年以上后被发现",
    },
    "features": {
        "unknown": "一方无体貌特征描述",
        "high": "体貌特征与衣着高度相似",
        "medium": "体貌特征与衣着部分相似",
        "low": "体貌特征与衣着略有相似",
        "none": "体貌特征与衣着无共同之处",
    },
}

EVIDENCE = tuple(LEVELS)
