"""ID number normalisation and name keys (jiuzhu.core.identity). No database needed."""

import datetime
import pickle

import pytest

from jiuzhu.core.identity import (
    IdNumberError,
    IdNumberInfo,
    id_check_char,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    name_pinyin,
    name_sound_key,
    normalize_id_number,
    parse_id_number,
)

# Example number from GB 11643-1999: 北京市朝阳区, born 1949-12-31, female, check character X.
GB_EXAMPLE = "11010519491231002X"


def reference_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 written out from the standard's weight table, only to cross-check
    the stdnum-based implementation."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def error_code(raw) -> str:
    with pytest.raises(IdNumberError) as info:
        normalize_id_number(raw)
    return info.value.code


# --- valid numbers and normalisation -------------------------------------------------------------


def test_gb_standard_example_is_valid():
    assert normalize_id_number(GB_EXAMPLE) == GB_EXAMPLE
    assert is_valid_id_number(GB_EXAMPLE)


@pytest.mark.parametrize(
    "first17", ["11010519491231002", "44052418800101001", "43052419900101123", "13050319670401001"]
)
def test_check_char_matches_iso_7064(first17):
    assert id_check_char(first17) == reference_check_char(first17)


def test_published_1880_example_has_right_check_char_but_is_too_old():
    # 440524188001010014 is a widely quoted example; its check character is right, but births
    # before 1890 are refused as impossible for living applicants.
    assert id_check_char("44052418800101001") == "4"
    assert error_code("440524188001010014") == "birth_date"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",  # lowercase x
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and Ｘ
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lowercase ｘ
        "\u3000" + GB_EXAMPLE + "\u3000",  # ideographic spaces around
        "  110105 19491231 002X\t\n",  # spaces inside and around
        "\ufeff" + GB_EXAMPLE + "\u200b",  # invisible BOM / zero-width space from copied text
    ],
)
def test_normalises_only_the_safe_forms(raw):
    assert normalize_id_number(raw) == GB_EXAMPLE


def test_15_digit_number_is_upgraded():
    info = parse_id_number("130503670401001")
    # 19 inserted after the region code; check character 6 by ISO 7064 MOD 11-2.
    assert info.number == "130503196704010016"
    assert info.number[17] == reference_check_char(info.number[:17])
    assert info.upgraded_from_15 is True
    assert info.birth_date == datetime.date(1967, 4, 1)
    assert info.sex == "M"
    assert normalize_id_number("130503670401001") == "130503196704010016"


def test_15_digit_number_with_x_is_refused():
    assert error_code("13050367040100X") == "format"


def test_retired_region_code_is_accepted():
    # 110103 崇文区 was merged into 东城区 in 2010; its numbers stay valid for life.
    number = make_id_number("110103", datetime.date(1975, 3, 8), 21)
    assert number == "11010319750308021X"
    assert is_valid_id_number(number)


def test_region_code_created_after_birth_year_is_accepted():
    # 430524 隆回县 is listed from 1986; numbers of people born earlier carry it anyway.
    number = make_id_number("430524", datetime.date(1980, 7, 15), 457)
    assert number == "430524198007154577"
    assert parse_id_number(number).region_code == "430524"


def test_parse_extracts_birth_date_sex_region():
    info = parse_id_number(GB_EXAMPLE)
    assert info == IdNumberInfo(
        number=GB_EXAMPLE,
        birth_date=datetime.date(1949, 12, 31),
        sex="F",
        region_code="110105",
        upgraded_from_15=False,
    )
    male = parse_id_number(make_id_number("430524", datetime.date(1990, 1, 1), 123))
    assert male.sex == "M"
    assert male.birth_date == datetime.date(1990, 1, 1)


@pytest.mark.parametrize("sequence", [0, 1, 2, 57, 998, 999])
def test_make_id_number_is_valid_and_sequence_parity_decides_sex(sequence):
    number = make_id_number("440106", datetime.date(2001, 2, 28), sequence)
    assert len(number) == 18
    assert number[17] == reference_check_char(number[:17])
    assert parse_id_number(number).sex == ("M" if sequence % 2 else "F")


def test_make_id_number_refuses_bad_input():
    with pytest.raises(ValueError):
        make_id_number("430524", datetime.date(1990, 1, 1), 1000)
    with pytest.raises(IdNumberError):
        make_id_number("990101", datetime.date(1990, 1, 1), 1)


# --- refused numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("\u3000 ", "empty"),
        (None, "empty"),
        ("11010519491231003X", "checksum"),
        ("430524198007154578", "checksum"),
        ("110105194902300028", "birth_date"),  # 30 February
        ("110105199013010011", "birth_date"),  # month 13
        ("110105" + f"{datetime.date.today().year + 1}0101" + "0011", "birth_date"),  # future
        ("990101199001011234", "region"),
        ("000000199001011234", "region"),
        ("430524********1234", "masked"),
        ("430524＊＊＊＊＊＊＊＊1234", "masked"),
        ("4.30524E+17", "excel_float"),
        ("4.30524199E+17", "excel_float"),
        ("4.30524199001011E+17", "excel_float"),
        ("4.30524e17", "excel_float"),
        ("430524199001011234.0", "excel_float"),
        (4.30524199001011e17, "excel_float"),  # a float straight from a spreadsheet reader
        ("430524198007154000", "excel_zeroed"),  # 430524198007154577 with its last 3 digits zeroed
        ("1101051949123100", "length"),
        ("11010519491231002X1", "length"),
        ("1101051949123100X2", "format"),
        ("110105-19491231-002X", "format"),
        ("11010519491231002Y", "format"),
    ],
)
def test_refused_with_reason(raw, code):
    assert error_code(raw) == code
    assert not is_valid_id_number(raw)


