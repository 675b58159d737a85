"""Bounded fault scenarios (the long ones: `bench/faults.py`); see tests/faults/scenarios.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import scenarios
from tests.faults.services import OwnPostgres

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_sigkill_of_both_workers_loses_no_acknowledged_decision(
    backend: str, own_pg: OwnPostgres, tmp_path: Path
) -> None:
    url = (f"sqlite+aiosqlite:///{tmp_path}/kill.db" if backend == "sqlite"
           else own_pg.create_database(f"kill_{tmp_path.name[-12:].lower()}"))
    got = await scenarios.sigkill_workers(url, tmp_path)
    print(backend, got)
    assert got["acked"] > 0 and got["acked_after_restart"] > 0


async def test_postgres_restart_gives_503_then_recovers(
    own_pg: OwnPostgres, tmp_path: Path
) -> None:
    got = await scenarios.postgres_restart(own_pg, tmp_path)
    print(got)
    assert got["recovered_s"] <= 5.0


async def test_redis_stopped_mid_load_changes_no_outcome(
    own_pg: OwnPostgres, tmp_path: Path
) -> None:
    got = await scenarios.redis_stopped(own_pg, tmp_path)
    print(got)
    assert got["outcomes_changed"] == 0


async def test_broken_rule_pack_is_refused_while_serving(tmp_path: Path) -> None:
    got = await scenarios.broken_rule_pack(f"sqlite+aiosqlite:///{tmp_path}/p.db", tmp_path)
    print(got)
    assert got["refusals_logged"] >= 1
