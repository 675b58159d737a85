"""In-memory index: exact keys, rare-bigram blocking bounded by MAX_CANDIDATES, round trips."""

from __future__ import annotations

import pytest

from verifier.registry.generate import generate
from verifier.registry.index import MAX_CANDIDATES, IndexBuilder, NameIndex
from verifier.registry.names import normalize_name
from verifier.registry.records import EnterpriseRecord
from verifier.registry.uscc import validate_uscc


@pytest.fixture(scope="module")
def records() -> list[EnterpriseRecord]:
    return [EnterpriseRecord.model_validate(r) for r in generate(3000, seed=7)]


@pytest.fixture(scope="module")
def index(records: list[EnterpriseRecord]) -> NameIndex:
    return NameIndex.build(records)


def test_generated_codes_are_valid_and_unique(records: list[EnterpriseRecord]) -> None:
    codes = [r.uscc for r in records]
    assert len(set(codes)) == len(codes)
    assert all(validate_uscc(c).valid for c in codes)
    assert len({normalize_name(r.name).name_norm for r in records}) == len(records)


def test_records_round_trip(index: NameIndex, records: list[EnterpriseRecord]) -> None:
    assert len(index) == len(records)
    for i in (0, 1, len(records) - 1):
        assert index.record(i) == records[i]


@pytest.mark.parametrize("i", [0, 17, 2999])
def test_exact_name_and_code(index: NameIndex, records: list[EnterpriseRecord], i: int) -> None:
    rec = records[i]
    assert rec.uscc is not None
    assert index.by_uscc(rec.uscc) == rec
    top = index.by_name(rec.name)[0]
    assert top.record == rec and top.kind == "exact" and top.score == 100.0


def test_candidates_bounded_even_for_a_crowded_trade_name() -> None:
    crowd = [
        EnterpriseRecord(uscc=None, regno=None, name=f"{city}华泰{ind}有限公司")
        for city in ("北京", "上海", "广州", "深圳", "天津", "重庆", "杭州", "南京")
        for ind in ("科技", "贸易", "实业", "投资", "物流", "食品", "服装", "建筑", "咨询", "传媒")
        * 5
    ]
    builder = IndexBuilder()
    for r in crowd:
        builder.add(r)
    idx = builder.finish()
    q = normalize_name("华泰科技有限公司")
    assert len(idx.candidates(q)) <= MAX_CANDIDATES
    assert len(idx.candidates(normalize_name("泰华科技有限公司"))) == 0


def test_fuzzy_miss_scores_nothing_outside_the_block(index: NameIndex) -> None:
    assert index.by_name("乙丙丁戊己有限公司") == []


def test_former_names_and_aliases_are_entries() -> None:
    rec = EnterpriseRecord(
        uscc="91110108551385082Q",
        name="小米科技有限责任公司",
        former_names=["北京小米科技有限公司"],
        aliases=["小米"],
    )
    idx = NameIndex.build([rec])
    assert len(idx.ent_rec) == 3
    assert [m.kind for m in idx.by_name("北京小米科技有限公司")] == ["former"]
    assert [m.kind for m in idx.by_name("小米")] == ["alias"]


@pytest.mark.parametrize(("key", "count"), [("a", 20), ("b", 8), ("c", 3), ("zz", 0)])
def test_hash_map_returns_every_value_of_a_key(key: str, count: int) -> None:
    from array import array

    from verifier.registry.index import _HashMap

    spec = {"a": 20, "b": 8, "c": 3}
    keys = array("q", [hash(k) for k, n in spec.items() for _ in range(n)])
    m = _HashMap.of(keys, array("I", range(len(keys))))
    start = sum(n for k, n in spec.items() if hash(k) < hash(key))
    got = sorted(int(v) for v in m.get(key))
    assert len(got) == count
    if count:  # the values of exactly this key's run
        assert got == sorted(int(v) for v in m.vals[start : start + count])
        assert {int(k) for k in m.keys[start : start + count]} == {hash(key)}
