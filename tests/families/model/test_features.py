"""Hashed n-gram features: deterministic, digits folded, evidence located in the text."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.families.model.features import grams, locate, tfidf

TEXT = st.text(alphabet="急招包吃住月入过万ab 12。\n", max_size=40)


@settings(deadline=None)  # a property, not a timing: the 200 ms default trips on a busy host
@given(TEXT, TEXT)
def test_every_bucket_locates_a_gram_that_hashes_to_it(title: str, desc: str) -> None:
    g = grams([("title", title), ("description", desc)], 12)
    texts = {"title": title, "description": desc}
    for k, b in enumerate(g.buckets.tolist()):
        field, start, end = locate(g, k)
        piece = texts[field][start:end]
        assert 1 <= len(piece) <= 3
        assert b in grams([(field, piece)], 12).buckets.tolist()


def test_counts_digits_folded_and_fields_salted() -> None:
    g = grams([("description", "电话138")], 16)
    assert int(g.counts.sum()) == 5 + 4 + 3  # 1-, 2- and 3-grams of five characters
    assert np.array_equal(grams([("description", "电话999")], 16).buckets, g.buckets)
    other = grams([("title", "电话138")], 16)
    assert not set(other.buckets.tolist()) & set(g.buckets.tolist())


def test_tfidf_is_unit_length() -> None:
    g = grams([("title", "急招普工"), ("description", "包吃住，月入过万")], 14)
    x = tfidf(g, np.full(2**14, 2.0, dtype=np.float32))
    assert abs(float(np.dot(x, x)) - 1.0) < 1e-9
    assert len(tfidf(grams([("title", "")], 14), np.ones(2**14))) == 0
