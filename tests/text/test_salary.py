"""The salary notation parser: every notation family, bad input, and its invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.text.salary import find_pay, parse
from verifier.text.salary_numbers import chinese_to_number

# (text, min, max, unit, months_per_year, monthly_min, monthly_max)
NOTATIONS = [
    ("8k-12k", 8000, 12000, "month", None, 8000, 12000),
    ("8K-12K", 8000, 12000, "month", None, 8000, 12000),
    ("8-12K·13薪", 8000, 12000, "month", 13, 8000, 12000),
    ("25-35K·16薪", 25000, 35000, "month", 16, 25000, 35000),
    ("8-12k x 14", 8000, 12000, "month", 14, 8000, 12000),
    ("8-12K*15薪", 8000, 12000, "month", 15, 8000, 12000),
    ("4001-6000", 4001, 6000, "month", None, 4001, 6000),
    ("8000-12000元/月", 8000, 12000, "month", None, 8000, 12000),
    ("1-1.5万/月", 10000, 15000, "month", None, 10000, 15000),
    ("0.8-1.3万/月", 8000, 13000, "month", None, 8000, 13000),
    ("0.8-1.2万", 8000, 12000, "month", None, 8000, 12000),
    ("6-8千/月", 6000, 8000, "month", None, 6000, 8000),
    ("8千-1.2万", 8000, 12000, "month", None, 8000, 12000),
    ("5000-1万", 5000, 10000, "month", None, 5000, 10000),
    ("20-40万/年", 200000, 400000, "year", None, 200000 / 12, 400000 / 12),
    ("15-25万", 150000, 250000, "year", None, 12500, 250000 / 12),
    ("年薪15-25万", 150000, 250000, "year", None, 12500, 250000 / 12),
    ("300-330元/天", 300, 330, "day", None, 300 * 21.75, 330 * 21.75),
    ("150元/天", 150, 150, "day", None, 150 * 21.75, 150 * 21.75),
    ("25元/时", 25, 25, "hour", None, 25 * 174, 25 * 174),
    ("25元/小时", 25, 25, "hour", None, 25 * 174, 25 * 174),
    ("100-120元/时", 100, 120, "hour", None, 100 * 174, 120 * 174),
    ("1000-2000元/周", 1000, 2000, "week", None, 1000 * 4.35, 2000 * 4.35),
    ("100万以上/年", 1000000, None, "year", None, 1000000 / 12, None),
    ("10万以上/月", 100000, None, "month", None, 100000, None),
    ("1.5千以下/月", None, 1500, "month", None, None, 1500),
    ("2万以下/年", None, 20000, "year", None, None, 20000 / 12),
    ("综合薪资8000+", 8000, None, "month", None, 8000, None),
    ("八千", 8000, 8000, "month", None, 8000, 8000),
    ("一万二", 12000, 12000, "month", None, 12000, 12000),
    ("月薪八千到一万二", 8000, 12000, "month", None, 8000, 12000),
    ("三千五百元/月", 3500, 3500, "month", None, 3500, 3500),
    ("８ｋ－１２ｋ", 8000, 12000, "month", None, 8000, 12000),
    ("８０００－１２０００元／月", 8000, 12000, "month", None, 8000, 12000),
    (" 8 - 12 K ", 8000, 12000, "month", None, 8000, 12000),
    ("[8-12K]", 8000, 12000, "month", None, 8000, 12000),
    ("【1-1.5万/月】", 10000, 15000, "month", None, 10000, 15000),
    ("😀8k-12k🔥", 8000, 12000, "month", None, 8000, 12000),
    ("8,000-12,000元/月", 8000, 12000, "month", None, 8000, 12000),
    ("20-40万/年·13薪", 200000, 400000, "year", 13, 200000 / 13, 400000 / 13),
]


@pytest.mark.parametrize(("text", "lo", "hi", "unit", "months", "mlo", "mhi"), NOTATIONS)
def test_notation_families(
    text: str, lo: float | None, hi: float | None, unit: str, months: int | None,
    mlo: float | None, mhi: float | None,
) -> None:
    p = parse(text)
    assert p.status == "ok", p.reason
    assert (p.min, p.max, p.unit, p.months_per_year) == (lo, hi, unit, months)
    for got, want in ((p.monthly_min, mlo), (p.monthly_max, mhi)):
        assert (got is None and want is None) or math.isclose(got or 0, want or 0)


@pytest.mark.parametrize(
    ("text", "status"),
    [("面议", "negotiable"), ("薪资面议", "negotiable"), ("待遇面谈", "negotiable"),
     ("", "empty"), ("   ", "empty"), ("[]", "empty"), ("-", "empty"), ("暂无", "empty"),
     ("abc", "unread"), ("五险一金", "unread"), ("工资高", "unread"), ("😀🔥", "unread"),
     ("150-200", "unread")],  # 150-200 with no unit: hourly? daily? monthly? not guessed
)
def test_no_figures(text: str, status: str) -> None:
    p = parse(text)
    assert p.status == status
    assert (p.min is None and p.max is None) or status == "unread"


@pytest.mark.parametrize(
    ("text", "base_only", "commission", "open_ended", "cadence"),
    [("底薪3000+提成", True, True, None, None),
     ("底薪3000元+绩效", True, True, None, None),
     ("综合薪资8000+", False, False, "above", None),
     ("3000起", False, False, "above", None),
     ("日结 200元/天", False, False, None, "日结"),
     ("8-12K", False, False, None, None)],
)
def test_extras(text: str, base_only: bool, commission: bool, open_ended: str | None,
                cadence: str | None) -> None:
    p = parse(text)
    assert (p.base_only, p.commission, p.open_ended, p.cadence) == (
        base_only, commission, open_ended, cadence)


@pytest.mark.parametrize(
    ("text", "issue", "lo", "hi"),
    [("12-8k", "reversed", 8000, 12000), ("9000-6000元/月", "reversed", 6000, 9000),
     ("-3000", "negative", -3000, -3000), ("0元/月", "zero", 0, 0),
     ("8-12K·9薪", "months_unusual", 8000, 12000)],
)
def test_bad_values_become_issues(text: str, issue: str, lo: float, hi: float) -> None:
    p = parse(text)
    assert issue in p.issues
    assert (p.min, p.max) == (lo, hi)


def test_huge_number_is_not_an_exception() -> None:
    p = parse("99999999999999999999999K")
    assert p.status == "unread" and "absurd" in p.issues


def test_currency_and_negotiable_with_figures() -> None:
    assert parse("3000美元/月").currency == "USD"
    p = parse("8-12K 可面议")
    assert p.status == "ok" and p.negotiable


@pytest.mark.parametrize(("text", "value"), [("八千", 8000), ("一万二", 12000), ("三千五", 3500),
                                             ("十二", 12), ("两万", 20000), ("五", 5)])
def test_chinese_numerals(text: str, value: float) -> None:
    assert chinese_to_number(text) == value


def test_spans_point_into_the_original() -> None:
    text = "月薪：８－１２Ｋ·13薪"
    p = parse(text)
    assert text[p.start:p.end] == "８－１２Ｋ"


def test_find_pay_in_description() -> None:
    text = "岗位职责：数据录入。薪资：底薪2000+提成；五险一金，月薪可达8-12K。"
    found = find_pay(text)
    assert [(f.min, f.max) for f in found] == [(2000, 2000), (8000, 12000)]
    assert [text[f.start:f.end] for f in found][1].startswith("8-12K")
    assert find_pay("公司成立于2010年，员工300人。") == []


@given(st.text(max_size=60))
@settings(max_examples=400, deadline=None)
def test_parse_never_raises_and_never_min_over_max(text: str) -> None:
    p = parse(text)
    assert p.status in ("ok", "negotiable", "empty", "unread")
    if p.min is not None and p.max is not None:
        assert p.min <= p.max
    for v in (p.min, p.max, p.monthly_min, p.monthly_max):
        assert v is None or math.isfinite(v)


_PIECES = st.sampled_from(
    ["8", "12", "0", "-", "~", "至", "k", "K", "万", "千", "元", "/月", "/年", "/天", "/时",
     "·13薪", "以上", "以下", "+", "面议", "底薪", "提成", "八千", "一万二", "９", "１", " ",
     "99999999999999", ".", "1.5", "【", "】", "😀"]
)


@given(st.lists(_PIECES, max_size=8).map("".join))
@settings(max_examples=600, deadline=None)
def test_salary_like_noise_never_raises(text: str) -> None:
    p = parse(text)
    if p.min is not None and p.max is not None:
        assert p.min <= p.max
    assert 0 <= p.start <= p.end <= len(text) or p.status != "ok"
