"""Spine cost in instructions: what one `/v1/postings/verify` request costs, counted by
callgrind, so that two builds can be compared on a busy machine.

    .venv/bin/python bench/spine_ir.py [--requests 400] [--against REV] [--all-families]

Wall-clock figures (bench/spine.py) drift by ±20 % on a shared machine; instruction counts
do not (the same build measures within ~3 % run to run). Each measured tree serves the
corpus postings in-process through aiohttp's test client, 16 at a time, on a fresh SQLite
file with the spine-only pack (every family but content and campaign disabled, as
`bench/spine.py --spine-only`; `--all-families` keeps them all). Callgrind counts only the
request section (instrumentation is switched on after start-up and a warm-up of 200
requests, and off before shutdown). The ceiling, measured in the same run the same way, is
a bare aiohttp endpoint that only parses the JSON; the ratio is ceiling / service.

`--against REV` measures a git revision of this repository too (checked out into a
temporary worktree, imported with this checkout's virtualenv), e.g. the build before a
change: `--against dbc328c`. Needs valgrind (installed with apt-get if missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 200
SPINE_CHECKS = ("content", "campaign")


def _bodies(tree: Path, n: int) -> list[bytes]:
    lines = (tree / "fixtures/corpus/postings.jsonl").read_text(encoding="utf-8").splitlines()
    postings = [json.loads(raw)["posting"] for raw in lines if raw.strip()]
    out = []
    for i in range(n):
        p = dict(postings[i % len(postings)], posting_id=f"ir{i}-{uuid.uuid4().hex[:8]}")
        out.append(json.dumps(p, ensure_ascii=False).encode())
    return out


def _spine_rules(tree: Path, tmp: Path, all_families: bool) -> Path:
    rules = tmp / "rules"
    shutil.copytree(tree / "rules", rules)
    if not all_families:
        from verifier.pipeline.catalog import discover_checks

        ids = sorted(c.id for c in discover_checks() if c.id not in SPINE_CHECKS)
        policy = rules / "policy.toml"
        policy.write_text(re.sub(r"^disabled_checks = \[\]$",
                                 f"disabled_checks = {json.dumps(ids)}",
                                 policy.read_text(encoding="utf-8"), flags=re.M),
                          encoding="utf-8")
    return rules


def _handshake(signal_dir: Path, mine: str, theirs: str) -> None:
    """Tell the driver we reached `mine`, block until it answers `theirs` (the loop is idle:
    blocking it keeps the wait out of the counted instructions' way)."""
    (signal_dir / mine).touch()
    while not (signal_dir / theirs).exists():
        time.sleep(0.05)


async def _section(app: Any, bodies: list[bytes], signal_dir: Path | None) -> None:
    """Warm up, then (between the two signals) serve the measured requests."""
    from aiohttp.test_utils import TestClient, TestServer

    headers = {"Authorization": "Bearer demo-portal-key", "Content-Type": "application/json"}
    async with TestClient(TestServer(app)) as client:
        gate = asyncio.Semaphore(16)

        async def one(body: bytes) -> None:
            async with gate:
                r = await client.post("/v1/postings/verify", data=body, headers=headers)
                if r.status != 200:
                    raise SystemExit(f"status {r.status}: {(await r.text())[:300]}")
                await r.read()

        await asyncio.gather(*(one(b) for b in bodies[:WARMUP]))
        if signal_dir:
            _handshake(signal_dir, "ready", "go")
        await asyncio.gather(*(one(b) for b in bodies[WARMUP:]))
        if signal_dir:
            _handshake(signal_dir, "done", "stop")


def _child(kind: str, tree: Path, n: int, all_families: bool, signal_dir: Path) -> None:
    """Runs under valgrind: build the app of `tree` (or the bare ceiling) and serve."""
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    tmp = Path(tempfile.mkdtemp(prefix="spine-ir-"))
    bodies = _bodies(tree, n)
    if kind == "bare":
        from aiohttp import web

        sys.path.insert(0, str(ROOT / "bench"))
        from bare_server import handle

        app = web.Application()
        app.router.add_post("/v1/postings/verify", handle)
    else:
        os.environ.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/ir.db", DEMO="1",
                          LOG_LEVEL="WARNING",
                          RULES_DIR=str(_spine_rules(tree, tmp, all_families)))
        os.environ.pop("REDIS_URL", None)
        import logging

        logging.basicConfig(level=logging.WARNING)
        from verifier import server
        from verifier.api.app import create_app
        from verifier.settings import Settings

        settings = Settings()
        asyncio.run(server._migrate(settings))
        app = create_app(settings)
    asyncio.run(_section(app, bodies, signal_dir))
    shutil.rmtree(tmp, ignore_errors=True)


def _measure(kind: str, tree: Path, n: int, all_families: bool) -> float:
    """Instructions per measured request of one child run under callgrind."""
    sig = Path(tempfile.mkdtemp(prefix="spine-ir-sig-"))
    out = sig / "callgrind.out"
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
           f"--callgrind-out-file={out}", sys.executable, __file__, "--child", kind,
           str(tree), str(n), str(sig)] + (["--all-families"] if all_families else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for name, switch in (("ready", "on"), ("done", "off")):
            while not (sig / name).exists():
                if proc.poll() is not None:
                    raise SystemExit(f"{kind} {tree}: child exited: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
                time.sleep(0.2)
            subprocess.run(["callgrind_control", "-i", switch, str(proc.pid)],
                           check=True, capture_output=True)
            (sig / ("go" if switch == "on" else "stop")).touch()
        _, err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
    found = re.search(r"Collected : (\d+)", err)
    shutil.rmtree(sig, ignore_errors=True)
    if not found:
        raise SystemExit(f"no instruction count from callgrind:\n{err[-2000:]}")
    return int(found.group(1)) / (n - WARMUP)


def _ensure_valgrind() -> None:
    if shutil.which("valgrind") is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "valgrind"], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=400, help="measured requests per run")
    ap.add_argument("--against", default=None, help="a git revision to measure as well")
    ap.add_argument("--all-families", action="store_true")
    ap.add_argument("--child", nargs=4, metavar=("KIND", "TREE", "N", "SIGNAL_DIR"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, tree, n, sig = args.child
        _child(kind, Path(tree), int(n), args.all_families, Path(sig))
        return
    _ensure_valgrind()
    n = args.requests + WARMUP
    trees: list[tuple[str, Path]] = [("this checkout", ROOT)]
    other: Path | None = None
    if args.against:
        other = Path(tempfile.mkdtemp(prefix="spine-ir-rev-")) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other),
                        args.against], check=True, capture_output=True)
        trees.append((args.against, other))
    try:
        ceiling = _measure("bare", ROOT, n, False)
        rows = [(name, _measure("verifier", tree, n, args.all_families))
                for name, tree in trees]
    finally:
        if other is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(other)], check=False, capture_output=True)
    pack = "all families" if args.all_families else "spine only (content, campaign)"
    print(f"\ninstructions per /v1/postings/verify request (callgrind), {args.requests} "
          f"requests, corpus mix, SQLite, {pack}")
    print(f"{'build':34} {'instructions':>14} {'ratio ceiling/build':>20}")
    print(f"{'bare aiohttp (parse only)':34} {ceiling:>14,.0f} {'':>20}")
    for name, ir in rows:
        print(f"{name:34} {ir:>14,.0f} {ceiling / ir:>19.1%}")
    if len(rows) == 2:
        print(f"this checkout / {args.against}: {rows[0][1] / rows[1][1]:.3f}")


if __name__ == "__main__":
    main()
