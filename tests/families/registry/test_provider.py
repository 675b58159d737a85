"""The registry fact provider over the demo registry (memory backend), end to end with checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import RULES, make_facts, make_posting
from verifier.families.content.region import RegionConsistencyCheck
from verifier.families.registry.checks import RegistryCheck
from verifier.families.registry.provider import RegistryProvider
from verifier.families.registry.standing import RegistryStandingCheck
from verifier.pack import PackReader
from verifier.registry.capital import CapitalParser
from verifier.registry.demo import DEMO_FILE, install_demo_registry
from verifier.registry.importer import parse_file
from verifier.registry.lookup import MemoryLookup
from verifier.registry.mapping import Mapping
from verifier.registry.records import Status
from verifier.registry.status import StatusMap
from verifier.registry.uscc import org_code_check_char, uscc_check_char
from verifier.store import migrate
from verifier.store.db import create_engine

_BODY = "MA0099999"
UNKNOWN_CODE = "91110108" + _BODY[:8] + org_code_check_char(_BODY[:8])
UNKNOWN_CODE += uscc_check_char(UNKNOWN_CODE)


@pytest.fixture(scope="module")
def provider() -> RegistryProvider:
    parsed = parse_file(DEMO_FILE, Mapping.identity("jsonl"), StatusMap.from_rules(RULES),
                        CapitalParser.from_rules(RULES))
    assert parsed.report.rejected == []
    p = RegistryProvider(MemoryLookup.from_records(r for _, r in parsed.records))
    p.size = len(parsed.records)
    return p


@pytest.fixture(scope="module")
def checks() -> list[Any]:
    pack = PackReader(RULES)
    out = [RegistryCheck.load(pack), RegistryStandingCheck.load(pack)]
    assert pack.issues == []
    return out


@pytest.mark.parametrize(
    ("enterprise", "match", "rules"),
    [
        ({"name": "华为技术有限公司", "uscc": "914403001922038216"}, "uscc", []),
        ({"name": "华为技术有限公司", "uscc": "９１４４０３００１９２２０３８２１６"}, "uscc", []),
        ({"name": "小米科技有限责任公司", "uscc": "110108012660422"}, "regno", []),
        ({"name": "字节跳动"}, "alias", ["registry.uscc.missing"]),
        ({"name": "北京注远科技有限公司"}, "exact",
         ["registry.status.deregistered", "registry.uscc.missing"]),
        ({"name": "北京恒远劳务派遣有限公司"}, "former", ["registry.uscc.missing"]),
        ({"name": "小米科技有限责任公司", "uscc": "914403001922038216"}, "uscc",
         ["registry.lookalike", "registry.name_mismatch"]),
        ({"name": "某某不存在的贸易有限公司", "uscc": UNKNOWN_CODE}, None,
         ["registry.not_found"]),
        ({"name": "上海失信投资管理有限公司"}, "exact",
         ["registry.list.serious_violation", "registry.uscc.missing"]),
    ],
)
async def test_resolve_and_check(provider: RegistryProvider, checks: list[Any],
                                 enterprise: dict[str, str], match: str | None,
                                 rules: list[str]) -> None:
    province = "广东" if "uscc" in enterprise and enterprise["uscc"].startswith(("9144", "９")) \
        else "北京"
    posting = make_posting(enterprise=enterprise, location={"province": province})
    value = await provider.resolve(make_facts(posting))
    assert value is not None and value.match == match
    facts = make_facts(posting, registry=value)
    found = sorted({f.rule for c in checks for f in c.check(facts)})
    assert found == rules
    summary = provider.summary(value)
    assert (summary is None) == (value.record is None)


PENGYUAN = "91440300MA000020XN"  # 深圳鹏远物流有限公司, branch in 上海 (310104)


@pytest.mark.parametrize(
    ("enterprise", "province", "parent", "branches", "fires"),
    [
        ({"name": "深圳鹏远物流有限公司", "uscc": PENGYUAN}, "上海", None, ["310104"], False),
        ({"name": "深圳鹏远物流有限公司", "uscc": PENGYUAN}, "北京", None, ["310104"], True),
        ({"name": "深圳鹏远物流有限公司上海分公司"}, "广东", "440300", [], False),
        ({"name": "深圳鹏远物流有限公司上海分公司"}, "浙江", "440300", [], False),
        ({"name": "深圳鹏远物流有限公司上海分公司"}, "四川", "440300", [], True),
        ({"name": "华为技术有限公司", "uscc": "914403001922038216"}, "湖南", None, [], False),
    ],
)
async def test_registered_places_and_region(
    provider: RegistryProvider, enterprise: dict[str, str], province: str, parent: str | None,
    branches: list[str], fires: bool,
) -> None:
    posting = make_posting(enterprise=enterprise, location={"province": province})
    value = await provider.resolve(make_facts(posting))
    assert value is not None and value.record is not None
    assert (value.parent.division_code if value.parent else None) == parent
    assert [b.division_code for b in value.branches] == branches
    assert value.branch_data  # the demo registry links one branch to its parent
    pack = PackReader(RULES)
    region = RegionConsistencyCheck.load(pack)
    found = region.check(make_facts(posting, registry=value))
    assert [f.rule for f in found] == (["content.region_mismatch"] if fires else [])


async def test_install_demo_registry_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/demo.db")
    try:
        await migrate.upgrade(engine)
        assert await install_demo_registry(engine, RULES) == 325
        assert await install_demo_registry(engine, RULES) == 0
    finally:
        await engine.dispose()


SHOWCASE = Path(__file__).resolve().parents[3] / "fixtures" / "registry" / "showcase.jsonl"


@pytest.mark.parametrize(
    "case", [json.loads(line) for line in SHOWCASE.read_text(encoding="utf-8").splitlines()],
    ids=lambda c: c["id"],
)
async def test_showcase_postings_use_records_with_known_status(
    provider: RegistryProvider, checks: list[Any], case: dict[str, Any]
) -> None:
    posting = make_posting(**{"location": {"province": "北京"}, **case["posting"]})
    value = await provider.resolve(make_facts(posting))
    assert value is not None
    if value.record is not None:
        assert value.record.status is not Status.unknown, value.record.name
    facts = make_facts(posting, registry=value)
    found = sorted({f.rule for c in checks for f in c.check(facts)})
    assert found == sorted(case["expect"])
