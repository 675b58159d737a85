"""duplicate.*: thresholds over a hand-built `duplicates` fact (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import declared, make_facts, make_posting
from verifier.families.duplicate.checks import DuplicateCheck, DuplicateParams
from verifier.families.duplicate.fact import DuplicateFact, DuplicateHit
from verifier.models import Severity
from verifier.pipeline.facts import FactUnavailable

PAY = {"pay_monthly": {"this": [8000.0, 12000.0], "other": [8200.0, 12000.0]}}


def hit(**kw: Any) -> DuplicateHit:
    base: dict[str, Any] = {"ref": "fp-1", "similarity": 0.95, "same_employer": False,
                            "same_title": False, "same_portal": False}
    base.update(kw)
    return DuplicateHit(**base)


CASES: list[tuple[int, list[DuplicateHit], list[tuple[str, Severity]]]] = [
    (100, [hit()], [("duplicate.cross_employer", Severity.info)]),
    (100, [hit(), hit(ref="fp-2")], [("duplicate.cross_employer", Severity.info)]),
    (100, [hit(ref=f"fp-{i}") for i in range(5)], [("duplicate.cross_employer", Severity.flag)]),
    (100, [hit(ref=f"fp-{i}", employer=i) for i in range(5)],
     [("duplicate.cross_employer", Severity.flag)]),
    (100, [hit(ref=f"fp-{i}", employer=i % 2) for i in range(5)],   # 2 employers reposting
     [("duplicate.cross_employer", Severity.info)]),
    (100, [hit(similarity=0.85)], []),                      # below 0.9
    (20, [hit()], []),                                      # too generic a text
    (100, [hit(same_employer=True)], []),                   # same employer, nothing differs
    (100, [hit(same_employer=True, same_title=True, differs=PAY)], []),   # within 5 %
    (100, [hit(same_employer=True, same_title=True,
               differs={"city": {"this": "北京", "other": "上海"}})],
     [("duplicate.inconsistent", Severity.flag)]),
    (100, [hit(same_employer=True, same_title=True, same_portal=True,
               differs={"city": {"this": "北京", "other": "上海"}})], []),
    (100, [hit(same_employer=True, same_title=False,
               differs={"city": {"this": "北京", "other": "上海"}})], []),
    (100, [hit(same_employer=True, same_title=True, similarity=0.5,
               differs={"headcount": {"this": 3, "other": 9}})], []),
]


@pytest.mark.parametrize(("shingles", "hits", "expect"), CASES)
def test_duplicate_rules(shingles: int, hits: list[DuplicateHit],
                         expect: list[tuple[str, Severity]]) -> None:
    p = make_posting()
    fact = DuplicateFact("fp-self", shingles, tuple(hits))
    found = declared(DuplicateCheck(DuplicateParams())).check(make_facts(p, duplicates=fact))
    assert [(f.rule, f.severity) for f in found] == expect


def test_no_index_no_findings_and_failed_index_fails_closed() -> None:
    p = make_posting()
    assert declared(DuplicateCheck(DuplicateParams())).check(make_facts(p)) == []
    facts = make_facts(p)
    facts.errors["duplicates"] = "timed out"
    with pytest.raises(FactUnavailable):
        declared(DuplicateCheck(DuplicateParams())).check(facts)
