"""Names as clients give them: full, surname only, given name only, nicknames, nothing.

A name is split into surname and given name (compound surnames such as 欧阳 first). Sound keys come from
the core (``jiuzhu.core.identity.name_sound_key``: zh/z, ch/c, sh/s, n/l, f/h, -ng/-n folded), computed per
part so that a surname alone gets its surname reading (单 shan) and a full name's key is its parts' keys.
Keys are cached: a table of a million reports holds far fewer distinct surnames and given names.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from jiuzhu.core.identity import name_sound_key

# The most common surnames with their approximate share of the population in per mille (2020 census
# order); the generator draws from it and the parser recognises these (and EXTRA_SURNAMES) as surnames.
SURNAME_WEIGHTS: dict[str, float] = {
    "王": 71.5, "李": 71.4, "张": 68.6, "刘": 53.8, "陈": 46.9, "杨": 31.0, "黄": 25.9, "赵": 21.8, "吴": 20.7,
    "周": 20.4, "徐": 15.2, "孙": 15.0, "马": 14.7, "朱": 13.9, "胡": 13.1, "郭": 11.8, "何": 11.8, "林": 11.3,
    "高": 11.2, "罗": 11.0, "郑": 10.3, "梁": 9.8, "谢": 8.5, "宋": 8.3, "唐": 8.0, "许": 7.7, "韩": 7.5,
    "邓": 7.4, "冯": 7.4, "曹": 7.2, "彭": 7.0, "曾": 6.6, "肖": 6.5, "田": 6.1, "董": 6.0, "潘": 5.8,
    "袁": 5.8, "蔡": 5.6, "蒋": 5.6, "余": 5.5, "于": 5.4, "杜": 5.3, "叶": 5.2, "程": 5.1, "魏": 5.0,
    "苏": 4.9, "吕": 4.8, "丁": 4.7, "任": 4.6, "卢": 4.5, "姚": 4.4, "沈": 4.3, "钟": 4.2, "姜": 4.1,
    "崔": 4.0, "谭": 3.9, "陆": 3.8, "范": 3.7, "汪": 3.6, "廖": 3.5, "石": 3.5, "金": 3.4, "韦": 3.3,
    "贾": 3.2, "夏": 3.1, "付": 3.1, "方": 3.0, "邹": 2.9, "熊": 2.9, "白": 2.8, "孟": 2.8, "秦": 2.7,
    "邱": 2.7, "侯": 2.6, "江": 2.6, "尹": 2.5, "薛": 2.5, "闫": 2.4, "段": 2.4, "雷": 2.3, "龙": 2.3,
    "黎": 2.2, "史": 2.2, "陶": 2.1, "贺": 2.1, "毛": 2.0, "郝": 2.0, "顾": 1.9, "龚": 1.9, "邵": 1.8,
    "万": 1.8, "覃": 1.7, "武": 1.7, "钱": 1.7, "戴": 1.6, "严": 1.6, "欧阳": 0.6, "莫": 1.5, "孔": 1.5,
    "向": 1.4, "常": 1.4, "汤": 1.4, "康": 1.3, "易": 1.3, "乔": 1.3, "赖": 1.3, "文": 1.2, "牛": 1.2,
    "单": 0.6, "宁": 0.8, "聂": 0.9, "柴": 0.6, "上官": 0.1, "诸葛": 0.1, "司马": 0.1,
}
EXTRA_SURNAMES = set(
    "葛洪兰饶倪涂温殷庞翟柳焦耿申鲁祝左齐包章俞管蒙车解关柯卓凌游靳尚岳芦傅甘季詹华邢施阮舒苗辛纪童鲍梅"
    "欧伍鞠阎花"
) | {"东方", "皇甫", "尉迟", "公孙", "慕容", "夏侯", "令狐", "宇文", "长孙", "司徒", "端木", "独孤", "南宫"}
SURNAMES = set(SURNAME_WEIGHTS) | EXTRA_SURNAMES
COMPOUND_SURNAMES = {s for s in SURNAMES if len(s) == 2}

# What clients and staff write when there is no name.
NO_NAME = {"", "无名氏", "无名", "不详", "未知", "不知道", "无", "某某", "男", "女", "佚名", "待查"}
_SPACES = re.compile(r"[\s·•.．、,，]+")


@dataclass(frozen=True)
class NameParts:
    """What a name string says. ``kind``: full / surname / given / nickname / none."""

    kind: str
    surname: str = ""
    given: str = ""


def clean_name(text: object) -> str:
    if text is None:
        return ""
    s = _SPACES.sub("", str(text)).strip()
    return "" if s in NO_NAME else s


def split_name(name: str) -> tuple[str, str]:
    """A full name into (surname, given): compound surnames first, else the first character."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def parse_client_name(text: object) -> list[NameParts]:
    """The readings of what a client (or the staff questioning them) gave as a name, most likely first.

    - empty, 无名氏, 不详 -> none;
    - 老王 / 王某 / 王某某 -> surname; 小红 / 阿明 -> nickname (the character is a given-name character, or a
      surname when it is one: 小李);
    - one character -> surname if it is one, and given name;
    - two to four characters starting with a surname -> full name, and (two characters) also a given name
      (金花 may be 李金花's given name); otherwise a given name, and a full name too when the first character
      sounds like a surname (羽伟帅 for 余伟帅).
    """
    name = clean_name(text)
    if not name:
        return [NameParts("none")]
    if len(name) >= 2 and name.endswith("某"):
        base = name.rstrip("某")
        return [NameParts("surname", surname=base)] if base else [NameParts("none")]
    if len(name) == 2 and name[0] == "老":
        return [NameParts("surname", surname=name[1])]
    if len(name) == 2 and name[0] in "小阿":
        readings = [NameParts("nickname", given=name[1])]
        if name[1] in SURNAMES:
            readings.append(NameParts("surname", surname=name[1]))
        return readings
    if len(name) == 1:
        readings = [NameParts("surname", surname=name)] if name in SURNAMES else []
        return [*readings, NameParts("given", given=name)]
    surname, given = split_name(name)
    if surname in SURNAMES and given:
        readings = [NameParts("full", surname=surname, given=given)]
        if len(name) == 2:
            readings.append(NameParts("given", given=name))
        return readings
    if len(name) <= 4 and surname_key(surname) in surname_keys():
        # 羽伟帅: a misheard or miswritten surname (余) that sounds like one.
        return [NameParts("given", given=name), NameParts("full", surname=surname, given=given)]
    return [NameParts("given", given=name)]


@functools.lru_cache(maxsize=1)
def surname_keys() -> frozenset[str]:
    return frozenset(surname_key(s) for s in SURNAMES)


def parse_report_name(text: object) -> tuple[str, str]:
    """A report's name is the family's: a full name (surname, given) or nothing."""
    name = clean_name(text)
    if not name:
        return "", ""
    surname, given = split_name(name)
    return surname, given


@functools.lru_cache(maxsize=65536)
def surname_key(surname: str) -> str:
    """The sound key of a surname read as a surname (单 -> san, from shan)."""
    if not surname:
        return ""
    # The core reads the first character of a name of two or more characters as a surname.
    return name_sound_key(surname + "一").rsplit(" ", 1)[0]


@functools.lru_cache(maxsize=262144)
def given_key(given: str) -> str:
    if not given:
        return ""
    return name_sound_key(given)


@functools.lru_cache(maxsize=65536)
def char_key(char: str) -> str:
    return name_sound_key(char) if char else ""
