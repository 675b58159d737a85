"""Normalization keeps length (so offsets stay valid) and folds width, case, script, controls."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.text.normalize import PostingText, TextView, normalize, original_pattern


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("ＶＸ１２３", "vx123"),
        ("先繳押金", "先缴押金"),
        ("髮型後來", "发型后来"),
        ("刷\u200b单", "刷 单"),
        ("加\u3000微信", "加 微信"),
        ("（北京）", "(北京)"),
        ("①②", "12"),
        ("中文不变", "中文不变"),
        ("Hello", "hello"),
    ],
)
def test_folds(raw: str, norm: str) -> None:
    assert normalize(raw) == norm


@given(st.text(max_size=200))
def test_same_length_always(text: str) -> None:
    assert len(normalize(text)) == len(text)


def test_view_spans_map_back() -> None:
    view = TextView.of("请先繳押金２００元")
    i = view.norm.index("缴押金")
    assert view.original_span(i, i + 3) == "繳押金"


def test_posting_text_is_lazy_and_cached() -> None:
    pt = PostingText({"title": "ＡＢ", "description": ""})
    assert pt.view("title") is pt.view("title")
    assert pt.view("missing").norm == ""
    assert pt.names() == ["title"]


_LITERALS = ["百日招聘", "网上百日招聘", "押金", "wechat", "2022"]
# Characters that normalize onto the literals' characters (traditional, full-width, upper
# case) mixed with ones that do not, so generated texts hit, nearly hit and miss.
_ALPHABET = "百日招聘网上押金繳押網WECHATwechatＷｅ２０２2022 \u3000\u200b百招聘聯网上日"


@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_original_pattern_matches_where_the_normalized_text_does(text: str) -> None:
    on_original = original_pattern(_LITERALS)
    on_normalized = re.compile("|".join(sorted(map(re.escape, _LITERALS), key=len,
                                               reverse=True)))
    got = [m.span() for m in on_original.finditer(text)]
    want = [m.span() for m in on_normalized.finditer(normalize(text))]
    assert got == want


def test_original_pattern_reads_evasions_without_normalizing() -> None:
    pattern = original_pattern(["缴押金", "wechat"])
    assert pattern.search("請先繳押金") is not None  # traditional 繳
    assert pattern.search("先缴押\u3000金") is None  # a space between is not the literal
    assert pattern.search("加ＷｅＣｈａｔ") is not None  # full width, upper case
    assert original_pattern(["Ａ"]).search("aA") is None  # nothing normalizes to Ａ
    assert original_pattern([]).search("anything") is None
