"""Normalization keeps length (so offsets stay valid) and folds width, case, script, controls."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.text.normalize import PostingText, TextView, normalize


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
