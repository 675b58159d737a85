"""The duplicate index across two portals, on SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import declared, make_facts, make_posting
from verifier.families.duplicate.checks import DuplicateCheck, DuplicateParams
from verifier.families.duplicate.fact import DuplicateFact
from verifier.families.duplicate.index import FingerprintIndex, sqlite_reader
from verifier.families.duplicate.lookup import BandMemory, TailState
from verifier.families.duplicate.provider import DuplicatesProvider, entry_of
from verifier.models import Finding, Posting, Severity
from verifier.pipeline.facts import posting_text
from verifier.store.db import create_engine
from verifier.store.side_writes import SideWriters

TEMPLATE = (
    "公司因业务扩张诚招网络客服，工作内容：通过在线平台回复顾客咨询，记录顾客需求并转交相关部门，"
    "每日整理聊天记录。要求会基本电脑操作，打字速度每分钟四十字以上，有耐心，普通话标准。"
    "入职即签劳动合同，缴纳五险，提供带薪培训，表现优秀者可晋升为客服主管。"
)
OTHER = (
    "负责仓库货物的入库、出库与盘点，按订单分拣打包并核对数量，保证发货及时准确；"
    "定期整理库位，维护叉车与货架等仓储设备，协助做好消防安全检查。"
)


async def new_provider(engine: AsyncEngine, **kw: Any) -> DuplicatesProvider:
    """A provider as `create` builds it (another process, when called again)."""
    reader = sqlite_reader(engine)  # lookups off the writer's lock
    p = DuplicatesProvider(FingerprintIndex(engine, reader=reader, **kw),
                           owned=[reader] if reader else [])
    await p.start()
    return p


@pytest.fixture
async def provider(engine: AsyncEngine) -> AsyncIterator[DuplicatesProvider]:
    p = await new_provider(engine)
    yield p
    await p.close()


@pytest.fixture
async def other(engine: AsyncEngine) -> AsyncIterator[DuplicatesProvider]:
    """A second instance on the same database, started before anything was committed."""
    p = await new_provider(engine)
    yield p
    await p.close()


def posting(pid: str, employer: str, description: str = TEMPLATE, **kw: Any) -> Posting:
    return make_posting(posting_id=pid, title=kw.pop("title", "网络客服"),
                        enterprise={"name": employer}, description=description, **kw)


async def resolve(provider: DuplicatesProvider, portal: str, p: Posting) -> DuplicateFact:
    fact = await provider.resolve(make_facts(p, portal=portal))
    assert isinstance(fact, DuplicateFact)
    return fact


def judge(p: Posting, fact: DuplicateFact, **params: Any) -> list[Finding]:
    return declared(DuplicateCheck(DuplicateParams(**params))).check(make_facts(p, duplicates=fact))


async def test_same_text_under_another_employer_on_another_portal(
        provider: DuplicatesProvider) -> None:
    first = posting("a-1", "北京甲乙信息技术有限公司")
    assert (await resolve(provider, "portal-a", first)).hits == ()
    second = posting("b-9", "上海丙丁商务咨询有限公司")
    fact = await resolve(provider, "portal-b", second)
    assert [(h.same_employer, h.same_portal) for h in fact.hits] == [(False, False)]
    assert fact.hits[0].similarity >= 0.95
    found = judge(second, fact)
    assert [f.rule for f in found] == ["duplicate.cross_employer"]
    assert found[0].severity is Severity.info  # one other employer: info
    # The other portal's posting is named only by an opaque reference.
    dumped = found[0].model_dump_json()
    for secret in ("portal-a", "a-1", "北京甲乙", "在线平台回复顾客咨询"):
        assert secret not in dumped


async def test_a_template_under_many_other_employers_is_a_flag(
        provider: DuplicatesProvider) -> None:
    await resolve(provider, "portal-a", posting("a-1", "北京甲乙信息技术有限公司"))
    await resolve(provider, "portal-b", posting("b-1", "上海丙丁商务咨询有限公司"))
    third = posting("a-2", "广州戊己贸易有限公司")
    fact = await resolve(provider, "portal-a", third)
    assert [(f.rule, f.severity) for f in judge(third, fact)] == [
        ("duplicate.cross_employer", Severity.info)]  # default: a flag from 5 employers on
    found = judge(third, fact, cross_employer_flag_employers=2)
    assert [(f.rule, f.severity) for f in found] == [("duplicate.cross_employer", Severity.flag)]
    assert found[0].evidence.data["other_count"] == 2


async def test_same_job_other_portal_different_pay_is_inconsistent(
        provider: DuplicatesProvider) -> None:
    employer = "北京甲乙信息技术有限公司"
    await resolve(provider, "portal-a", posting("a-1", employer, salary={"text": "4000-5000元/月"}))
    second = posting("b-1", employer, salary={"text": "8000-12000元/月"}, headcount=3)
    fact = await resolve(provider, "portal-b", second)
    assert [(h.same_employer, h.same_title, h.same_portal) for h in fact.hits] == [
        (True, True, False)]
    found = judge(second, fact)
    assert [(f.rule, f.severity) for f in found] == [("duplicate.inconsistent", Severity.flag)]
    differs = found[0].evidence.data["differs"]
    assert differs["pay_monthly"] == {"this": [8000.0, 12000.0], "other": [4000.0, 5000.0]}
    assert "a-1" not in found[0].model_dump_json()


@pytest.mark.parametrize(("first", "second", "rules"), [
    ({}, {}, []),                                                          # identical: fine
    ({"headcount": 3}, {"headcount": 8}, [("duplicate.inconsistent", Severity.info)]),
    ({"location": {"province": "北京", "city": "北京"}},
     {"location": {"province": "上海", "city": "上海市"}},
     [("duplicate.inconsistent", Severity.flag)]),
])
async def test_which_differences_count(provider: DuplicatesProvider, first: dict[str, Any],
                                       second: dict[str, Any], rules: list[Any]) -> None:
    employer = "北京甲乙信息技术有限公司"
    await resolve(provider, "portal-a", posting("a-1", employer, **first))
    p = posting("b-1", employer, **second)
    assert [(f.rule, f.severity) for f in judge(p, await resolve(provider, "portal-b", p))] == rules


async def test_same_employer_same_portal_is_not_inconsistent(provider: DuplicatesProvider) -> None:
    employer = "北京甲乙信息技术有限公司"
    await resolve(provider, "portal-a", posting("a-1", employer, headcount=3))
    p = posting("a-2", employer, headcount=9)
    assert judge(p, await resolve(provider, "portal-a", p)) == []


async def commit(provider: DuplicatesProvider, fact: DuplicateFact) -> None:
    """What the decision writer does with the fact's side writes: run them in a transaction."""
    sides = SideWriters(provider.side_writers())
    async with provider.index.engine.begin() as conn:
        await conn.run_sync(sides.write_attached, provider.side_writes(fact))


