"""`verifier check`: nothing written without --record; every bad field of a line reported;
evaluated as the portal given with --portal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.factories import posting_dict
from verifier.cli import main
from verifier.families.duplicate.index import fingerprints
from verifier.store.db import create_engine
from verifier.store.tables import decisions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return CliRunner()


def _rows(url: str) -> dict[str, int]:
    async def go() -> dict[str, int]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                out = {}
                for name, table in (("decisions", decisions), ("fingerprints", fingerprints)):
                    out[name] = int((await conn.execute(
                        select(func.count()).select_from(table))).scalar_one())
                return out
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _input(tmp_path: Path) -> Path:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps(posting_dict(posting_id="a"), ensure_ascii=False),
        json.dumps(posting_dict(posting_id="b", headcount="x", title=None, bogus=1),
                   ensure_ascii=False)]) + "\n")
    return src


def test_check_writes_nothing_without_record(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/live.db"
    assert runner.invoke(main, ["db", "upgrade", "--database-url", url]).exit_code == 0
    before = _rows(url)
    out = tmp_path / "out.jsonl"
    res = runner.invoke(main, ["check", str(_input(tmp_path)), "-o", str(out),
                               "--database-url", url])
    assert res.exit_code == 1, res.output  # line 2 is unreadable
    assert _rows(url) == before and before["decisions"] == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0]["posting_id"] == "a"
    err = rows[1]["error"]
    assert "headcount" in err and "title" in err and "bogus" in err  # every bad field
    res = runner.invoke(main, ["check", str(_input(tmp_path)), "-o", str(out),
                               "--database-url", url, "--record"])
    after = _rows(url)
    assert after["decisions"] == 1 and after["fingerprints"] >= 1


def test_check_without_a_database_says_so_and_creates_none(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    res = runner.invoke(main, ["check", str(_input(tmp_path)), "-o", str(out)])
    assert res.exit_code == 1 and "no database at" in res.output
    assert "empty registry" in " ".join(res.output.split())
    assert json.loads(out.read_text().splitlines()[0])["posting_id"] == "a"
    assert not (tmp_path / "xdg").exists()
    rec = runner.invoke(main, ["check", str(_input(tmp_path)), "-o", str(out), "--record"])
    assert rec.exit_code == 1 and "error: no database at" in rec.output
    assert not (tmp_path / "xdg").exists()


def _portals(url: str) -> tuple[set[str], set[str]]:
    async def go() -> tuple[set[str], set[str]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return (set((await conn.execute(select(decisions.c.portal))).scalars()),
                        set((await conn.execute(select(fingerprints.c.portal))).scalars()))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_check_evaluates_as_the_portal_it_is_given(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/live.db"
    assert runner.invoke(main, ["db", "upgrade", "--database-url", url]).exit_code == 0
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps(posting_dict(posting_id="a"), ensure_ascii=False) + "\n")
    res = runner.invoke(main, ["check", str(first), "-o", str(tmp_path / "o1.jsonl"),
                               "--database-url", url, "--record", "--portal", "zhaopin"])
    assert res.exit_code == 0, res.output
    # The fingerprint is kept under the portal the decision names, not a guessed one.
    assert _portals(url) == ({"zhaopin"}, {"zhaopin"})
    # The same job with other pay: on the same portal a repost, on another one inconsistent.
    again = tmp_path / "again.jsonl"
    again.write_text(json.dumps(posting_dict(posting_id="b", salary={
        "text": "20k-30k", "min": 20000, "max": 30000, "unit": "month"}),
        ensure_ascii=False) + "\n")
    rules = {}
    for portal in ("zhaopin", "liepin"):
        out = tmp_path / f"{portal}.jsonl"
        res = runner.invoke(main, ["check", str(again), "-o", str(out), "--database-url", url,
                                   "--portal", portal])
        assert res.exit_code == 0, res.output
        decision = json.loads(out.read_text())
        assert decision["portal"] == portal
        rules[portal] = {f["rule"] for f in decision["findings"]}
    assert "duplicate.inconsistent" not in rules["zhaopin"]
    assert "duplicate.inconsistent" in rules["liepin"]
