"""`verifier portals webhook set|show|disable`: the secret is shown once; disable stops events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from verifier.cli import main
from verifier.models import Role
from verifier.review.webhooks import endpoints
from verifier.store import migrate
from verifier.store.db import create_engine
from verifier.store.keys import create_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RULES_DIR", str(ROOT / "rules"))
    monkeypatch.delenv("REDIS_URL", raising=False)

    async def prepare() -> None:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await create_key(engine, "zhaopin", Role.portal)
        await engine.dispose()

    asyncio.run(prepare())
    return CliRunner()


def _stored(url: str) -> endpoints.Endpoint | None:
    async def go() -> endpoints.Endpoint | None:
        engine = create_engine(url)
        try:
            return await endpoints.get(engine, "zhaopin")
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_set_show_rotate_disable(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    out = runner.invoke(main, ["portals", "webhook", "set", "zhaopin", "https://h.example/in"])
    assert out.exit_code == 0, out.output
    secret = out.output.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and len(secret) > 40
    stored = _stored(url)
    assert stored is not None and stored.secret == secret and stored.enabled
    again = runner.invoke(main, ["portals", "webhook", "set", "zhaopin", "https://h.example/v2"])
    assert again.exit_code == 0 and secret not in again.output  # shown once only
    assert _stored(url).secret == secret  # type: ignore[union-attr]
    show = runner.invoke(main, ["portals", "webhook", "show", "zhaopin"])
    assert "https://h.example/v2" in show.output and secret not in show.output
    assert secret[:10] in show.output
    rotated = runner.invoke(main, ["portals", "webhook", "set", "zhaopin",
                                   "https://h.example/v2", "--rotate-secret"])
    new_secret = rotated.output.strip().splitlines()[-1]
    assert new_secret.startswith("whsec_") and new_secret != secret
    off = runner.invoke(main, ["portals", "webhook", "disable", "zhaopin"])
    assert off.exit_code == 0 and not _stored(url).enabled  # type: ignore[union-attr]
    assert "disabled" in runner.invoke(main, ["portals", "webhook", "show", "zhaopin"]).output


@pytest.mark.parametrize(("args", "message"), [
    (["set", "zhaopin", "ftp://h.example/x"], "not an absolute http(s) URL"),
    (["set", "zhaopin", "/relative"], "not an absolute http(s) URL"),
    (["set", "nobody", "https://h.example/x"], "no portal key named 'nobody'"),
    (["show", "nobody"], "has no webhook endpoint"),
    (["disable", "nobody"], "has no webhook endpoint"),
])
def test_bad_input_is_refused(runner: CliRunner, args: list[str], message: str) -> None:
    out = runner.invoke(main, ["portals", "webhook", *args])
    assert out.exit_code == 1 and message in out.output
