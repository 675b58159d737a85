"""Spine benchmark: sustained verifications/s and p50/p99 latency of /v1/postings/verify.

One command: `.venv/bin/python bench/spine.py [--workers 2] [--seconds 10] [--database-url URL]`.
In the same run it measures a bare aiohttp endpoint that only parses the same JSON (the
ceiling on this machine) and prints the ratio. Load comes from wrk (installed with apt-get
if missing), each request a distinct posting so idempotency caches never help.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import posting_dict  # noqa: E402

SPINE_CHECKS = ("content", "campaign")
"""The check families built with the spine (issue #2); the others came with later issues."""


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    """Path of wrk, installing Debian's package when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get) ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def wait_ready(url: str, timeout: float = 60) -> None:
    """Poll until the URL answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:  # not up yet
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def run_wrk(wrk: str, port: int, seconds: int, conns: int, template: Path) -> dict[str, float]:
    """Run wrk once; requests/s, p50, p99 (ms) and non-2xx count."""
    out = subprocess.run(
        [wrk, "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-s",
         str(ROOT / "bench/post.lua"), f"http://127.0.0.1:{port}", "--",
         uuid.uuid4().hex[:8], str(template)],
        check=True, capture_output=True, text=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": _ms(lat.get("50", "")),
            "p99": _ms(lat.get("99", "")), "errors": float(non2xx.group(1)) if non2xx else 0.0}


def _templates(mix: str) -> str:
    """One JSON posting per line with "__ID__" for the posting id."""
    if mix == "single":
        return json.dumps(posting_dict(posting_id="__ID__"), ensure_ascii=False) + "\n"
    lines = []
    with (ROOT / "fixtures/corpus/postings.jsonl").open(encoding="utf-8") as fh:
        for raw in fh:
            posting = json.loads(raw)["posting"]
            posting["posting_id"] = "__ID__"
            lines.append(json.dumps(posting, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _options() -> argparse.Namespace:
    """The command line; with --spine-only, every non-spine check id added to --disable."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument("--disable", default="",
                    help="comma-separated check ids to disable (policy.toml disabled_checks), "
                         "e.g. duplicate,content_title to measure what families cost")
    ap.add_argument("--spine-only", action="store_true",
                    help="disable every check family except the spine's own (content, "
                         "campaign): what issue #2's target is about")
    ap.add_argument("--mix", choices=["corpus", "single"], default="corpus",
                    help="corpus: the 329 labelled corpus postings in turn (varied texts); "
                         "single: one posting repeated (every request near-duplicates the last)")
    args = ap.parse_args()
    if args.spine_only:
        from verifier.pipeline.catalog import discover_checks

        others = sorted(c.id for c in discover_checks() if c.id not in SPINE_CHECKS)
        args.disable = ",".join([*filter(None, args.disable.split(",")), *others])
    return args


def _rules_dir(tmp: Path, disable: str) -> Path:
    """The repository's rules, or a copy of them whose policy disables the given check ids."""
    if not disable:
        return ROOT / "rules"
    rules = tmp / "rules"
    shutil.copytree(ROOT / "rules", rules)
    policy = rules / "policy.toml"
    ids = [i.strip() for i in disable.split(",") if i.strip()]
    text = re.sub(r"^disabled_checks = \[\]$", f"disabled_checks = {json.dumps(ids)}",
                  policy.read_text(encoding="utf-8"), flags=re.M)
    policy.write_text(text, encoding="utf-8")
    return rules


def _measure(wrk: str, args: argparse.Namespace, template: Path, cmd: list[str],
             ready: str | None = None, **popen: Any) -> dict[str, float]:
    """Start a server (`cmd`, with `{port}` filled in), warm it up, measure it, stop it."""
    port = free_port()
    proc = subprocess.Popen([part.format(port=port) for part in cmd], **popen)
    try:
        if ready is None:
            time.sleep(2)
        else:
            wait_ready(f"http://127.0.0.1:{port}{ready}")
        run_wrk(wrk, port, 2, args.connections, template)  # warm-up
        return run_wrk(wrk, port, args.seconds, args.connections, template)
    finally:
        proc.terminate()
        proc.wait()


def _report(args: argparse.Namespace, db: str, results: dict[str, dict[str, float]]) -> None:
    """Both measurements and the ratio of the service to the bare ceiling."""
    where = "sqlite" if db.startswith("sqlite") else db.split("@")[-1]
    disabled = "all but " + "+".join(SPINE_CHECKS) if args.spine_only else args.disable or "-"
    print(f"\nworkers={args.workers} connections={args.connections} "
          f"seconds={args.seconds} db={where} mix={args.mix} disabled={disabled}")
    print(f"{'endpoint':34} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in results.items():
        print(f"{name:34} {r['rps']:>10.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
              f"{r['errors']:>8.0f}")
    names = list(results)
    ratio = results[names[1]]["rps"] / max(results[names[0]]["rps"], 1.0)
    print(f"ratio verifier/bare: {ratio:.1%} (target >= 20%)")


def main() -> None:
    """Measure the bare ceiling and the service in one run; print both and the ratio."""
    args = _options()
    wrk = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="bench-spine-"))
    template = tmp / "posting.json"
    template.write_text(_templates(args.mix))
    py = sys.executable
    results: dict[str, dict[str, float]] = {}
    results["bare aiohttp (parse only)"] = _measure(
        wrk, args, template, [py, str(ROOT / "bench/bare_server.py"), "{port}",
                              str(args.workers)])

    db = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    env = {**os.environ, "DATABASE_URL": db, "LOG_LEVEL": "WARNING",
           "RULES_DIR": str(_rules_dir(tmp, args.disable))}
    env.pop("REDIS_URL", None)
    results["verifier /v1/postings/verify"] = _measure(
        wrk, args, template, [py, "-m", "verifier", "serve", "--demo", "--port", "{port}",
                              "--workers", str(args.workers)],
        ready="/readyz", env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _report(args, db, results)


if __name__ == "__main__":
    main()
