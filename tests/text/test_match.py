"""The compact matching form: folding, dropping separators, offsets back to the original."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.text.match import CLAUSE, SENTENCE, Folder
from verifier.text.normalize import normalize, translation_table

DIGITS = {"0": "零〇", "1": "一壹幺⑴❶", "3": "三叁⑶", "8": "八捌⑧❽"}


@pytest.fixture(scope="module")
def folder() -> Folder:
    return Folder(DIGITS)


@pytest.mark.parametrize(
    ("text", "compact", "index"),
    [
        ("先交 押 金", "先交押金", [0, 1, 3, 5]),
        ("刷*单", "刷单", [0, 2]),
        ("刷\u200b单", "刷单", [0, 2]),
        ("刷.单-兼_职", "刷单兼职", [0, 2, 4, 6]),
        ("ＶＸ：ａｂｃ", "vxabc", [0, 1, 3, 4, 5]),
        ("壹叁捌", "138", [0, 1, 2]),
        ("幺三八", "138", [0, 1, 2]),
        ("⑴⑶❽", "138", [0, 1, 2]),
        ("1️⃣3️⃣", "13", [0, 3]),
        ("加➕V", "加+v", [0, 1, 2]),
        ("a，b。c！d\ne", f"a{CLAUSE}b{SENTENCE}c{SENTENCE}d{SENTENCE}e", list(range(9))),
        ("", "", []),
        ("   ", "", []),
    ],
)
def test_compact(folder: Folder, text: str, compact: str, index: list[int]) -> None:
    c = folder.compact(normalize(text))
    assert c.text == compact
    assert c.index.tolist() == index


def test_span_gap_and_gap_before(folder: Folder) -> None:
    c = folder.compact(normalize("先交 押  金"))
    assert c.text == "先交押金"
    assert c.span(1, 4) == (1, 7)
    assert c.max_gap(1, 4) == 2
    assert c.max_gap(0, 2) == 0
    assert c.gap_before(2) == 1
    assert c.gap_before(0) > 1000


def test_key_goes_through_the_same_steps(folder: Folder) -> None:
    assert folder.key("先 繳*押-金") == "先缴押金"
    assert folder.key("一单一结") == "1单1结"
    assert folder.key("*** ...") == ""


def test_lone_surrogate_does_not_raise(folder: Folder) -> None:
    c = folder.compact(normalize("\ud800刷单" * 30))
    assert "刷单" in c.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_index_maps_every_compact_char_back(text: str) -> None:
    f = Folder(DIGITS)
    norm = normalize(text)
    c = f.compact(norm)
    idx = c.index.tolist()
    assert len(idx) == len(c.text)
    assert all(a < b for a, b in itertools.pairwise(idx))
    assert all(0 <= i < len(norm) for i in idx)
    assert all(c.text[k] == f.fold_char(norm[i]) for k, i in enumerate(idx))


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=64, max_size=400))
def test_numpy_normalize_equals_translate(text: str) -> None:
    assert normalize(text) == text.translate(translation_table())
