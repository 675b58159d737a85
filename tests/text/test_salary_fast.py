"""The bounded 薪 search finds exactly what the plain `_MONTHS.search` finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.text import salary as S

ALPHABET = "薪 \t0123456789十一二三·•.x×*/月年k元"


def _span(text: str, after: int) -> tuple[int, int] | None:
    m = S._months_search(text, after)
    return None if m is None else m.span()


@settings(max_examples=600, deadline=None)
@given(st.text(ALPHABET, max_size=30), st.integers(0, 30))
def test_months_search_equals_plain_search(text: str, after: int) -> None:
    plain = S._MONTHS.search(text, after)
    assert _span(text, after) == (None if plain is None else plain.span())


def test_months_search_cases() -> None:
    assert _span("8-12k·13薪", 5) == (5, 9)
    assert _span("月薪8000，13薪", 3) == (7, 10)
    assert _span("12345薪", 0) == (3, 6)
    assert _span("· \t 14 薪", 0) == (0, 8)
    assert _span("薪资面议", 0) is None
