"""The built wheel, installed into a fresh venv, serves from an unrelated directory.

What the Dockerfile does: build the wheel, install it (no source tree beside it), point
`RULES_DIR` at a copy of the rule pack and `DATABASE_URL` at a database, run
`verifier serve`. Dependencies come from a wheelhouse cached per dependency set
(~/.cache/posting-verifier/), so after the first run the install needs no index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    ROOT,
    create_pg_database,
    drop_pg_database,
    free_port,
    need,
    pg_available,
    pg_url,
)
from tests.packaging.test_dockerfile import DOCKERFILE, healthcheck_cmd, instructions

pytestmark = pytest.mark.slow
HUAWEI = "914403001922038216"


def _pip(*args: str, timeout: float = 600) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout}\n{done.stderr}"


def _wheelhouse(wheel: Path) -> Path:
    """Wheels of every dependency, built once per dependency set and reused."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    key = hashlib.sha256(json.dumps(sorted(deps)).encode()).hexdigest()[:12]
    house = Path.home() / ".cache" / "posting-verifier" / f"wheelhouse-{key}"
    if not (house / ".complete").exists():
        house.mkdir(parents=True, exist_ok=True)
        _pip("wheel", "-w", str(house), str(wheel))
        (house / ".complete").touch()
    return house


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the built wheel and its dependencies; returns its bin/."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    _pip("wheel", "--no-deps", "-w", str(dist), str(ROOT))
    (wheel,) = dist.glob("posting_verifier-*.whl")
    house = _wheelhouse(wheel)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    _pip("--python", str(venv / "bin" / "python"), "install", "--no-compile", "--no-index",
         "--find-links", str(house), str(wheel))
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """An unrelated working directory and an environment naming a copy of the rule pack."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    rules = shutil.copytree(ROOT / "rules", tmp_path / "pack")
    with (rules / "registry" / "names.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n# this copy differs from the repo's pack by this comment only\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RULES_DIR": str(rules),
           "LOG_LEVEL": "WARNING", "EPOCH_POLL_S": "0.5"}
    yield cwd, env


def _cli(bindir: Path, cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(bindir / "verifier"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"verifier {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout.strip()


def _http(url: str, body: dict[str, Any] | None = None, key: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _serve(bindir: Path, cwd: Path, env: dict[str, str], *args: str) -> tuple[Any, str]:
    port = free_port()
    log = cwd / f"serve-{port}.log"
    fh = log.open("wb")
    proc = subprocess.Popen([str(bindir / "verifier"), "serve", "--port", str(port), *args],
                            cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    fh.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited {proc.returncode}: {log.read_text()[-3000:]}"
        try:
            if _http(url + "/readyz")[0] == 200:
                return proc, url
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    proc.kill()
    raise AssertionError(f"not ready in 90 s: {log.read_text()[-3000:]}")


def _healthcheck(bindir: Path, url: str) -> int:
    """Exit code of the Dockerfile's HEALTHCHECK command against the server at `url`."""
    cmd = healthcheck_cmd(instructions(DOCKERFILE.read_text(encoding="utf-8")))
    assert cmd[0] == "python"
    env = {"PATH": "/usr/bin:/bin", "PORT": url.rsplit(":", 1)[1]}
    return subprocess.run([str(bindir / "python"), *cmd[1:]], env=env, capture_output=True,
                          timeout=30).returncode


def _stop(proc: Any) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def _posting(posting_id: str) -> dict[str, Any]:
    return {"posting_id": posting_id, "title": "Java开发工程师（2022届校招）",
            "description": "负责后端服务开发，要求本科及以上学历，熟悉Java与数据库，"
                           "工作地点深圳，五险一金，周末双休。",
            "enterprise": {"name": "华为技术有限公司", "uscc": HUAWEI},
            "location": {"province": "广东", "city": "深圳"},
            "salary": {"text": "8-12K·13薪"}, "employment_type": "full_time",
            "submitted_at": "2022-04-20T10:00:00+08:00"}


@cache
def repo_rules_version() -> str:
    """rules_version of the repo's own pack."""
    from verifier.pipeline.catalog import Catalog

    return Catalog.load(ROOT / "rules").rules_version


def _verify_end_to_end(url: str, key: str, *, demo_registry: bool) -> None:
    status, dec = _http(url + "/v1/postings/verify", _posting("wheel-1"), key)
    assert status == 200, dec
    status, catalog = _http(url + "/v1/rules", key=key)
    assert status == 200 and dec["rules_version"] == catalog["rules_version"]
    # The pack RULES_DIR names decided (its names.toml differs from the repo's by a comment).
    assert dec["rules_version"] != repo_rules_version()
    if demo_registry:  # the demo registry shipped in the package was loaded
        assert dec["enterprise"]["uscc"] == HUAWEI and dec["enterprise"]["match"] == "uscc"
    else:  # an empty registry
        assert dec["enterprise"] is None
    status, again = _http(url + "/v1/postings/wheel-1/decision", key=key)
    assert status == 200 and again["decision_id"] == dec["decision_id"]


def test_wheel_serves_on_sqlite_from_another_directory(
    installed: Path, elsewhere: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    cwd, env = elsewhere
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'data' / 'verifier.db'}"
    _cli(installed, cwd, env, "db", "upgrade")
    key = _cli(installed, cwd, env, "keys", "create", "--role", "portal", "--name", "wheel")
    proc, url = _serve(installed, cwd, env, "--demo")
    try:
        _verify_end_to_end(url, key, demo_registry=True)
        assert _healthcheck(installed, url) == 0
    finally:
        _stop(proc)
    assert _healthcheck(installed, url) != 0
    assert "Traceback" not in (cwd / f"serve-{url.rsplit(':', 1)[1]}.log").read_text()
    assert _cli(installed, cwd, env, "audit", "verify").startswith("ok: 1 decisions")
    assert not (cwd / "var").exists()  # nothing written relative to the working directory


@pytest.mark.postgres
async def test_wheel_serves_on_postgres_with_two_workers(
    installed: Path, elsewhere: tuple[Path, dict[str, str]]
) -> None:
    need("PostgreSQL", pg_available())
    cwd, env = elsewhere
    name = await create_pg_database()
    try:
        env["DATABASE_URL"] = pg_url(name)
        _cli(installed, cwd, env, "db", "upgrade")
        key = _cli(installed, cwd, env, "keys", "create", "--role", "portal", "--name", "pgw")
        proc, url = _serve(installed, cwd, env, "--workers", "2")
        try:
            _verify_end_to_end(url, key, demo_registry=False)
        finally:
            _stop(proc)
        assert _cli(installed, cwd, env, "audit", "verify").startswith("ok: 1 decisions")
    finally:
        await drop_pg_database(name)


def test_no_source_tree_in_the_venv(installed: Path) -> None:
    """The installed package has no rule pack beside it: RULES_DIR is the only way in."""
    site = next((installed.parent / "lib").glob("python3*/site-packages"))
    assert (site / "verifier" / "demo_data" / "registry.jsonl").is_file()
    assert not (site / "rules").exists()
    assert os.path.realpath(site) != os.path.realpath(ROOT)
