"""Resident ID numbers (公民身份号码, GB 11643-1999) and personal names.

Pure functions, no Django. See DOMAIN.md section 5 for how numbers look in real files.

ID numbers
----------
``normalize_id_number`` turns what an office's file contains into the canonical 18-character
number. It repairs only what is safe to repair: lowercase ``x``, full-width digits and ``Ｘ``,
spaces anywhere (also the ideographic space U+3000, tabs, no-break spaces and invisible
zero-width characters), and legacy 15-digit numbers (``19`` is inserted after the region code
and the check character computed). Everything else is refused with an ``IdNumberError`` whose
Chinese message says what happened and what the officer should do: numbers that Excel turned
into floats or whose last digits Excel zeroed, masked numbers copied from public notices, wrong
length, stray characters, impossible birth dates, unknown region codes and wrong check characters.

The region code is checked against every county code python-stdnum's GB/T 2260 table has ever
listed. A number keeps the code it was issued with for life, so retired codes (110103 崇文区)
and codes whose listed start is after the holder's birth year are both normal;
``stdnum.cn.ric.validate`` rejects the latter, so it is not used.

Names
-----
``name_pinyin`` gives toneless lowercase pinyin syllables joined by single spaces ("张三" ->
"zhang san"); ü is written ``v`` ("吕" -> "lv") so keys stay ASCII. pypinyin 0.55 has no
surname mode, so the first character of a full name is read from a small table of surnames
whose surname reading differs from the everyday one (单 shan, 曾 zeng, 解 xie, 仇 qiu ...).
Latin letters and digits are kept in lowercase; separators such as ``·`` and spaces are
dropped. Characters pypinyin does not know are kept as they are.

``name_sound_key`` folds the pinyin so that names officers commonly confuse by dialect get the
same key. Each syllable is folded on its own:

1. Initials: ``zh`` -> ``z``, ``ch`` -> ``c``, ``sh`` -> ``s``; ``n`` -> ``l`` (刘/牛, 南/兰).
2. ``f`` and ``h`` both become ``f``. Because dialects confuse ``f`` with ``hu``, a syllable
   starting with ``hu`` drops the ``u`` with the ``h``: ``huang`` -> ``fang`` (荒/方),
   ``hua`` -> ``fa``, ``hui`` -> ``fei`` and ``hun`` -> ``fen`` (pinyin ``ui``/``un`` are short
   for ``uei``/``uen``), ``huo`` -> ``fo``; plain ``hu`` becomes ``fu`` (胡/福). Other
   ``h`` syllables simply swap the letter: ``han`` -> ``fan``.
3. Finals: ``ang`` -> ``an``, ``eng`` -> ``en``, ``ing`` -> ``in``; so ``iang`` -> ``ian`` and
   ``uang`` -> ``uan`` follow (陈/程, 林/玲, 方/荒).

The key is for finding candidates, never for deciding that two people are the same.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin
from stdnum import numdb
from stdnum.cn import ric

__all__ = [
    "IdNumberError",
    "IdNumberInfo",
    "id_check_char",
    "is_valid_id_number",
    "make_id_number",
    "mask_id_number",
    "name_pinyin",
    "name_sound_key",
    "normalize_id_number",
    "parse_id_number",
]

EARLIEST_BIRTH_YEAR = 1890


class IdNumberError(ValueError):
    """An ID number was refused. ``code`` is a short English slug for programs and tests;
    ``message`` is Chinese and is shown to officers as it is (``str(e)`` returns it)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # ValueError would pickle only args=(message,); keep both so task queues can carry it.
        return (type(self), (self.code, self.message))


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F" from the 17th digit (odd = male)
    region_code: str  # first 6 digits
    upgraded_from_15: bool


# Full-width digits become ASCII; Ｘ, ｘ and x become X. The full-width forms of * . E + are mapped
# too, only so that masked numbers and Excel floats typed with a Chinese input method get the precise error
# message; those characters are always refused afterwards.
_FULLWIDTH = {0xFF10 + i: str(i) for i in range(10)}
_FULLWIDTH.update(
    {
        ord("Ｘ"): "X",
        ord("ｘ"): "X",
        ord("x"): "X",
        ord("＊"): "*",
        ord("．"): ".",
        ord("Ｅ"): "E",
        ord("ｅ"): "e",
        ord("＋"): "+",
    }
)
# Invisible characters that copying from web pages and Word leaves behind; like spaces, the
# officer cannot see them, so they are removed rather than reported.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_FULLWIDTH.update(_INVISIBLE)

