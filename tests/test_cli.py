"""The `verifier` command: rules check, keys, db upgrade, audit verify, check."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from tests.factories import posting_dict
from verifier.cli import main
from verifier.store.db import create_engine
from verifier.store.keys import find_key

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """A CLI runner on a migrated SQLite database (as the service leaves it)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("RULES_DIR", str(ROOT / "rules"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    cli = CliRunner()
    assert cli.invoke(main, ["db", "upgrade"]).exit_code == 0
    return cli


def test_rules_check_ok_and_bad(runner: CliRunner, tmp_path: Path) -> None:
    ok = runner.invoke(main, ["rules", "check", str(ROOT / "rules")])
    assert ok.exit_code == 0 and "rules_version" in ok.output
    bad = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", bad)
    (bad / "content" / "content.toml").write_text("min_description_chars = 30\nbogus = 1\n")
    res = runner.invoke(main, ["rules", "check", str(bad)])
    assert res.exit_code == 1
    assert "content/content.toml:2: bogus" in res.output


def test_keys_create_prints_a_working_key_once(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(main, ["keys", "create", "--role", "portal", "--name", "zhaopin"])
    assert res.exit_code == 0, res.output
    key = res.output.strip().splitlines()[-1]
    assert key.startswith("pv_portal_")

    async def look() -> object:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/cli.db")
        try:
            found = await find_key(engine, key)
            async with engine.connect() as conn:
                stored = (await conn.execute(text("SELECT key_hash FROM api_keys"))).scalar()
            assert stored != key and key not in str(stored)  # only the hash is stored
            return found
        finally:
            await engine.dispose()

    found = asyncio.run(look())
    assert found is not None and found.name == "zhaopin"  # type: ignore[attr-defined]
    bad = runner.invoke(main, ["keys", "create", "--role", "king", "--name", "x"])
    assert bad.exit_code == 2


def test_check_file_then_record_and_audit(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    lines = [json.dumps(posting_dict(posting_id="a"), ensure_ascii=False),
             json.dumps({"posting": posting_dict(posting_id="b", salary=None)}, ensure_ascii=False),
             "{not json",
             json.dumps(posting_dict(posting_id="c", headcount="x"))]
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    res = runner.invoke(main, ["check", str(src), "-o", str(out), "--record"])
    assert res.exit_code == 1  # two unreadable lines
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r.get("posting_id") for r in rows[:2]] == ["a", "b"]
    assert rows[1]["outcome"] == "flag"
    assert rows[2] == {"line": 3, "error": rows[2]["error"]}
    assert rows[3]["line"] == 4 and "headcount" in rows[3]["error"]
    assert "content.missing.pay" in res.output
    audit = runner.invoke(main, ["audit", "verify"])
    assert audit.exit_code == 0 and "ok: 2 decisions" in audit.output


def test_audit_verify_names_altered_row(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(posting_dict(posting_id=f"p{i}")) for i in range(3)))
    assert runner.invoke(main, ["check", str(src), "--record"]).exit_code == 0

    async def tamper() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/cli.db")
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP TRIGGER decisions_no_update"))
                await conn.execute(text("UPDATE decisions SET risk_score = 0.5 WHERE seq = 2"))
        finally:
            await engine.dispose()

    asyncio.run(tamper())
    res = runner.invoke(main, ["audit", "verify"])
    assert res.exit_code == 1
    assert "seq=2" in res.output and "risk_score" in res.output


def test_db_upgrade(runner: CliRunner) -> None:
    res = runner.invoke(main, ["db", "upgrade"])
    assert res.exit_code == 0 and "revision" in res.output


def test_audit_verify_detects_an_edit_to_a_stored_posting(runner: CliRunner, tmp_path: Path
                                                          ) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(posting_dict(posting_id=f"p{i}", title="仓库管理员"),
                                        ensure_ascii=False) for i in range(3)))
    assert runner.invoke(main, ["check", str(src), "--record"]).exit_code == 0

    async def tamper() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/cli.db")
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP TRIGGER decisions_no_update"))
                await conn.execute(text(
                    "UPDATE decisions SET payload = replace(payload, '仓库管理员', '仓库主管') "
                    "WHERE seq = 3"))
        finally:
            await engine.dispose()

    asyncio.run(tamper())
    res = runner.invoke(main, ["audit", "verify"])
    assert res.exit_code == 1
    assert "seq=3" in res.output and "payload altered" in res.output
