"""Process model: `verifier serve --workers N` (own supervisor, SO_REUSEPORT) against gunicorn's
aiohttp worker on the same app, same database, same load.

One command: `.venv/bin/python bench/process_model.py [--workers 2] [--seconds 10] [--rounds 2]`
(needs `pip install gunicorn` in the venv; it is not a dependency of the service). Prints
verifications/s, p50/p99 and errors of each (wrk, corpus postings, rounds alternated), and
what each does on a busy port: exit code and seconds until it gives up.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import spine  # noqa: E402

BIN = Path(sys.executable).parent
GUNICORN_APP = "bench.process_model:gunicorn_app"


async def gunicorn_app() -> object:
    """The service's app for gunicorn's aiohttp worker (settings from the environment)."""
    from verifier.api.app import create_app
    from verifier.settings import Settings

    return create_app(Settings())


def _cmd(kind: str, port: int, workers: int) -> list[str]:
    if kind == "serve":
        return [str(BIN / "verifier"), "serve", "--demo", "--port", str(port),
                "--workers", str(workers)]
    return [str(BIN / "gunicorn"), "-w", str(workers), "-k", "aiohttp.GunicornUVLoopWebWorker",
            "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", GUNICORN_APP]


def _start(kind: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(_cmd(kind, port, workers), env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    spine.wait_ready(f"http://127.0.0.1:{port}/readyz", timeout=180)
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def _busy_port(kind: str, workers: int, env: dict[str, str]) -> tuple[int | None, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        t0 = time.monotonic()
        proc = subprocess.Popen(_cmd(kind, port, workers), env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            code: int | None = proc.wait(120)
        except subprocess.TimeoutExpired:
            code = None
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        return code, time.monotonic() - t0


def main() -> None:
    """Measure both, alternating, and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--connections", type=int, default=64)
    args = ap.parse_args()
    wrk = spine.ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="pm-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
           "RULES_DIR": str(ROOT / "rules"), "DEMO": "1", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    subprocess.run([str(BIN / "verifier"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    template = tmp / "postings.jsonl"
    template.write_text(spine._templates("corpus"), encoding="utf-8")
    results: dict[str, list[dict[str, float]]] = {"serve": [], "gunicorn": []}
    for _ in range(args.rounds):
        for kind in ("serve", "gunicorn"):
            port = spine.free_port()
            proc = _start(kind, port, args.workers, env)
            try:
                spine.run_wrk(wrk, port, 2, args.connections, template)  # warm-up
                results[kind].append(spine.run_wrk(wrk, port, args.seconds, args.connections,
                                                   template))
            finally:
                _stop(proc)
    print(f"{args.workers} workers, {args.seconds} s x {args.rounds} rounds, "
          f"{args.connections} connections, SQLite")
    for kind, runs in results.items():
        rps = [r["rps"] for r in runs]
        code, took = _busy_port(kind, args.workers, env)
        print(f"{kind:9s} verifications/s {', '.join(f'{x:.0f}' for x in rps)}  "
              f"p50 {min(r['p50'] for r in runs):.1f} ms  p99 {min(r['p99'] for r in runs):.1f} ms"
              f"  errors {sum(r['errors'] for r in runs):.0f}  busy port: exit {code} "
              f"after {took:.1f} s")


if __name__ == "__main__":
    main()
