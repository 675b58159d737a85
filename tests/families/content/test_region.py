"""content.region_mismatch: the work location against every registered place, pure."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.factories import RULES, load_check, make_facts, make_posting
from verifier.families.content.region import RegionConsistencyCheck
from verifier.families.content.region_table import REGION, RegionTable
from verifier.models import Severity
from verifier.pack import PackReader
from verifier.pipeline.facts import FactUnavailable
from verifier.registry.fact import RegistryFact
from verifier.registry.records import EnterpriseRecord, PlaceRef

PARENT = "91650100MA00000001"  # registered in 乌鲁木齐 (65)


@pytest.fixture(scope="module")
def check() -> RegionConsistencyCheck:
    return load_check(RegionConsistencyCheck)


def branch(division: str, n: int = 1) -> PlaceRef:
    return PlaceRef(f"9100000000000000{n:02d}", f"某某分公司{n}", division)


def fact(division: str | None = "650102", *, parent: PlaceRef | None = None,
         branches: tuple[PlaceRef, ...] = (), branch_data: bool = True,
         **rec: Any) -> RegistryFact:
    record = EnterpriseRecord(uscc=PARENT, name="新疆远航商贸有限公司",
                              division_code=division, **rec)
    return RegistryFact("新疆远航商贸有限公司", record=record, match="uscc", score=100.0,
                        parent=parent, branches=branches, branch_data=branch_data)


def loc(province: str, city: str | None = None, code: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"province": province}
    if city:
        out["city"] = city
    if code:
        out["division_code"] = code
    return out


# (work location, registry fact, expected severity or None, distance classes of the places)
CASES: list[tuple[str, dict[str, Any] | None, RegistryFact, Severity | None, list[str | None]]] = [
    # honest
    ("same province", loc("新疆", "乌鲁木齐"), fact(), None, []),
    ("same province, full name", loc("新疆维吾尔自治区", "喀什"), fact(), None, []),
    ("same city by code", loc("新疆", code="650104"), fact(), None, []),
    ("neighbour", loc("甘肃", "兰州"), fact(), None, []),
    ("branch in the work province", loc("上海"),
     fact(branches=(branch("310104"),)), None, []),
    ("branch next to the work province", loc("上海"),
     fact(branches=(branch("320500"),)), None, []),
    ("parent where the work is", loc("广东", "深圳"),
     fact(parent=PlaceRef("91440300MA000020XN", "深圳某某有限公司", "440300")), None, []),
    ("national authority", loc("上海"), fact("100000"), None, []),
    ("national parent", loc("上海"), fact(parent=PlaceRef(None, "中国某某集团", "100000")),
     None, []),
    ("no location", None, fact(), None, []),
    ("unknown work province", loc("火星"), fact(), None, []),
    ("no registered division", loc("上海"), fact(None), None, []),
    ("sea neighbour", loc("广东"), fact("460100"), None, []),
    # inconsistent
    ("far, no branch", loc("上海", "上海"), fact(), Severity.flag, ["far"]),
    ("far, registry without branch data", loc("上海"), fact(branch_data=False), Severity.info,
     ["far"]),
    ("far, branches elsewhere, in a registry otherwise without branch data", loc("上海"),
     fact(branches=(branch("440300"),), branch_data=False), Severity.flag, ["far", "far"]),
    ("far by code, province says otherwise", loc("新疆", code="310104"), fact(),
     Severity.flag, ["far"]),
    ("far, branches elsewhere", loc("上海"),
     fact(branches=(branch("440300", 1), branch("510100", 2))), Severity.flag,
     ["far", "far", "far"]),
    ("far from a branch's own and its parent's place", loc("北京"),
     fact("310104", parent=PlaceRef(PARENT, "深圳某某有限公司", "440300"),
          branches=(branch("330100"),)), Severity.flag, ["far", "far", "far"]),
    ("province unreadable, municipality as city", loc("直辖", "上海"), fact(), Severity.flag,
     ["far"]),
    ("unknown branch division ignored", loc("上海"),
     fact(branches=(branch("990000"),)), Severity.flag, ["far", None]),
]


@pytest.mark.parametrize(("why", "location", "value", "severity", "distances"), CASES,
                         ids=[c[0] for c in CASES])
def test_region(check: RegionConsistencyCheck, why: str, location: dict[str, Any] | None,
                value: RegistryFact, severity: Severity | None,
                distances: list[str | None]) -> None:
    p = make_posting(location=location)
    found = check.check(make_facts(p, registry=value))
    if severity is None:
        assert found == [], why
        return
    (f,) = found
    assert f.rule == "content.region_mismatch" and f.severity is severity
    data = f.evidence.data
    assert [pl["distance"] for pl in data["places"]] == distances
    assert data["places"][0]["kind"] == "own" and data["branch_data"] is value.branch_data
    assert data["distance"] == "far" and data["threshold"] == "neighbour"
    assert data["places_total"] == len(distances)
    assert data["work"]["province_code"] in ("31", "11")


def test_message_names_places_and_branches(check: RegionConsistencyCheck) -> None:
    p = make_posting(location=loc("上海", "上海"))
    (f,) = check.check(make_facts(p, registry=fact(branches=(branch("440300"),))))
    assert f.message == ("工作地点（上海）与企业“新疆远航商贸有限公司”的登记地及其1个分支机构"
                         "所在地（新疆维吾尔自治区、广东省）均既不同省也不相邻。")
    (g,) = check.check(make_facts(p, registry=fact()))
    assert g.message.endswith("既不同省也不相邻，且该企业未登记分支机构。")
    (h,) = check.check(make_facts(p, registry=fact(branch_data=False)))
    assert h.message.endswith("既不同省也不相邻，登记数据不含分支机构信息。")


def test_nothing_without_a_record(check: RegionConsistencyCheck) -> None:
    p = make_posting(location=loc("上海"))
    assert check.check(make_facts(p)) == []
    assert check.check(make_facts(p, registry=RegistryFact("x"))) == []


def test_failed_registry_fails_closed(check: RegionConsistencyCheck) -> None:
    p = make_posting()
    facts = make_facts(p)
    facts.errors["registry"] = "down"
    with pytest.raises(FactUnavailable):
        check.check(facts)


def test_near_province_only_makes_neighbours_far(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / REGION
    path.write_text(path.read_text(encoding="utf-8").replace('near = "neighbour"',
                                                             'near = "province"'),
                    encoding="utf-8")
    pack = PackReader(root)
    strict = RegionConsistencyCheck.load(pack)
    assert pack.issues == []
    p = make_posting(location=loc("甘肃"))
    (f,) = strict.check(make_facts(p, registry=fact()))
    assert f.evidence.data["places"][0]["distance"] == "neighbour"
    assert "不在同一省份" in f.message


def test_table_covers_34_provinces_symmetrically() -> None:
    _, table = RegionTable.load(PackReader(RULES))
    assert len(table.full) == 34
    assert all((b, a) in table.adjacent for a, b in table.adjacent)
    assert table.province_of("内蒙古自治区") == table.province_of("内蒙古") == "15"
    assert table.distance("110105", "110108") == "same_city"
    assert table.distance("440300", "440100") == "same_province"
    assert table.distance("11", "13") == "neighbour"
    assert table.distance("11", "31") == "far"
    assert table.distance("11", "") is None


BAD: list[tuple[str, str, str, str]] = [
    ('"北京" = { code = "11", name = "北京市", neighbours = ["天津", "河北"] }',
     '"北京" = { code = "11", name = "北京市", neighbours = ["天津", "河北", "火星"] }',
     '"北京" =', "unknown neighbour '火星'"),
    ('"海南" = { code = "46", name = "海南省", neighbours = ["广东"] }',
     '"海南" = { code = "46", name = "海南省", neighbours = ["广东", "广西"] }',
     '"海南" =', "lists 广西 but 广西 does not list 海南"),
    ('"澳门" = { code = "82"', '"澳门" = { code = "81"', '"澳门" =',
     "code 81 already used by 香港"),
    ('"天津" = { code = "12", name = "天津市"', '"天津" = { code = "12", name = "天津"',
     '"天津" =', "name 天津 differs from registry/divisions.csv (天津市)"),
    ('"澳门" = {', '"北京" = {', '"北京" = {', "invalid TOML"),  # duplicate key
    ('severity_without_branch_data = "info"', 'severity_without_branch_data = "loud"',
     "severity_without_branch_data =", "severity_without_branch_data"),
]


@pytest.mark.parametrize(("old", "new", "line_of", "message"), BAD)
def test_bad_table_refused_with_file_and_line(tmp_path: Path, old: str, new: str, line_of: str,
                                              message: str) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / REGION
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    pack = PackReader(root)
    RegionConsistencyCheck.load(pack)
    lines = [i for i, s in enumerate(text.splitlines(), 1) if s.startswith(line_of)]
    hits = [i for i in pack.issues if i.file == REGION and message in i.message]
    assert hits, pack.issues
    assert hits[0].line == lines[-1], (hits, lines)
