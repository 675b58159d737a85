"""Scoring and abstention shared by both lookup backends (`verifier/registry/match.py`)."""

from __future__ import annotations

import pytest

from verifier.registry.index import NameIndex
from verifier.registry.match import EMBELLISH_CAP, MATCH_THRESHOLD, Structure, score_structures
from verifier.registry.names import normalize_name
from verifier.registry.records import EnterpriseRecord

NAMES = [
    "安岳县自来水公司", "忻州市自来水公司", "彩虹集团有限公司", "北京星河远航科技有限公司",
    "漳州市九龙江集团有限公司", "上海闻道云帆信息技术有限公司",
]  # fmt: skip


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex.build(EnterpriseRecord(name=n) for n in NAMES)


@pytest.mark.parametrize(
    ("query", "kind", "top", "is_match"),
    [
        ("自来水公司", "ambiguous", None, False),  # region dropped: names no single company
        ("星河远航科技有限责任公司", "fuzzy", "北京星河远航科技有限公司", True),
        ("北京星河远航有限公司", "fuzzy", "北京星河远航科技有限公司", True),  # abbreviated
        ("闻道云帆信息技术股份有限公司", "fuzzy", "上海闻道云帆信息技术有限公司", True),
        ("迪庆彩虹实业股份有限公司", "fuzzy", "彩虹集团有限公司", False),  # adds region+industry
        ("漳州龙江回收有限公司", None, None, False),
    ],
)
def test_by_name(
    index: NameIndex, query: str, kind: str | None, top: str | None, is_match: bool
) -> None:
    found = index.by_name(query)
    if kind is None:
        assert not any(m.is_match for m in found)
        return
    assert found[0].kind == kind
    assert found[0].is_match is is_match
    if top is not None:
        assert found[0].record.name == top
    if kind == "ambiguous":
        assert found[0].score < MATCH_THRESHOLD
        assert found[0].detail["ambiguous"] == "several_records"
        assert {m.record.name for m in found} >= {"安岳县自来水公司", "忻州市自来水公司"}


@pytest.mark.parametrize(
    ("query", "stored", "added"),
    [
        ("迪庆彩虹实业股份有限公司", "彩虹集团有限公司", ["region", "industry"]),
        ("北京京海电池有限公司", "北京京海集团公司", ["industry"]),
        ("深圳彩虹有限公司", "彩虹有限公司", ["region"]),
        ("彩虹有限公司", "深圳彩虹科技有限公司", []),
    ],
)
def test_embellishment_caps_the_score(query: str, stored: str, added: list[str]) -> None:
    score, detail = score_structures(normalize_name(query), Structure.of(normalize_name(stored)))
    assert detail["added"] == added
    assert (score <= EMBELLISH_CAP) is bool(added)
