"""Status vocabulary: every real string maps to its normalized status; unknowns are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import RULES
from verifier.pack import PackReader, RulePackError
from verifier.registry.records import Status
from verifier.registry.status import StatusMap


@pytest.fixture(scope="module")
def statuses() -> StatusMap:
    return StatusMap.from_rules(RULES)


# Strings from ../shared/data/README.md and ../shared/domain/registration_status_actions.csv.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("存续（在营、开业、在册）", Status.active),
        ("存续 (在营、开业、在册)", Status.active),
        ("开业", Status.active),
        ("存续", Status.active),
        ("在营（开业）企业", Status.active),
        ("在业", Status.active),
        ("已开业", Status.active),
        ("在营", Status.active),
        ("在册", Status.active),
        ("正常", Status.active),
        ("迁入", Status.active),
        ("迁出", Status.moved_out),
        ("停业", Status.suspended),
        ("停业整顿", Status.suspended),
        ("责令停业", Status.suspended),
        ("歇业", Status.closed_temporarily),
        ("歇业备案", Status.closed_temporarily),
        ("清算", Status.liquidating),
        ("清算中", Status.liquidating),
        ("强制清算", Status.liquidating),
        ("吊销，未注销", Status.revoked),
        ("吊销,未注销", Status.revoked),
        ("吊销未注销", Status.revoked),
        ("吊销", Status.revoked),
        ("责令关闭", Status.revoked),
        ("注销", Status.deregistered),
        ("已注销", Status.deregistered),
        ("吊销，已注销", Status.deregistered),
        ("撤销", Status.cancelled),
        ("撤销登记", Status.cancelled),
        ("其他", Status.unknown),
    ],
)
def test_known_strings(statuses: StatusMap, raw: str, expected: Status) -> None:
    got = statuses.resolve(raw)
    assert (got.status, got.known) == (expected, True)


def test_every_status_is_reachable(statuses: StatusMap) -> None:
    assert set(statuses.table.values()) == set(Status)


@pytest.mark.parametrize("raw", ["营业中吧", "xyz", "在逃"])
def test_unknown_string_is_reported(statuses: StatusMap, raw: str) -> None:
    got = statuses.resolve(raw)
    assert (got.status, got.known) == (Status.unknown, False)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_is_unknown_without_report(statuses: StatusMap, raw: str | None) -> None:
    got = statuses.resolve(raw)
    assert (got.status, got.known) == (Status.unknown, True)


def test_string_under_two_statuses_is_refused_with_line(tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "status.toml").write_text(
        '[[status]]\nstatus = "active"\nstrings = ["存续"]\n\n'
        '[[status]]\nstatus = "revoked"\nstrings = ["存续"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RulePackError) as exc:
        StatusMap.from_rules(tmp_path)
    assert exc.value.issues[0].file == "registry/status.toml"
    assert exc.value.issues[0].line == 3


def test_bad_status_name_is_refused_with_line(tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "status.toml").write_text(
        '[[status]]\nstatus = "active"\nstrings = ["存续"]\n\n'
        '[[status]]\nstatus = "dead"\nstrings = ["x"]\n',
        encoding="utf-8",
    )
    pack = PackReader(tmp_path)
    StatusMap.load(pack)
    # the second [[status]] entry (its header, line 5, or its key, line 6)
    assert pack.issues and pack.issues[0].line in (5, 6)
