"""Joined compact forms: built from originals or from normalized texts, they are the same."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.text.match import Folder
from verifier.text.normalize import TextView, normalize

FOLDER = Folder({"1": "一壹⑴", "8": "八捌⑧"})
# Full-width, traditional, circled, compatibility and control characters, CJK Ext B.
CHARS = "ＡＢ１２（）．，。！\u3000\u200b\n\t壹⑧一八㈤㎏號碼微信刷單abcXYZ019 .-*/：；\U00020001"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(CHARS, max_size=80), min_size=1, max_size=3))
def test_join_original_equals_join_of_normalized(texts: list[str]) -> None:
    a = FOLDER.join_original(texts)
    b = FOLDER.join([normalize(t) for t in texts])
    assert a.starts == b.starts
    assert a.compact.text == b.compact.text
    assert np.array_equal(a.compact.index, b.compact.index)
    assert a.compact_starts == b.compact_starts


def test_joined_fields_and_offsets() -> None:
    j = FOLDER.join_original(["刷 单", "", "加微信"])
    assert j.compact.text == "刷单。。加微信"
    assert j.starts == (0, 4, 5)
    assert j.compact_starts == (0, 3, 4)
    assert [j.field_of(i) for i in (0, 3, 4, 5, 7)] == [0, 0, 1, 2, 2]
    assert [j.compact_field_of(i) for i in (0, 1, 3, 4, 6)] == [0, 0, 1, 2, 2]


def test_text_view_normalizes_once_on_first_use() -> None:
    view = TextView.of("ＡＢ號")
    assert view.original == "ＡＢ號"
    assert view.norm == "ab号"
    assert view.norm is view.norm
    assert TextView("x", "y").norm == "y"
