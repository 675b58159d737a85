"""Registry lookups: the same cases on the memory backend and on PostgreSQL (pg_trgm)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from tests.conftest import create_pg_database, drop_pg_database, need, pg_available, pg_url
from verifier.registry.lookup import (
    BRANCH_OF_SQL,
    CAPITAL_SQL,
    ESTABLISHED_SQL,
    MemoryLookup,
    PostgresLookup,
    RegistryLookup,
    create_lookup,
)
from verifier.registry.records import EnterpriseRecord
from verifier.registry.uscc import uscc_check_char
from verifier.settings import Settings
from verifier.store.db import create_engine
from verifier.store.migrate import upgrade
from verifier.store.registry_repo import RegistryRepo

RECORDS = [
    EnterpriseRecord(uscc="914403001922038216", name="华为技术有限公司"),
    EnterpriseRecord(
        uscc="91110108551385082Q",
        regno="110108012660422",
        name="小米科技有限责任公司",
        aliases=["小米"],
    ),
    EnterpriseRecord(
        uscc="91110000802100433B",
        name="北京百度网讯科技有限公司",
        former_names=["北京百度在线科技有限公司"],
    ),
    EnterpriseRecord(uscc="91220101MA13XQYL0T", name="吉林华翰印务有限公司"),
    EnterpriseRecord(uscc="9144030010001686XA", name="招商银行股份有限公司"),
    *(
        EnterpriseRecord(uscc=body + uscc_check_char(body), name=name)
        for body, name in (("91512022MA6210001", "安岳县自来水公司"),
                           ("91140900MA0K10001", "忻州市自来水公司"))
    ),
    # branches of 小米 (the parent's code in lower case: stored normalized)
    EnterpriseRecord(uscc="91420100MA4K000011", name="小米科技有限责任公司武汉分公司",
                     division_code="420100", branch_of="91110108551385082q"),
    EnterpriseRecord(uscc="91440300MA5F000012", name="小米科技有限责任公司深圳分公司",
                     division_code="440300", branch_of="91110108551385082Q"),
]


@pytest.fixture(params=["memory", "postgres"])
async def lookup(request: pytest.FixtureRequest) -> AsyncIterator[RegistryLookup]:
    if request.param == "memory":
        yield MemoryLookup.from_records(RECORDS)
        return
    need("PostgreSQL", pg_available())
    name = await create_pg_database()
    engine = create_engine(pg_url(name))
    try:
        await upgrade(engine)
        await RegistryRepo(engine).upsert(RECORDS)
        backend = create_lookup(Settings(registry_backend="postgres"), engine)
        assert isinstance(backend, PostgresLookup)
        assert await backend.load() == len(RECORDS)
        yield backend
    finally:
        await engine.dispose()
        await drop_pg_database(name)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("914403001922038216", "华为技术有限公司"),
        ("９１４４０３００１９２２０３８２１６", "华为技术有限公司"),
        ("9144030010001686xa", "招商银行股份有限公司"),
        ("914403001922038217", None),
    ],
)
async def test_by_uscc(lookup: RegistryLookup, code: str, name: str | None) -> None:
    rec = await lookup.by_uscc(code)
    assert (rec.name if rec else None) == name


async def test_by_regno(lookup: RegistryLookup) -> None:
    rec = await lookup.by_regno("110108012660422")
    assert rec is not None and rec.uscc == "91110108551385082Q"
    assert await lookup.by_regno("520000000005018") is None


@pytest.mark.parametrize(
    ("query", "uscc", "kind", "branch"),
    [
        ("华为技术有限公司", "914403001922038216", "exact", ""),
        ("華為技術有限責任公司", "914403001922038216", "exact", ""),
        ("华为 技术 有限公司", "914403001922038216", "exact", ""),
        ("小米", "91110108551385082Q", "alias", ""),
        ("北京百度在线科技有限公司", "91110000802100433B", "former", ""),
        ("百度网讯科技（北京）有限公司", "91110000802100433B", "exact", ""),
        ("华为技术有限公司上海分公司", "914403001922038216", "exact", "上海分公司"),
        ("吉林市华翰印务有限公司", "91220101MA13XQYL0T", "exact", ""),
        ("华翰印务有限公司", "91220101MA13XQYL0T", "fuzzy", ""),  # region dropped
    ],
)
async def test_by_name_hits(
    lookup: RegistryLookup, query: str, uscc: str, kind: str, branch: str
) -> None:
    matches = await lookup.by_name(query)
    assert matches, query
    top = matches[0]
    assert top.record.uscc == uscc
    assert top.kind == kind
    assert top.branch == branch
    assert top.is_match
    assert "threshold" in top.detail


@pytest.mark.parametrize(
    "query",
    [
        "上海华翰印务有限公司",  # same 字号, other city
        "吉林华翰食品有限公司",  # same 字号, other industry
        "华为食品有限公司",
        "完全不存在的企业名称有限公司",
        "",
    ],
)
async def test_by_name_different_company_is_not_a_match(lookup: RegistryLookup, query: str) -> None:
    matches = await lookup.by_name(query)
    assert not any(m.is_match for m in matches), [(m.record.name, m.score) for m in matches]


async def test_fuzzy_evidence_names_fields_and_score(lookup: RegistryLookup) -> None:
    matches = await lookup.by_name("上海华翰印务有限公司")
    assert matches and matches[0].record.uscc == "91220101MA13XQYL0T"
    detail = matches[0].detail
    assert detail["regions"] == [["上海"], ["吉林"], False]
    assert detail["trade"][:2] == ["华翰", "华翰"]
    assert matches[0].score < detail["threshold"]


async def test_memory_refresh_picks_up_changes() -> None:
    need("PostgreSQL", pg_available())
    name = await create_pg_database()
    engine = create_engine(pg_url(name))
    try:
        await upgrade(engine)
        await RegistryRepo(engine).upsert(RECORDS[:2])
        mem = create_lookup(Settings(registry_backend="memory"), engine)
        assert await mem.load() == 2
        assert await mem.refresh() is False
        assert await mem.by_uscc("9144030010001686XA") is None
        await RegistryRepo(engine).upsert(RECORDS[4:])
        assert await mem.refresh() is True
        rec = await mem.by_uscc("9144030010001686XA")
        assert rec is not None and rec.name == "招商银行股份有限公司"
    finally:
        await engine.dispose()
        await drop_pg_database(name)


async def test_a_name_without_a_distinctive_trade_name_is_ambiguous(
    lookup: RegistryLookup,
) -> None:
    matches = await lookup.by_name("自来水公司")  # region dropped: two companies tie
    assert matches and all(m.kind == "ambiguous" and not m.is_match for m in matches)
    assert matches[0].detail["ambiguous"] == "several_records"
    exact = await lookup.by_name("安岳县自来水有限公司".replace("有限", ""))
    assert exact[0].kind == "exact" and exact[0].record.name == "安岳县自来水公司"


@pytest.mark.parametrize("parent", ["91110108551385082Q", "９１１１０１０８５５１３８５０８２ｑ"])
async def test_branches_of(lookup: RegistryLookup, parent: str) -> None:
    got = await lookup.branches_of(parent)
    assert [(b.uscc, b.name, b.division_code) for b in got] == [
        ("91420100MA4K000011", "小米科技有限责任公司武汉分公司", "420100"),
        ("91440300MA5F000012", "小米科技有限责任公司深圳分公司", "440300"),
    ]
    assert len(await lookup.branches_of(parent, limit=1)) == 1
    assert await lookup.branches_of("914403001922038216") == []
    assert lookup.branches_recorded


def test_memory_without_branches_records_none() -> None:
    assert not MemoryLookup.from_records(r for r in RECORDS if not r.branch_of).branches_recorded


async def test_branches_of_uses_the_partial_index() -> None:
    need("PostgreSQL", pg_available())
    name = await create_pg_database()
    engine = create_engine(pg_url(name))
    try:
        await upgrade(engine)
        backend = PostgresLookup(engine)
        assert await backend.load() == 0 and not backend.branches_recorded
        await RegistryRepo(engine).upsert(RECORDS[-1:])
        await backend.refresh()
        assert backend.branches_recorded
        async with engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            plan = (await conn.execute(text(
                f"EXPLAIN SELECT uscc FROM enterprises WHERE {BRANCH_OF_SQL} = 'X'"))).all()
        assert "ix_enterprises_branch_of" in " ".join(r[0] for r in plan)
    finally:
        await engine.dispose()
        await drop_pg_database(name)


async def test_siblings_of_uses_the_shell_index() -> None:
    need("PostgreSQL", pg_available())
    name = await create_pg_database()
    engine = create_engine(pg_url(name))
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            plan = (await conn.execute(text(
                f"EXPLAIN SELECT record FROM enterprises WHERE {ESTABLISHED_SQL} = '2021-09-08' "
                f"AND {CAPITAL_SQL} = CAST('1000000.0' AS numeric)"))).all()
        assert "ix_enterprises_shell" in " ".join(r[0] for r in plan)
    finally:
        await engine.dispose()
        await drop_pg_database(name)
