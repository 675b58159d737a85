"""Registered capital strings seen in real registries → amount, currency, CNY."""

from __future__ import annotations

import pytest

from tests.factories import RULES
from verifier.registry.capital import CapitalParser


@pytest.fixture(scope="module")
def parser() -> CapitalParser:
    return CapitalParser.from_rules(RULES)


@pytest.mark.parametrize(
    ("raw", "amount", "currency", "cny", "assumed"),
    [
        ("100 万元", 1_000_000, "CNY", 1_000_000, False),
        ("50万人民币元", 500_000, "CNY", 500_000, False),
        ("100.000000万人民币", 1_000_000, "CNY", 1_000_000, False),
        ("1,000(万元人民币)", 10_000_000, "CNY", 10_000_000, False),
        ("3.1000(万元)", 31_000, "CNY", 31_000, False),
        ("230(万)", 2_300_000, "CNY", 2_300_000, False),
        ("1100 万元 人民币", 11_000_000, "CNY", 11_000_000, False),
        ("１００万元", 1_000_000, "CNY", 1_000_000, False),
        ("1.5元人民币", 1.5, "CNY", 1.5, False),
        ("2亿元", 200_000_000, "CNY", 200_000_000, False),
        ("8()", 80_000, "CNY", 80_000, True),
        ("12(万美元)", 120_000, "USD", 807_600, False),
        ("8493万美元", 84_930_000, "USD", 571_578_900, False),
        ("45 万元 美元", 450_000, "USD", 3_028_500, False),
        ("10(万元(港币))", 100_000, "HKD", 86_000, False),
        ("10(万香港元)", 100_000, "HKD", 86_000, False),
        ("0(万元人民币)", 0, "CNY", 0, False),
    ],
)
def test_parse(
    parser: CapitalParser, raw: str, amount: float, currency: str, cny: float, assumed: bool
) -> None:
    got = parser.parse(raw)
    assert got is not None
    assert got.amount == pytest.approx(amount)
    assert got.currency == currency
    assert got.cny == pytest.approx(cny)
    assert got.unit_assumed is assumed


@pytest.mark.parametrize("raw", [None, "", "N/A", "涂洪发", "万元"])
def test_no_number_is_no_capital(parser: CapitalParser, raw: str | None) -> None:
    assert parser.parse(raw) is None


def test_currency_without_rate_keeps_currency_but_no_cny() -> None:
    from verifier.registry.capital import CapitalConfig

    p = CapitalParser(CapitalConfig(currencies={"美元": "USD"}, rates={"CNY": 1.0}))
    got = p.parse("5万美元")
    assert got is not None and (got.currency, got.amount, got.cny) == ("USD", 50_000, None)
