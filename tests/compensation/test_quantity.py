"""Areas, money, prices, floors and dates as residents type them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.compensation.errors import InputError
from bot.compensation.quantity import (
    parse_area,
    parse_date,
    parse_floor,
    parse_money,
    parse_number,
    parse_unit_price,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("85", "85"),
        ("85.5", "85.5"),
        ("八十五平", "85"),
        ("85平方", "85"),
        ("85㎡", "85"),
        ("85平米", "85"),
        ("一百二十点五平方米", "120.5"),
        ("85 平方米", "85"),
        ("85m²", "85"),
        ("85 M2", "85"),
        ("８５．５㎡", "85.5"),  # full-width digits
        ("八十五个平方", "85"),
        ("约85平", "85"),
        ("一百零五平", "105"),
        ("两百平", "200"),
        ("一百二", "120"),  # colloquial
        ("九千九百九十九点九九", "9999.99"),
        ("10000", "10000"),
        ("0.01", "0.01"),
        ("1,200.5平方米", "1200.5"),
    ],
)
def test_area_accepted(text: str, expected: str) -> None:
    assert parse_area(text) == D(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写建筑面积"),
        ("   ", "请填写建筑面积"),
        ("abc", "没看懂建筑面积“abc”"),
        ("八十五平左右", "没看懂"),
        ("85平方公里", "没看懂"),
        ("1e3", "没看懂"),
        ("NaN", "没看懂"),
        ("inf", "没看懂"),
        ("85..5", "没看懂"),
        ("万", "没看懂"),
        ("0", "必须大于 0"),
        ("零平米", "必须大于 0"),
        ("-85", "不能是负数"),
        ("负八十五平", "不能是负数"),
        ("10000.01", "超出了合理范围"),
        ("一万零一平", "超出了合理范围"),
        ("85.123", "最多保留两位小数"),
        ("8" * 41, "太长了"),
    ],
)
def test_area_refused_with_a_chinese_message(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_area(text)


def test_unregistered_area_may_be_zero() -> None:
    assert parse_area("0", "未登记建筑面积", allow_zero=True) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20000", "20000"),
        ("2万", "20000"),
        ("两万元", "20000"),
        ("1.5万", "15000"),
        ("20,000元", "20000"),
        ("三万五千块", "35000"),
        ("3万5", "35000"),
        ("0", "0"),
        ("12345.67元", "12345.67"),
    ],
)
def test_money_accepted(text: str, expected: str) -> None:
    assert parse_money(text) == D(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [("很多", "没看懂"), ("-1", "不能是负数"), ("20亿", "超出了合理范围"), ("1.234", "最多保留两位小数")],
)
def test_money_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_money(text, "装修评估金额")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5200", "5200"),
        ("5200元/平方米", "5200"),
        ("5200元/㎡", "5200"),
        ("5200元每平", "5200"),
        ("五千二百元一平", "5200"),
        ("五千二百零一", "5201"),
        ("5123.45", "5123.45"),
    ],
)
def test_unit_price_accepted(text: str, expected: str) -> None:
    assert parse_unit_price(text) == D(expected)


@pytest.mark.parametrize(("text", "message"), [("0", "必须大于 0"), ("2000000", "超出了合理范围"), ("贵", "没看懂")])
def test_unit_price_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_unit_price(text)


@pytest.mark.parametrize(("text", "expected"), [("3", 3), ("3楼", 3), ("第三层", 3), ("十二楼", 12)])
def test_floor_accepted(text: str, expected: int) -> None:
    assert parse_floor(text) == expected


@pytest.mark.parametrize("text", ["0", "2.5", "顶楼", "-1", "999"])
def test_floor_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_floor(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-15", date(2026, 10, 15)),
        ("2026/10/5", date(2026, 10, 5)),
        ("2026.10.05", date(2026, 10, 5)),
        ("2026年10月15日", date(2026, 10, 15)),
        ("二〇二六年十月十五日", date(2026, 10, 15)),
        ("２０２６－１０－１５", date(2026, 10, 15)),
    ],
)
def test_date_accepted(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "不是一个真实的日期"),
        ("2026-13-01", "不是一个真实的日期"),
        ("明天", "请按 2026-10-15 这样的格式填写"),
        ("20261015", "请按 2026-10-15 这样的格式填写"),
        ("", "请填写签约日期"),
    ],
)
def test_date_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("十", "10"), ("十五", "15"), ("二十", "20"), ("一千零二十", "1020"), ("两万三", "23000"), ("零点五", "0.5")],
)
def test_chinese_numerals(text: str, expected: str) -> None:
    assert parse_number(text) == D(expected)


@pytest.mark.parametrize("text", ["十百", "五十五五", "万万", "点", "一点二点三", "3万2万", "百万千"])
def test_malformed_chinese_numerals(text: str) -> None:
    assert parse_number(text) is None


_DIGIT_CHARS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """A reference writer of Chinese numerals (0 < n < 10^8), independent of the parser."""

    def below_10000(k: int) -> str:
        out, zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = k // value % 10
            if digit == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += _DIGIT_CHARS[digit] + unit
        return out

    high, low = divmod(n, 10000)
    if not high:
        return below_10000(low)
    text = below_10000(high) + "万"
    if low:
        text += ("零" if low < 1000 else "") + below_10000(low)
    return text


@settings(database=None, max_examples=300)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert parse_number(to_chinese(n)) == n


@settings(database=None, max_examples=300)
@given(
    st.decimals(min_value=D("0.01"), max_value=D("10000"), places=2),
    st.sampled_from(["", "平", "平方", "平米", "平方米", "㎡", "m2", " 平方米"]),
)
def test_area_round_trip(area: Decimal, unit: str) -> None:
    assert parse_area(f"{area}{unit}") == area


@settings(database=None, max_examples=300)
@given(st.text(max_size=50))
def test_any_text_is_an_area_or_a_chinese_message(text: str) -> None:
    try:
        area = parse_area(text)
    except InputError as exc:
        assert str(exc) and any("\u4e00" <= c <= "\u9fff" for c in str(exc))
    else:
        assert D("0") < area <= D("10000")