_EXCEL_FLOAT = re.compile(r"\d+(\.\d*)?[eE][+-]?\d+")  # 4.30524E+17, 4.30524199001011E+17
_DECIMAL = re.compile(r"\d+\.\d*")  # 430524199001011234.0
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")


def id_check_char(first17: str) -> str:
    """The check character (0-9 or X) for the first 17 digits of a number."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise IdNumberError("format", "计算校验位需要17位数字")
    # stdnum expects the whole number and ignores its last character.
    return ric.calc_check_digit(first17 + "0")


@functools.lru_cache(maxsize=8192)
def _region_known(code: str) -> bool:
    """True if GB/T 2260 (as shipped with python-stdnum) ever listed this 6-digit county code."""
    parts = numdb.get("cn/loc").info(code)
    # info() splits the code into the prefixes it found; an unknown tail comes back as a part
    # with no properties. A known code is exactly province (2 digits) + county (4 digits).
    return (
        len(parts) == 2
        and "province" in parts[0][1]
        and "county" in parts[1][1]
        and len(parts[0][0]) + len(parts[1][0]) == 6
    )


def _clean(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float):
        # A spreadsheet cell read as a number (openpyxl, pandas): the digits are already lost.
        raise IdNumberError("excel_float", "身份证号码被Excel转成了数字，请将该列设为文本后重新导出")
    text = str(raw).translate(_FULLWIDTH)
    # str.split() without arguments splits on every Unicode space, including U+3000.
    return "".join(text.split())


def _birth_date(digits8: str) -> datetime.date:
    try:
        born = datetime.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:]))
    except ValueError:
        raise IdNumberError("birth_date", f"身份证号码中的出生日期（{digits8}）不存在，请核对号码") from None
    if born.year < EARLIEST_BIRTH_YEAR:
        raise IdNumberError(
            "birth_date", f"身份证号码中的出生日期（{digits8}）早于{EARLIEST_BIRTH_YEAR}年，请核对号码"
        )
    if born > datetime.date.today():
        raise IdNumberError("birth_date", f"身份证号码中的出生日期（{digits8}）晚于今天，请核对号码")
    return born


def _normalize(raw: object) -> tuple[str, bool]:
    """Canonical number and whether it was upgraded from 15 digits."""
    s = _clean(raw)
    if not s:
        raise IdNumberError("empty", "身份证号码为空，请填写")
    if "*" in s:
        raise IdNumberError(
            "masked", "身份证号码含有*号，是脱敏后的号码，不能用于登记，请向本人或原始档案核实完整号码"
        )
    if _EXCEL_FLOAT.fullmatch(s) or _DECIMAL.fullmatch(s):
        raise IdNumberError("excel_float", "身份证号码被Excel转成了数字，请将该列设为文本后重新导出")

    bad = [c for c in s if not ("0" <= c <= "9" or c == "X")]
    if bad:
        raise IdNumberError("format", f"身份证号码含有无效字符“{bad[0]}”，只能是数字，最后一位可以是X")
    upgraded = False
    if len(s) == 15:
        if not _ID15.fullmatch(s):
            raise IdNumberError("format", "15位旧身份证号码只能是数字，不应含有X，请核对号码")
        s = s[:6] + "19" + s[6:]
        s += id_check_char(s)
        upgraded = True
    elif len(s) != 18:
        raise IdNumberError("length", f"身份证号码应为18位（旧号码15位），实为{len(s)}位，请核对号码")
    elif not _ID18.fullmatch(s):
        raise IdNumberError("format", "身份证号码中X只能出现在最后一位，请核对号码")

    if not _region_known(s[:6]):
        raise IdNumberError("region", f"身份证号码前6位地区代码“{s[:6]}”不存在，请核对号码")
    _birth_date(s[6:14])
    expected = id_check_char(s[:17])
    if s[17] != expected:
        if s.endswith("000"):
            # Excel keeps 15 significant digits: a number stored as numeric loses its last three.
            raise IdNumberError(
                "excel_zeroed",
                "身份证号码末三位被Excel改成了000（Excel只保留15位数字），"
                "请将该列设为文本后从原始资料重新录入或导出",
            )
        raise IdNumberError(
            "checksum", f"身份证号码校验位错误（应为{expected}，实为{s[17]}），请核对号码是否抄错"
        )
    return s, upgraded


def normalize_id_number(raw: str) -> str:
    """The canonical 18-character number (uppercase X), or IdNumberError saying what is wrong."""
    return _normalize(raw)[0]


def parse_id_number(raw: str) -> IdNumberInfo:
    """Normalise the number and read birth date, sex and region code from it."""
    number, upgraded = _normalize(raw)
    return IdNumberInfo(
        number=number,
        birth_date=_birth_date(number[6:14]),
        sex="M" if int(number[16]) % 2 else "F",
        region_code=number[:6],
        upgraded_from_15=upgraded,
    )


def id_number_field(raw, field: str = "id_number", *, label: str = "身份证号码",
                    required: bool = False) -> IdNumberInfo | None:
    """An ID number typed in a form or sent in an API body: parsed (number, birth date, sex); None when blank
    and not required; a refused number is the field's Chinese error (core.errors.invalid), as every app says it."""
    from jiuzhu.core.errors import invalid

    if not str(raw or "").strip():
        if required:
            raise invalid(f"请填写{label}", field)
        return None
    try:
        return parse_id_number(raw)
    except IdNumberError as exc:
        raise invalid(f"{label}有误：{exc.message}", field) from None


