"""Own PostgreSQL and Redis instances on spare ports, for tests that stop and restart them.

The machine's own services (5432, 6379) are never touched: each instance here lives in its
own temporary directory and is stopped by the pid this module started.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import free_port


def _wait_port(port: int, up: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} not {'up' if up else 'down'} after {timeout}s")


def pg_bin() -> Path | None:
    """The directory of PostgreSQL's server programs, if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root: then run it as the `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return "postgres"


@dataclass
class OwnPostgres:
    """A private PostgreSQL server (trust auth, fsync off) in a temporary directory."""

    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="verifier-pg-")))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.root / "data"

    def url(self, db: str = "postgres") -> str:
        """A SQLAlchemy URL of database `db`."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{db}"

    def init(self) -> OwnPostgres:
        """initdb, then start."""
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server programs not installed")
        user = _run_as()
        if user:
            shutil.chown(self.root, user)
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
             "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True, capture_output=True, user=user)
        return self.start()

    def start(self) -> OwnPostgres:
        """Start the server on its port and wait until it accepts connections."""
        bindir = pg_bin()
        assert bindir is not None
        log = (self.root / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "max_connections=200"],
            stdout=log, stderr=log, user=_run_as())
        _wait_port(self.port, up=True, timeout=30)
        self._wait_accepting()
        return self

    def _wait_accepting(self) -> None:
        bindir = pg_bin()
        assert bindir is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ok = subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p",
                                 str(self.port)], capture_output=True).returncode == 0
            if ok:
                return
            time.sleep(0.05)
        raise RuntimeError("own PostgreSQL did not accept connections")

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster this object started) and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def create_database(self, name: str) -> str:
        """A new database; returns its URL."""
        bindir = pg_bin()
        assert bindir is not None
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", name], check=True, capture_output=True)
        return self.url(name)

    def destroy(self) -> None:
        """Stop and delete the data directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class OwnRedis:
    """A private redis-server without persistence."""

    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        """Start and wait for the port."""
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server not installed")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, up=True, timeout=15)
        return self

    def stop(self) -> None:
        """Stop the server this object started."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None
        _wait_port(self.port, up=False, timeout=10)