def test_messages_say_what_happened_and_what_to_do():
    with pytest.raises(IdNumberError) as info:
        normalize_id_number("4.30524E+17")
    assert str(info.value) == "身份证号码被Excel转成了数字，请将该列设为文本后重新导出"
    assert info.value.message == str(info.value)

    with pytest.raises(IdNumberError) as info:
        normalize_id_number("11010519491231003X")
    assert "身份证号码校验位错误（应为8，实为X）" in str(info.value)

    with pytest.raises(IdNumberError) as info:
        normalize_id_number("430524********1234")
    assert "身份证号码含有*号，是脱敏后的号码，不能用于登记" in str(info.value)

    with pytest.raises(IdNumberError) as info:
        normalize_id_number("430524198007154000")
    assert "Excel" in str(info.value) and "000" in str(info.value)

    with pytest.raises(IdNumberError) as info:
        normalize_id_number("990101199001011234")
    assert "990101" in str(info.value)


def test_zeroed_ending_that_happens_to_be_valid_is_accepted():
    # Ending in 000 is only suspicious when the check fails; this one is a consistent number.
    assert is_valid_id_number("430524199001011000")


def test_error_is_a_value_error_and_pickles():
    err = IdNumberError("checksum", "身份证号码校验位错误（应为8，实为X）")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.message) == (err.code, err.message)


# --- masking --------------------------------------------------------------------------------------


def test_mask_shows_first_6_and_last_4():
    assert mask_id_number("430524198007154577") == "430524********4577"
    assert mask_id_number(GB_EXAMPLE.lower()) == "110105********002X"


@pytest.mark.parametrize(
    "raw",
    ["not an id number at all", "4.30524199001011E+17", "12345678901", "１１０１０５１９４９１２３１００２"],
)
def test_mask_never_returns_garbage_whole(raw):
    masked = mask_id_number(raw)
    assert masked != raw
    assert "********" in masked
    assert len(masked) <= 18


def test_mask_short_and_empty_values():
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    assert mask_id_number("12345") == "********"


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("张三", "zhang san"),
        ("刘德华", "liu de hua"),
        ("吕布", "lv bu"),
        ("单田芳", "shan tian fang"),  # 单 as a surname
        ("曾志伟", "zeng zhi wei"),
        ("解晓东", "xie xiao dong"),
        ("欧阳修", "ou yang xiu"),
        ("阿依·古丽", "a yi gu li"),
        ("李 四", "li si"),
        ("John Smith", "john smith"),
        ("玛丽Ｍａｒｙ", "ma li mary"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_name_pinyin(name, pinyin):
    assert name_pinyin(name) == pinyin


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("刘德华", "牛德华"),  # n/l
        ("南", "兰"),  # n/l
        ("福", "胡"),  # f/h(u)
        ("方", "荒"),  # f/h(u) and ang
        ("陈", "程"),  # en/eng
        ("林", "玲"),  # in/ing
        ("孙", "顺"),  # s/sh
        ("周", "邹"),  # z/zh
        ("曹", "潮"),  # c/ch
        ("张三", "赃三"),  # zh/z, ang/an
        ("陈程", "程陈"),
    ],
)
def test_sound_key_collides_for_dialect_confusions(a, b):
    assert name_pinyin(a) != name_pinyin(b)
    assert name_sound_key(a) == name_sound_key(b)


@pytest.mark.parametrize(("a", "b"), [("张三", "李四"), ("王芳", "李芳"), ("刘德华", "刘德明"), ("陈", "曹")])
def test_sound_key_keeps_different_names_apart(a, b):
    assert name_sound_key(a) != name_sound_key(b)


def test_sound_key_format():
    assert name_sound_key("黄飞鸿") == "fan fei fong"
    assert name_sound_key("") == ""
    assert name_sound_key("John 张") == "john zan"


def test_an_id_number_field_says_what_is_wrong_on_its_field():
    import datetime as dt

    from jiuzhu.core.errors import DomainError
    from jiuzhu.core.identity import id_number_field, make_id_number

    assert id_number_field("  ") is None
    good = make_id_number("430524", dt.date(1975, 3, 8), 31)
    assert id_number_field(good).birth_date == dt.date(1975, 3, 8)
    with pytest.raises(DomainError) as blank:
        id_number_field("", "collector_id_number", label="接领人身份证号码", required=True)
    assert (blank.value.message, blank.value.field) == ("请填写接领人身份证号码", "collector_id_number")
    with pytest.raises(DomainError) as bad:
        id_number_field(good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert bad.value.message.startswith("身份证号码有误：") and bad.value.field == "id_number"