def is_valid_id_number(raw: str) -> bool:
    try:
        _normalize(raw)
    except IdNumberError:
        return False
    return True


def make_id_number(region_code: str, birth_date: datetime.date, sequence: int) -> str:
    """A valid number for demo data and tests. An odd ``sequence`` (0..999) makes a man."""
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0..999")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    # Normalising checks the region code and the birth date range as for real input.
    return normalize_id_number(first17 + id_check_char(first17))


def mask_id_number(number: str) -> str:
    """``430524********1234``: first 6 and last 4 characters, 8 stars between.

    Safe on anything: a value that is not a valid number is masked the same way, and a value
    of 10 characters or fewer is replaced by stars entirely, so the input never comes back whole.
    """
    if number is None:
        return ""
    try:
        text = normalize_id_number(number)
    except IdNumberError:
        text = str(number).strip()
    if not text:
        return ""
    if len(text) <= 10:
        return "*" * 8
    return text[:6] + "*" * 8 + text[-4:]


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

# Surnames whose reading differs from what pypinyin gives for the character in ordinary words.
# Used only for the first character of a name of two or more characters.
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "秘": "bi",
    "句": "gou",
    "员": "yun",
    "繁": "po",
    "黑": "he",
    "折": "she",
    "召": "shao",
    "阚": "kan",
    "薄": "bo",
    "卜": "bu",
    "种": "chong",
    "祭": "zhai",
    "能": "nai",
}

_WORD = re.compile(r"[^\W_]+")


def _non_pinyin(chunk: str) -> list[str]:
    # pypinyin hands over runs it has no reading for: Latin text, digits, separators such as
    # "·" and spaces, and rare characters missing from its dictionary (kept as they are).
    return _WORD.findall(unicodedata.normalize("NFKC", chunk).lower())


def _name_tokens(name: str) -> list[tuple[str, bool]]:
    """(token, is_pinyin) pairs for a name."""
    name = (name or "").strip()
    if not name:
        return []
    tokens: list[tuple[str, bool]] = []
    # Tokens from the callback carry a NUL prefix so they can be told apart from syllables
    # (a Latin word such as "fang" looks like one).
    marked = lazy_pinyin(
        name, style=Style.NORMAL, errors=lambda chunk: ["\0" + w for w in _non_pinyin(chunk)]
    )
    for item in marked:
        if item.startswith("\0"):
            tokens.append((item[1:], False))
        else:
            tokens.append((item, True))
    if len(name) >= 2 and name[0] in _SURNAME_READINGS and tokens and tokens[0][1]:
        tokens[0] = (_SURNAME_READINGS[name[0]], True)
    return tokens


def name_pinyin(name: str) -> str:
    """Toneless lowercase pinyin, syllables joined by single spaces: "张三" -> "zhang san"."""
    return " ".join(token for token, _ in _name_tokens(name))


def _fold_syllable(s: str) -> str:
    # Initials (rules 1 and 2 of the module docstring).
    if s.startswith(("zh", "ch", "sh")):
        s = s[0] + s[2:]
    elif s.startswith("n") and len(s) > 1 and not s.startswith("ng"):
        s = "l" + s[1:]
    elif s.startswith("hu"):
        rest = s[2:]
        rest = {"": "u", "i": "ei", "n": "en"}.get(rest, rest)
        s = "f" + rest
    elif s.startswith("h"):
        s = "f" + s[1:]
    # Finals (rule 3).
    for long, short in (("ang", "an"), ("eng", "en"), ("ing", "in")):
        if s.endswith(long):
            return s[: -len(long)] + short
    return s


def name_sound_key(name: str) -> str:
    """Sound-alike key: names differing only by common dialect confusions share it."""
    return " ".join(_fold_syllable(token) if is_pinyin else token for token, is_pinyin in _name_tokens(name))