async def test_retries_replace_not_duplicate(provider: DuplicatesProvider,
                                             other: DuplicatesProvider) -> None:
    p = posting("a-1", "北京甲乙信息技术有限公司")
    for _ in range(3):
        fact = await resolve(provider, "portal-a", p)
        assert fact.hits == ()  # never itself
        await commit(provider, fact)
    assert await provider.index.count() == 1
    # Changed content under the same id replaces the old fingerprint and its bands.
    await commit(provider, await resolve(provider, "portal-a", posting(
        "a-1", "北京甲乙信息技术有限公司", description=OTHER)))
    assert await provider.index.count() == 1
    # Another process, already running, catches up by id and sees only the new version.
    probe = posting("b-1", "上海丙丁商务咨询有限公司")
    assert (await resolve(other, "portal-b", probe)).hits == ()
    assert len(other.lookup.memory) == 2  # the probe itself and a-1's new version
    # A process started now loads only what SQL holds.
    fresh = await new_provider(provider.index.engine)
    try:
        assert (await resolve(fresh, "portal-b", posting("b-2", "上海丙丁商务咨询有限公司"))
                ).hits == ()
    finally:
        await fresh.close()


async def test_committed_entries_are_seen_by_other_processes(
        provider: DuplicatesProvider, other: DuplicatesProvider) -> None:
    await commit(provider, await resolve(provider, "portal-a",
                                         posting("a-1", "北京甲乙信息技术有限公司")))
    # `other` was running before the commit: it catches up before its lookup.
    fact = await resolve(other, "portal-b", posting("b-1", "上海丙丁商务咨询有限公司"))
    assert [(h.same_employer, h.same_portal) for h in fact.hits] == [(False, False)]
    # A process started after the commit loads it.
    fresh = await new_provider(provider.index.engine)
    try:
        fact = await resolve(fresh, "portal-c", posting("c-1", "广州戊己贸易有限公司"))
        assert [h.same_portal for h in fact.hits] == [False]
    finally:
        await fresh.close()


