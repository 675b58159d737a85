"""content.headcount_vs_size and content.scope_mismatch against the registry fact."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import load_check, make_facts, make_posting
from verifier.families.content.registry import RegistryConsistencyCheck, staff_of
from verifier.models import Severity
from verifier.pipeline.facts import FactUnavailable
from verifier.registry.fact import RegistryFact
from verifier.registry.records import EnterpriseRecord

DESC = "负责后端服务开发，编写和评审代码，设计数据库表结构与接口。"


@pytest.fixture(scope="module")
def check() -> RegistryConsistencyCheck:
    return load_check(RegistryConsistencyCheck)


def record(**kw: Any) -> EnterpriseRecord:
    base: dict[str, Any] = {"name": "北京甲乙信息技术有限公司", "uscc": "91110108MA01ABCD1X",
                            "industry": "软件和信息技术服务业",
                            "business_scope": "技术开发、技术咨询；软件开发；计算机系统服务"}
    base.update(kw)
    return EnterpriseRecord(**base)


HEADCOUNT: list[tuple[dict[str, Any], int, tuple[str, Severity] | None]] = [
    ({"size_class": "微型"}, 200, ("size_class", Severity.flag)),   # 200 > 10 × 5
    ({"size_class": "微型"}, 30, ("size_class", Severity.info)),
    ({"size_class": "微型"}, 10, None),
    ({"size_class": "中型"}, 200, None),
    ({"size_class": "大型"}, 900, None),                              # no cap for 大型
    ({"staff": 3}, 12, ("staff", Severity.info)),
    ({"staff": 3}, 9, None),                                          # under min_headcount
    ({"staff_range": "10-49人", "size_class": "微型"}, 40, None),     # staff band wins
    ({"staff_range": "10-49人"}, 300, ("staff", Severity.flag)),
    ({}, 500, None),                                                  # nothing to compare
]


@pytest.mark.parametrize(("rec", "headcount", "expect"), HEADCOUNT)
def test_headcount_vs_size(check: RegistryConsistencyCheck, rec: dict[str, Any], headcount: int,
                           expect: tuple[str, Severity] | None) -> None:
    p = make_posting(headcount=headcount, description=DESC)
    fact = RegistryFact("x", record=record(**rec), match="uscc", score=100.0)
    found = [f for f in check.check(make_facts(p, registry=fact))
             if f.rule == "content.headcount_vs_size"]
    if expect is None:
        assert found == []
        return
    (f,) = found
    assert (f.evidence.data["cap_basis"], f.severity) == expect
    assert f.evidence.data["headcount"] == headcount and f.evidence.data["cap"] < headcount


SCOPE: list[tuple[str, dict[str, Any], bool]] = [
    ("Java开发工程师", {}, False),
    ("厨师", {}, True),                                               # software firm hiring cooks
    ("厨师", {"business_scope": "餐饮服务；食品销售", "industry": "餐饮业"}, False),
    ("电话销售", {}, False),                                          # sales: any employer
    ("行政文员", {"business_scope": "餐饮服务"}, False),
    ("美容师", {"business_scope": "", "industry": None}, False),     # nothing registered
    ("医生", {"business_scope": "货物进出口；技术进出口", "industry": "批发业"}, True),
]


@pytest.mark.parametrize(("title", "rec", "fires"), SCOPE)
def test_scope(check: RegistryConsistencyCheck, title: str, rec: dict[str, Any],
               fires: bool) -> None:
    p = make_posting(title=title, description=DESC)
    fact = RegistryFact("x", record=record(**rec), match="uscc", score=100.0)
    found = [f for f in check.check(make_facts(p, registry=fact))
             if f.rule == "content.scope_mismatch"]
    assert bool(found) is fires
    if fires:
        f = found[0]
        assert f.severity is Severity.info
        assert f.evidence.data["business_scope"] == record(**rec).business_scope
        s = f.evidence.spans[0]
        assert p.title[s.start:s.end] == s.text


def test_no_registry_record_no_findings(check: RegistryConsistencyCheck) -> None:
    p = make_posting(headcount=900, title="厨师")
    assert check.check(make_facts(p)) == []
    assert check.check(make_facts(p, registry=RegistryFact("x"))) == []


def test_failed_registry_fails_closed(check: RegistryConsistencyCheck) -> None:
    p = make_posting()
    facts = make_facts(p)
    facts.errors["registry"] = "down"
    with pytest.raises(FactUnavailable):
        check.check(facts)


@pytest.mark.parametrize(("kw", "staff"), [
    ({"staff": 7}, 7), ({"staff_range": "10-49人"}, 49), ({"staff_range": "20人以下"}, 20),
    ({"staff_range": "1000人以上"}, None), ({}, None),
])
def test_staff_of(kw: dict[str, Any], staff: int | None) -> None:
    assert staff_of(record(**kw)) == staff
