"""Sibling shells: employers registered in a batch (same founding date, capital and scope),
resolved through the registry provider on a real database, both lookup backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from tests.conftest import create_pg_database, drop_pg_database, need, pg_available, pg_url
from tests.factories import load_check, make_facts, make_posting
from verifier.families.registry.provider import RegistryProvider
from verifier.families.signals.check import SignalsCheck
from verifier.models import Finding, Severity
from verifier.registry.fact import RegistryFact
from verifier.registry.lookup import MemoryLookup, create_lookup
from verifier.registry.records import EnterpriseRecord
from verifier.registry.uscc import uscc_check_char
from verifier.settings import Settings
from verifier.store.db import create_engine
from verifier.store.migrate import upgrade
from verifier.store.registry_repo import RegistryRepo

SCOPE = ("技术开发、技术咨询、技术服务；软件开发；企业管理咨询；市场营销策划；"
         "人力资源服务（不含职业中介活动）；会议及展览服务。")
FOUNDED = date(2021, 9, 8)
PROFILE = "公司主要从事企业管理咨询与市场营销策划业务，服务本地中小企业。"


def _code(i: int) -> str:
    body = f"91110105MA01BC0{i:02d}"
    return body + uscc_check_char(body)


def _shell(i: int, name: str, *, capital: float = 1_000_000.0, scope: str = SCOPE,
           founded: date = FOUNDED) -> EnterpriseRecord:
    return EnterpriseRecord(uscc=_code(i), name=name, established=founded,
                            capital_raw=f"{capital / 10_000:g}万元人民币", capital_cny=capital,
                            capital_amount=capital, capital_currency="CNY",
                            business_scope=scope, status="active")


# Three shells of one batch: the third writes the same scope with full-width punctuation and
# stray spaces (the registry's text as another clerk typed it).
BATCH = [
    _shell(1, "北京星澜企业管理有限公司"),
    _shell(2, "北京云岫企业管理有限公司"),
    _shell(3, "北京禾嘉企业管理有限公司",
           scope=SCOPE.replace("、", "，").replace("；", "; ").replace("（", "(")
           .replace("）", ")")),
]
# Same day and scope, each with its own capital: founders who happened to choose one date.
SAME_DAY = [
    _shell(11, "北京远帆咨询有限公司", capital=500_000.0),
    _shell(12, "北京青禾咨询有限公司", capital=2_000_000.0),
    _shell(13, "北京松石咨询有限公司", capital=3_000_000.0),
]
# A fourth with the batch's capital and scope, founded on another day.
OTHER_DAY = _shell(21, "北京晴川企业管理有限公司", founded=date(2021, 9, 9))


@pytest.fixture(scope="module")
def check() -> SignalsCheck:
    return load_check(SignalsCheck)


@pytest.fixture(params=["memory", "postgres"])
async def registry(request: pytest.FixtureRequest) -> AsyncIterator[tuple[RegistryProvider,
                                                                           RegistryRepo]]:
    """A provider over a real PostgreSQL registry holding the first two shells and the rest."""
    need("PostgreSQL", pg_available())
    name = await create_pg_database()
    engine = create_engine(pg_url(name))
    try:
        await upgrade(engine)
        repo = RegistryRepo(engine)
        await repo.upsert([*BATCH[:2], *SAME_DAY, OTHER_DAY])
        provider = RegistryProvider(
            create_lookup(Settings(registry_backend=request.param), engine))
        await provider.start()
        assert provider.size == 6
        yield provider, repo
    finally:
        await engine.dispose()
        await drop_pg_database(name)


async def _resolve(provider: RegistryProvider, record: EnterpriseRecord) -> RegistryFact:
    posting = make_posting(enterprise={"name": record.name, "uscc": record.uscc})
    fact = await provider.resolve(make_facts(posting))
    assert fact is not None and fact.record is not None and fact.record.uscc == record.uscc
    return fact


def _cue(check: SignalsCheck, record: EnterpriseRecord, fact: RegistryFact) -> Finding | None:
    posting = make_posting(enterprise={"name": record.name, "uscc": record.uscc},
                           company_profile=PROFILE)
    found = [f for f in check.check(make_facts(posting, registry=fact))
             if f.rule == "signals.cue.sibling_shells"]
    return found[0] if found else None


async def test_a_batch_of_shells_raises_the_cue_with_its_evidence(
        registry: tuple[RegistryProvider, RegistryRepo], check: SignalsCheck) -> None:
    provider, repo = registry
    await repo.upsert(BATCH[2:])
    await provider.on_epoch(1)
    fact = await _resolve(provider, BATCH[0])
    finding = _cue(check, BATCH[0], fact)
    assert finding is not None
    assert finding.severity is Severity.info and finding.score == 0
    data: dict[str, Any] = finding.evidence.data
    assert data["siblings"] == 2 and data["cue_value"] == 2
    assert data["established"] == "2021-09-08" and data["capital"] == "100万元人民币"
    assert data["scope"] == SCOPE[:40]
    assert data["sample"] == [{"uscc": r.uscc, "name": r.name} for r in BATCH[1:]]
    assert "另有2家企业" in finding.message and "2021-09-08" in finding.message
    # Each shell sees the other two, never itself; the one founded a day later sees none.
    third = await _resolve(provider, BATCH[2])
    assert third.siblings is not None
    assert [p.uscc for p in third.siblings.sample] == [BATCH[0].uscc, BATCH[1].uscc]
    late = await _resolve(provider, OTHER_DAY)
    assert late.siblings is not None and late.siblings.count == 0
    assert _cue(check, OTHER_DAY, late) is None


async def test_same_day_but_different_capital_is_no_cue(
        registry: tuple[RegistryProvider, RegistryRepo], check: SignalsCheck) -> None:
    provider, _ = registry
    for record in SAME_DAY:
        fact = await _resolve(provider, record)
        assert fact.siblings is not None and fact.siblings.count == 0
        assert _cue(check, record, fact) is None


async def test_a_registry_reload_updates_the_groups(
        registry: tuple[RegistryProvider, RegistryRepo], check: SignalsCheck) -> None:
    provider, repo = registry
    fact = await _resolve(provider, BATCH[0])
    assert fact.siblings is not None and fact.siblings.count == 1  # one sibling: below 2
    assert _cue(check, BATCH[0], fact) is None
    await repo.upsert(BATCH[2:])
    await provider.on_epoch(1)
    fact = await _resolve(provider, BATCH[0])
    finding = _cue(check, BATCH[0], fact)
    assert finding is not None and finding.evidence.data["siblings"] == 2


def test_records_lacking_capital_or_scope_are_nobodys_siblings() -> None:
    bare = [EnterpriseRecord(uscc=_code(31 + i), name=f"北京某{i}有限公司", established=FOUNDED,
                             business_scope=SCOPE if i else None) for i in range(3)]
    lookup = MemoryLookup.from_records([*bare, *BATCH])
    assert all(lookup.index.siblings_of(r) is None for r in bare)
    found = lookup.index.siblings_of(BATCH[1])
    assert found is not None and found.count == 2
