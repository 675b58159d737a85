"""Failures an operator can fix, said in one or two lines: what is wrong, what to do.

Commands and start-up phases turn the exceptions of everyday mistakes (bad setting,
database unreachable or not migrated, busy port, broken rule pack) into `OperatorError`;
the CLI prints its two lines and exits non-zero (`verifier --debug ...` adds the traceback).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

EXIT_FAILURE = 1
EXIT_FATAL_WORKER = 3
"""A worker's exit code for a start-up failure that a restart cannot cure."""


class OperatorError(Exception):
    """A failure with what is wrong and what to do about it."""

    def __init__(self, what: str, todo: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(what)
        self.what = what
        self.todo = todo
        self.code = code

    def lines(self) -> list[str]:
        """The message as printed: the problem, then the remedy."""
        return [f"error: {self.what}", f"  {self.todo}"]


def safe_url(url: str) -> str:
    """The URL with any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show it as given, it holds no parsable secret
        return url


def sqlite_path(url: str) -> Path | None:
    """The absolute file path of an SQLite URL (None for other databases or :memory:)."""
    if not url.startswith("sqlite"):
        return None
    db = make_url(url).database
    if not db or db == ":memory:":
        return None
    return Path(db).resolve()


def _where(url: str) -> str:
    path = sqlite_path(url)
    if path is not None:
        return f"SQLite database {path}"
    try:
        u = make_url(url)
        return f"PostgreSQL at {u.host or 'localhost'}:{u.port or 5432} (database {u.database})"
    except Exception:
        return safe_url(url)


def _pg_message(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.split(") ", 1)[-1].strip().splitlines()[0] if text else type(exc).__name__


def explain_database(exc: BaseException, url: str) -> OperatorError | None:
    """The operator's version of a database failure, or None when it is not a known one."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    where = _where(url)
    fix_url = ("set DATABASE_URL (or --database-url) to the service's database, e.g. "
               "sqlite:////var/lib/verifier/verifier.db or postgresql://user:pw@host:5432/db")
    if isinstance(exc, ArgumentError | NoSuchModuleError | ValueError) and not isinstance(
        exc, DBAPIError
    ):
        return OperatorError(f"DATABASE_URL {safe_url(url)!r} is not a usable database URL "
                             f"({exc})", fix_url)
    if isinstance(exc, ImportError):  # a dialect whose driver is not installed: unsupported
        return OperatorError(f"DATABASE_URL {safe_url(url)!r} is not a usable database URL "
                             "(only SQLite and PostgreSQL are supported)", fix_url)
    if isinstance(exc, socket.gaierror):
        return OperatorError(f"cannot reach the {where}: unknown host", fix_url)
    if isinstance(exc, ConnectionRefusedError | TimeoutError) or (
        isinstance(exc, OSError) and exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH,
                                                   errno.ENETUNREACH, errno.ETIMEDOUT)
    ):
        return OperatorError(f"cannot reach the {where}: {exc.strerror or 'timed out'}"
                             if isinstance(exc, OSError) and exc.strerror
                             else f"cannot reach the {where}: connection failed",
                             "start the database (or fix the host/port in DATABASE_URL)")
    if isinstance(exc, PermissionError | FileNotFoundError | NotADirectoryError):
        return OperatorError(f"cannot open the {where}: {exc.strerror}",
                             "make its directory exist and writable by this user, "
                             "or " + fix_url)
    if isinstance(exc, DBAPIError):
        msg = _pg_message(exc)
        if "does not exist" in msg and "database" in msg:
            return OperatorError(f"the {where} does not exist ({msg})",
                                 "create it (e.g. `createdb NAME`) or " + fix_url)
        if "password" in msg or ("role" in msg and "does not exist" in msg):
            return OperatorError(f"the {where} refused the login ({msg})",
                                 "fix the user or password in DATABASE_URL")
        if "unable to open database file" in msg:
            return OperatorError(f"cannot open the {where}",
                                 "make its directory exist and writable, or " + fix_url)
        if "connect" in msg.lower() or "closed" in msg.lower():
            return OperatorError(f"cannot reach the {where} ({msg})",
                                 "start the database (or fix DATABASE_URL)")
    return None


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn known database failures inside the block into `OperatorError`."""
    try:
        yield
    except OperatorError:
        raise
    except Exception as exc:
        err = explain_database(exc, url)
        if err is None:
            raise
        raise err from exc


def explain_bind(exc: OSError, host: str, port: int) -> OperatorError | None:
    """The operator's version of a failure to listen on host:port."""
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return OperatorError(f"cannot listen on {where}: the port is already in use",
                             f"stop what listens there (`ss -ltnp 'sport = :{port}'`) "
                             "or choose another port (--port or PORT)")
    if exc.errno == errno.EACCES:
        return OperatorError(f"cannot listen on {where}: permission denied",
                             "use a port above 1023 (--port or PORT), or give the process "
                             "the right to bind low ports")
    if exc.errno in (errno.EADDRNOTAVAIL,) or isinstance(exc, socket.gaierror):
        return OperatorError(f"cannot listen on {where}: no such address on this machine",
                             "set HOST (or --host) to one of this machine's addresses, "
                             "0.0.0.0 for all")
    return None


def check_port(host: str, port: int) -> None:
    """Raise `OperatorError` if host:port cannot be listened on right now (port 0 passes)."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        err = explain_bind(exc, host, port)
        raise (err or exc) from exc
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            err = explain_bind(exc, host, port)
            if err is None:
                raise
            raise err from exc


def explain_settings(exc: Any) -> OperatorError:
    """The operator's version of a settings validation error (pydantic)."""
    parts, names = [], []
    for e in exc.errors(include_url=False)[:3]:
        name = ".".join(str(p) for p in e["loc"]).upper() or "(settings)"
        value = e.get("input")
        shown = f"={value!r}" if isinstance(value, str | int | float) else ""
        parts.append(f"{name}{shown}: {e['msg']}")
        names.append(f"{name} (or --{name.lower().replace('_', '-')})")
    return OperatorError("invalid setting " + "; ".join(parts),
                         "set " + ", ".join(names) + " to a valid value")


def explain_rules(exc: Any, rules_dir: Path) -> OperatorError:
    """The operator's version of a rule pack that cannot load (RulePackError)."""
    issues = [str(i) for i in exc.issues]
    more = f" (+{len(issues) - 1} more)" if len(issues) > 1 else ""
    return OperatorError(f"the rule pack at {rules_dir} cannot be loaded: {issues[0]}{more}",
                         "set RULES_DIR (or --rules-dir) to a rule pack directory (a copy "
                         "of the project's rules/); `verifier rules check DIR` lists every "
                         "problem")



def settings_from(**overrides: Any) -> Any:
    """Settings from the environment, with command-line options (those given) on top; every
    value is validated (an invalid option or variable is an `OperatorError`)."""
    from pydantic import ValidationError

    from verifier.settings import Settings

    given: dict[str, Any] = {k.upper(): v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)  # the environment for the rest
    except ValidationError as exc:
        raise explain_settings(exc) from exc
