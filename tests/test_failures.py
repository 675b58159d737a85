"""Everyday mistakes give one or two lines saying what is wrong and what to do, a non-zero
exit code, and no traceback (unless `verifier --debug`)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import (
    ROOT,
    create_pg_database,
    drop_pg_database,
    free_port,
    need,
    pg_available,
    pg_url,
)
from verifier.cli import main


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("RULES_DIR", str(ROOT / "rules"))
    for name in ("DATABASE_URL", "REDIS_URL", "PORT", "HOST", "VERIFIER_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def told(res: Result, *needles: str) -> str:
    """Assert a short, actionable failure; return its text."""
    text = res.output
    assert res.exit_code not in (0, None), text
    assert "Traceback" not in text, text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines and lines[0].startswith("error: "), text
    assert len(lines) <= 3, text  # what is wrong, what to do (and a note at most)
    for n in needles:
        assert n in text, (n, text)
    return text


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'svc' / 'verifier.db'}"


def test_port_not_a_number(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "abc")
    told(cli.invoke(main, ["serve"]), "PORT='abc'", "set PORT (or --port)")


def test_port_out_of_range(cli: CliRunner) -> None:
    told(cli.invoke(main, ["serve", "--port", "70000"]), "PORT=70000", "65535")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_port_in_use(cli: CliRunner, busy_port: int, workers: str) -> None:
    res = cli.invoke(main, ["serve", "--port", str(busy_port), "--workers", workers])
    told(res, f"127.0.0.1:{busy_port}", "already in use", "--port")


def test_host_not_on_this_machine(cli: CliRunner) -> None:
    told(cli.invoke(main, ["serve", "--host", "10.255.255.1", "--port", str(free_port())]),
         "no such address", "HOST")


def test_rule_pack_missing(cli: CliRunner, tmp_path: Path) -> None:
    res = cli.invoke(main, ["serve", "--port", str(free_port()),
                            "--rules-dir", str(tmp_path / "nope")])
    told(res, "rule pack", "not found", "RULES_DIR")


def test_bad_database_url(cli: CliRunner) -> None:
    told(cli.invoke(main, ["audit", "verify", "--database-url", "nonsense"]),
         "not a usable database URL", "postgresql://")
    told(cli.invoke(main, ["db", "upgrade", "--database-url", "mysql://x@h/db"]),
         "not a usable database URL")


def test_database_unreachable_hides_the_password(cli: CliRunner) -> None:
    url = f"postgresql://svc:hunter2@127.0.0.1:{free_port()}/verifier"
    for args in (["keys", "list"], ["audit", "verify"], ["db", "upgrade"],
                 ["serve", "--port", str(free_port())]):
        text = told(cli.invoke(main, [*args, "--database-url", url]),
                    "cannot reach the PostgreSQL", "start the database")
        assert "hunter2" not in text


def test_sqlite_directory_not_writable(cli: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    told(cli.invoke(main, ["db", "upgrade", "--database-url",
                           f"sqlite:///{blocker}/sub/verifier.db"]), "cannot open")


@pytest.mark.postgres
async def test_postgres_database_missing_and_not_migrated(cli: CliRunner) -> None:
    need("PostgreSQL", pg_available())
    missing = pg_url("vt_does_not_exist")
    res = await asyncio.to_thread(cli.invoke, main, ["keys", "list", "--database-url", missing])
    told(res, "does not exist", "createdb")
    name = await create_pg_database()
    try:
        for args in (["audit", "verify"], ["registry", "get", "91220101MA13XQYL0T"],
                     ["registry", "search", "华翰印务"], ["review", "export-labels"]):
            res = await asyncio.to_thread(cli.invoke, main,
                                          [*args, "--database-url", pg_url(name)])
            told(res, "has no schema", "verifier db upgrade")
    finally:
        await drop_pg_database(name)


USES_THE_DATABASE = [
    ["keys", "create", "--role", "portal", "--name", "p"], ["keys", "list"],
    ["keys", "revoke", "1"], ["keys", "rotate", "1"], ["audit", "verify"],
    ["registry", "get", "91220101MA13XQYL0T"], ["registry", "search", "华翰印务"],
    ["registry", "import", str(ROOT / "fixtures" / "corpus" / "registry.jsonl")],
    ["review", "export-labels"], ["portals", "webhook", "show", "zhaopin"],
    ["portals", "webhook", "set", "zhaopin", "https://example.org/hook"],
    ["portals", "webhook", "disable", "zhaopin"],
]


@pytest.mark.parametrize("args", USES_THE_DATABASE, ids=" ".join)
def test_commands_never_create_a_database(cli: CliRunner, tmp_path: Path,
                                          args: list[str]) -> None:
    """From another directory, with no DATABASE_URL, every command on the service's data
    (reads and writes alike) says there is no database there instead of making a new one."""
    default = tmp_path / "xdg" / "posting-verifier" / "verifier.db"
    told(cli.invoke(main, args), f"no database at {default}", "DATABASE_URL",
         "verifier db upgrade")
    assert not default.exists() and not (tmp_path / "var").exists()
    assert not default.parent.exists() or not any(default.parent.iterdir())


def test_default_database_is_per_user_not_per_directory(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.invoke(main, ["db", "upgrade"]).exit_code == 0
    key = cli.invoke(main, ["keys", "create", "--role", "admin", "--name", "ops"]).output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    listed = cli.invoke(main, ["keys", "list", "--json"])
    assert listed.exit_code == 0 and '"name":"ops"' in listed.output
    assert key.strip()[:16] in listed.output


def test_schema_out_of_date(cli: CliRunner, tmp_path: Path) -> None:
    from verifier.store import migrate
    from verifier.store.db import create_engine

    url = sqlite_url(tmp_path)

    async def old() -> None:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine, "0005")
        finally:
            await engine.dispose()

    asyncio.run(old())
    head = migrate.head_revision()
    for args in (["serve", "--port", str(free_port())], ["audit", "verify"]):
        told(cli.invoke(main, [*args, "--database-url", url]),
             f"revision 0005, this version needs {head}", "verifier db upgrade")


def test_debug_shows_the_traceback(cli: CliRunner) -> None:
    res = cli.invoke(main, ["--debug", "audit", "verify", "--database-url", "nonsense"])
    assert res.exit_code == 1
    assert "Traceback" in res.output and "error: DATABASE_URL" in res.output


def test_bad_key_name_is_a_usage_error(cli: CliRunner) -> None:
    res = cli.invoke(main, ["keys", "create", "--role", "portal", "--name", "\x01"])
    assert res.exit_code == 2 and "control characters" in res.output  # a usage error
