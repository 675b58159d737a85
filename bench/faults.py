"""Long runs of the fault scenarios (the test suite runs bounded ones).

    .venv/bin/python bench/faults.py                 # all, about 5 minutes
    .venv/bin/python bench/faults.py sigkill --seconds 60

Starts its own PostgreSQL (initdb in a temporary directory) and Redis servers on spare
ports; the machine's own are never touched. Prints one JSON line per scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.faults import scenarios
from tests.faults.services import OwnPostgres


async def main(which: list[str], seconds: float) -> None:
    pg = OwnPostgres().init()
    try:
        for name in which:
            with tempfile.TemporaryDirectory(prefix=f"fault-{name}-") as tmp:
                t0 = time.monotonic()
                tmp_path = Path(tmp)
                if name == "sigkill-sqlite":
                    got = await scenarios.sigkill_workers(
                        f"sqlite+aiosqlite:///{tmp}/k.db", tmp_path, before_s=seconds,
                        after_s=seconds / 2, concurrency=32)
                elif name == "sigkill-postgres":
                    got = await scenarios.sigkill_workers(
                        pg.create_database(f"k{int(t0)}"), tmp_path, before_s=seconds,
                        after_s=seconds / 2, concurrency=32)
                elif name == "postgres-restart":
                    got = await scenarios.postgres_restart(
                        pg, tmp_path, before_s=seconds / 2, down_s=seconds / 4,
                        after_s=seconds / 2, concurrency=32)
                elif name == "redis-stopped":
                    got = await scenarios.redis_stopped(pg, tmp_path,
                                                        rounds=max(1, int(seconds // 10)))
                else:
                    got = await scenarios.broken_rule_pack(
                        f"sqlite+aiosqlite:///{tmp}/p.db", tmp_path, serve_s=seconds)
                got["scenario"] = name
                got["wall_s"] = round(time.monotonic() - t0, 1)
                print(json.dumps(got, ensure_ascii=False), flush=True)
    finally:
        pg.destroy()


ALL = ["sigkill-sqlite", "sigkill-postgres", "postgres-restart", "redis-stopped", "rule-pack"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="*", default=ALL)
    ap.add_argument("--seconds", type=float, default=30.0, help="load phase length")
    args = ap.parse_args()
    asyncio.run(main(args.scenario or ALL, args.seconds))
