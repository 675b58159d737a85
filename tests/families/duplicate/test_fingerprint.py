"""Fingerprints: stable across processes, blind to formatting, sensitive to content."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.families.duplicate.fingerprint import BANDS, Fingerprint
from verifier.text.normalize import normalize

TEXT = ("负责门店日常销售接待工作，为顾客介绍产品并促成成交；维护老客户关系，完成月度销售目标。"
        "要求形象良好，沟通能力强，有零售经验者优先。")


def fp(text: str) -> Fingerprint:
    return Fingerprint.of(normalize(text))


@pytest.mark.parametrize("variant", [
    TEXT,
    TEXT.replace("，", ",").replace("。", "."),              # half-width punctuation
    " ".join(TEXT),                                          # spaces between every character
    TEXT.replace("；", "\n\n"),                               # re-wrapped
    "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in TEXT),  # full width
])
def test_formatting_does_not_change_the_fingerprint(variant: str) -> None:
    assert fp(variant).similarity(fp(TEXT)) == 1.0


@pytest.mark.parametrize(("other", "low", "high"), [
    (TEXT + "每天工作八小时，月休四天。", 0.75, 0.99),
    (TEXT[:40], 0.2, 0.8),
    ("负责仓库货物的入库、出库与盘点，按单分拣打包，保证发货及时准确。", 0.0, 0.1),
])
def test_similarity_tracks_shared_content(other: str, low: float, high: float) -> None:
    assert low <= fp(TEXT).similarity(fp(other)) <= high


def test_empty_text_has_no_bands_and_no_similarity() -> None:
    empty = fp("，。 ！")
    assert empty.size == 0
    assert empty.band_keys() == []
    assert empty.similarity(fp(TEXT)) == 0.0


def test_band_keys_are_stable_values_not_process_salted() -> None:
    keys = fp("负责公司核心业务系统的后端开发与维护").band_keys()
    assert len(keys) == BANDS
    assert keys[:2] == [3073889524136355627, -5373648094620148164]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=400, unique=True))
def test_minhash_equals_datasketch(values: list[int]) -> None:
    from datasketch import MinHash

    from verifier.families.duplicate.fingerprint import NUM_PERM, _identity, minhash

    ref = MinHash(num_perm=NUM_PERM, seed=20220601, hashfunc=_identity, scheme="affine32")
    sh = np.array(sorted(values), dtype=np.uint32)
    if values:
        ref.update_batch(sh)
    assert minhash(sh).tolist() == np.asarray(ref.hashvalues, dtype=np.uint32).tolist()
