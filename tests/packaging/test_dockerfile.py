"""The Dockerfile, linted for what an operator relies on (no Docker daemon on the test host).

Pinned base image, non-root user, the SQLite directory a VOLUME, a health check on /readyz
that works (run against a real server in test_wheel.py), the rule pack where RULES_DIR says.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def env_of(ins: list[tuple[str, str]]) -> dict[str, str]:
    """ENV of the final stage."""
    last = max(i for i, (w, _) in enumerate(ins) if w == "FROM")
    env: dict[str, str] = {}
    for word, rest in ins[last:]:
        if word == "ENV":
            for part in shlex.split(rest):
                key, _, value = part.partition("=")
                env[key] = value
    return env


def healthcheck_cmd(ins: list[tuple[str, str]]) -> list[str]:
    """The health check's CMD in exec form."""
    (rest,) = [r for w, r in ins if w == "HEALTHCHECK"]
    cmd = rest[rest.index("CMD") + 3:].strip()
    got = json.loads(cmd)
    assert isinstance(got, list)
    return [str(x) for x in got]


@pytest.fixture(scope="module")
def ins() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


def test_base_image_pinned_to_an_exact_release(ins: list[tuple[str, str]]) -> None:
    args = dict(r.split("=", 1) for w, r in ins if w == "ARG" and "=" in r)
    images = [r.split()[0] for w, r in ins if w == "FROM"]
    assert images
    for image in images:
        m = re.fullmatch(r"\$\{(\w+)\}", image)
        ref = args[m.group(1)] if m else image
        assert "@sha256:" in ref or re.search(r":\d+\.\d+\.\d+(-[\w.-]+)?$", ref), ref


def test_runs_as_non_root(ins: list[tuple[str, str]]) -> None:
    users = [r for w, r in ins if w == "USER"]
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert [w for w, _ in ins].index("USER") < [w for w, _ in ins].index("ENTRYPOINT")


def test_sqlite_directory_is_a_volume(ins: list[tuple[str, str]]) -> None:
    url = env_of(ins)["DATABASE_URL"]
    assert url.startswith("sqlite")
    directory = str(Path(url.split(":///", 1)[1]).parent)
    volumes = [v for w, r in ins if w == "VOLUME" for v in json.loads(r)]
    assert directory in volumes
    owned = [r for w, r in ins if w == "RUN" and "chown" in r and directory in r]
    assert owned, "the volume directory must belong to the service user"


def test_healthcheck_asks_readyz(ins: list[tuple[str, str]]) -> None:
    cmd = healthcheck_cmd(ins)
    assert "/readyz" in " ".join(cmd) and "PORT" in " ".join(cmd)


def test_rule_pack_is_where_rules_dir_points(ins: list[tuple[str, str]]) -> None:
    rules_dir = env_of(ins)["RULES_DIR"]
    copies = [r.split() for w, r in ins if w == "COPY" and not r.startswith("--from")]
    assert ["rules", rules_dir] in copies
    assert not any(src[0] == "fixtures" for src in copies)  # demo data ships in the wheel
    assert any(w == "ENTRYPOINT" and json.loads(r)[:2] == ["verifier", "serve"] for w, r in ins)
    assert env_of(ins)["HOST"] == "0.0.0.0"
    assert any(w == "EXPOSE" and r == env_of(ins)["PORT"] for w, r in ins)