async def test_uncommitted_entries_of_other_processes_are_not_seen(
        provider: DuplicatesProvider, other: DuplicatesProvider) -> None:
    await resolve(provider, "portal-a", posting("a-1", "北京甲乙信息技术有限公司"))
    assert (await resolve(other, "portal-b", posting("b-1", "上海丙丁商务咨询有限公司"))
            ).hits == ()


async def test_concurrent_lookups_share_one_batch(provider: DuplicatesProvider,
                                                  other: DuplicatesProvider) -> None:
    for i in range(3):
        await commit(provider, await resolve(provider, "portal-a",
                                             posting(f"a-{i}", f"北京甲乙{i}信息技术有限公司")))
    before = other.lookup.batches
    facts = await asyncio.gather(*(resolve(other, "portal-b", posting(
        f"b-{i}", f"上海丙丁{i}商务咨询有限公司")) for i in range(20)))
    assert other.lookup.batches - before < 20  # coalesced
    assert all(len(f.hits) >= 3 for f in facts)
    # Within one batch, later postings see the earlier ones (at most 20 per band).
    assert [len(f.hits) for f in facts] == [min(i, 20) for i in range(3, 23)]


async def test_entries_not_yet_committed_are_seen(provider: DuplicatesProvider) -> None:
    await resolve(provider, "portal-a", posting("a-1", "北京甲乙信息技术有限公司"))
    assert await provider.index.count() == 0  # its decision has not committed yet
    fact = await resolve(provider, "portal-b", posting("b-1", "上海丙丁商务咨询有限公司"))
    assert [h.same_employer for h in fact.hits] == [False]


async def test_unreadable_index_fails_closed(provider: DuplicatesProvider,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kw: Any) -> Any:
        raise OSError("disk gone")

    monkeypatch.setattr("verifier.families.duplicate.lookup.tail", broken)
    p = posting("a-9", "北京甲乙信息技术有限公司")
    with pytest.raises(OSError, match="disk gone"):
        await provider.resolve(make_facts(p, portal="portal-a"))


def _entry(pid: str, employer: str = "北京甲乙信息技术有限公司", **kw: Any) -> Any:
    p = posting(pid, employer, **kw)
    return entry_of(p, posting_text(p), "portal-a")


def test_memory_keeps_the_newest_up_to_its_capacity() -> None:
    memory = BandMemory(capacity=2)
    for i in range(3):
        memory.add(_entry(f"a-{i}"))
    assert len(memory) == 2
    assert sorted(e.posting_id for e in memory.similar(_entry("probe"))) == ["a-1", "a-2"]


def test_memory_keeps_the_newest_per_band() -> None:
    memory = BandMemory(per_band=3)
    for i in range(5):
        memory.add(_entry(f"a-{i}"))
    assert sorted(e.posting_id for e in memory.similar(_entry("probe"))) == ["a-2", "a-3", "a-4"]


def test_memory_replaces_a_changed_posting() -> None:
    memory = BandMemory()
    memory.add(_entry("a-1"))
    memory.add(_entry("a-1", description=OTHER))
    assert len(memory) == 1
    assert memory.similar(_entry("probe")) == []
    assert [e.posting_id for e in memory.similar(_entry("probe", description=OTHER))] == ["a-1"]


