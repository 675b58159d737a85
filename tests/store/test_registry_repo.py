"""The registry repository keeps each 注册号 once (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.registry.records import EnterpriseRecord
from verifier.store.registry_repo import RegistryRepo, RegnoConflict

X, Y, REGNO = "911100000A3X0AHN6J", "9111000013B7GUBY2Q", "100000000000006"


def rec(name: str, uscc: str | None = None, regno: str | None = None) -> EnterpriseRecord:
    return EnterpriseRecord(name=name, uscc=uscc, regno=regno)


async def test_a_regno_held_under_another_uscc_is_refused(engine: AsyncEngine) -> None:
    repo = RegistryRepo(engine)
    await repo.upsert([rec("甲", X, REGNO)])
    with pytest.raises(RegnoConflict) as got:
        await repo.upsert([rec("乙", Y, REGNO)])
    assert (got.value.regno, got.value.holder) == (REGNO, X)
    assert await repo.get(Y) is None and await repo.count() == 1
    with pytest.raises(RegnoConflict):  # two keys for one 注册号 in one write
        await repo.upsert([rec("丙", Y, "110000000000008"), rec("丁", None, "110000000000008")])
    assert await repo.count() == 1


async def test_a_uscc_record_takes_over_the_regno_only_record(engine: AsyncEngine) -> None:
    repo = RegistryRepo(engine)
    await repo.upsert([rec("甲", None, REGNO)])
    result = await repo.upsert([rec("甲公司", X, REGNO)])
    assert (result.inserted, result.updated) == (0, 1) and await repo.count() == 1
    got = await repo.get_by_regno(REGNO)
    assert got is not None and (got.uscc, got.name) == (X, "甲公司")
    assert await repo.get(X) == got
    # ... and a later 注册号-only update still keeps that USCC.
    await repo.upsert([rec("甲有限公司", None, REGNO)])
    got = await repo.get(X)
    assert got is not None and (got.regno, got.name) == (REGNO, "甲有限公司")
