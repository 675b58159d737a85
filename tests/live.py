"""Real server processes for tests that need them (durability, several processes, signals)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    """A running `verifier serve` process."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        """SIGKILL, no goodbye."""
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def hup(self) -> None:
        """Ask for a rule reload."""
        self.proc.send_signal(signal.SIGHUP)


def start_server(
    port: int, db_url: str, tmp: Path, *, redis_url: str | None = None,
    rules_dir: Path | None = None, workers: int = 1, timeout: float = 240.0,
    extra_env: dict[str, str] | None = None,
) -> Server:
    """Start `verifier serve --demo` and wait until /readyz answers 200."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url, "RULES_DIR": str(rules_dir or ROOT / "rules"),
        "EPOCH_POLL_S": "0.5", "LOG_LEVEL": "WARNING",
    })
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    log = tmp / f"server-{port}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "verifier", "serve", "--demo", "--port", str(port),
             "--workers", str(workers)],
            stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )
    server = Server(proc, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/readyz", timeout=1) as resp:
                if resp.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server not ready in {timeout}s: {log.read_text()[-3000:]}")