def test_tail_state_remembers_skipped_ids_for_a_while() -> None:
    state = TailState()
    state.advance([1, 2, 5], now=100.0)
    assert (state.last_id, sorted(state.gaps)) == (5, [3, 4])
    state.advance([3], now=101.0)  # a slow transaction committed id 3 late
    assert sorted(state.gaps) == [4]
    state.advance([6], now=1000.0)  # id 4 never came (rolled back or deleted): forgotten
    assert (state.last_id, state.gaps) == (6, {})


async def test_unrelated_text_is_no_hit(provider: DuplicatesProvider) -> None:
    await resolve(provider, "portal-a", posting("a-1", "北京甲乙信息技术有限公司"))
    assert (await resolve(provider, "portal-b", posting("b-1", "上海丙丁商务咨询有限公司",
                                                         description=OTHER))).hits == ()


async def test_unmigrated_database_leaves_the_fact_absent(tmp_path: Path) -> None:
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path}/old.db")
    try:
        p = DuplicatesProvider(FingerprintIndex(eng))
        await p.start()
        post = posting("a-1", "北京甲乙信息技术有限公司")
        assert await p.resolve(make_facts(post)) is None
    finally:
        await eng.dispose()


@pytest.mark.parametrize(("url", "expected"), [
    (None, "unknown"),
    ("https://bj.58.com/job/123.shtml", "58.com"),
    ("not a url", "unknown"),
])
def test_portal_without_scope_comes_from_the_source_url(url: str | None, expected: str) -> None:
    assert make_facts(make_posting(source_url=url)).portal == expected
    assert make_facts(make_posting(source_url=url), portal="zhaopin").portal == "zhaopin"


async def test_reposts_of_one_other_employer_count_as_one_employer(
        provider: DuplicatesProvider) -> None:
    for i in range(3):
        await resolve(provider, "portal-a", posting(f"a-{i}", "北京甲乙信息技术有限公司"))
        await resolve(provider, "portal-a", posting(f"c-{i}", "广州戊己贸易有限公司"))
    mine = posting("b-1", "上海丙丁商务咨询有限公司")
    fact = await resolve(provider, "portal-b", mine)
    assert len(fact.hits) == 6
    assert len({h.employer for h in fact.hits}) == 2
    found = judge(mine, fact, cross_employer_flag_employers=3)
    assert [(f.rule, f.severity) for f in found] == [("duplicate.cross_employer", Severity.info)]
    assert (found[0].evidence.data["employer_count"], found[0].evidence.data["other_count"]) == (
        2, 6)


async def test_a_backlog_larger_than_a_chunk_is_caught_up(
        provider: DuplicatesProvider, other: DuplicatesProvider) -> None:
    from verifier.families.duplicate.lookup import _CHUNK, upsert_many

    n = 2 * _CHUNK + 17
    p = posting("x", "北京甲乙信息技术有限公司", description=OTHER)
    e = entry_of(p, posting_text(p), "portal-a")
    entries = [(replace(e, posting_id=f"a-{i}"), datetime.now(UTC)) for i in range(n)]
    async with provider.index.engine.begin() as conn:
        await conn.run_sync(upsert_many, entries)
    read = await other.lookup.sync()
    assert read == n
    assert len(other.lookup.memory) == n
    assert other.lookup.state.gaps == {}


async def test_a_posting_whose_decision_was_not_written_is_forgotten(
        provider: DuplicatesProvider) -> None:
    fact = await resolve(provider, "portal-a", posting("a-1", "北京甲乙信息技术有限公司"))
    writes = provider.side_writes(fact)
    assert [w.writer for w in writes] == [provider.writer.name]
    # What the decision writer does when the batch's transaction fails:
    SideWriters(provider.side_writers()).abandon(writes)
    assert len(provider.lookup.memory) == 0
    assert (await resolve(provider, "portal-b", posting("b-1", "上海丙丁商务咨询有限公司"))
            ).hits == ()
