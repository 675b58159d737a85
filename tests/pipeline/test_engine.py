"""The engine fails closed: a check or fact that cannot run never lets a posting through."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pytest

from tests.factories import RULES, make_posting
from verifier.families.base import Check, Context
from verifier.families.facts import FactProvider
from verifier.families.rules import Emits, says
from verifier.models import Finding, Outcome, Severity
from verifier.pack import RulePackError
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine

REPO = RULES


def _declare(root: Path, family: str, *rules: str) -> None:
    (root / family).mkdir(exist_ok=True)
    (root / family / "rules.toml").write_text("".join(
        f'[[rule]]\nid = "{r}"\nseverity = "info"\ndescription = "x"\nmessage = "got"\n'
        for r in rules))


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    """A pack with the content family's files, the engine's rule, the test checks' rules and
    a plain policy."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copy(REPO / "engine.toml", tmp_path / "engine.toml")
    _declare(tmp_path, "boom", "boom.x")
    _declare(tmp_path, "needs", "needs.hit", "undeclared.hit")
    (tmp_path / "policy.toml").write_text("flag_threshold = 60\n")
    return tmp_path


class Boom(Check[Context]):
    """Always raises."""

    id = "boom"
    family = "boom"
    emits: ClassVar[Emits] = {"boom.x": says()}

    def check(self, ctx: Context) -> list[Finding]:
        raise RuntimeError("kaput")


class ReadsSlow(Protocol):
    @property
    def slow(self) -> bool | None: ...


class SlowContext(Context, ReadsSlow, Protocol):
    """The context of a check that declares the `slow` fact."""


class NeedsFact(Check[SlowContext]):
    """Reads the `slow` fact (declared by its context type)."""

    id = "needs"
    family = "needs"
    emits: ClassVar[Emits] = {"needs.hit": says()}

    def check(self, ctx: SlowContext) -> list[Finding]:
        return [self.finding("needs.hit")] if ctx.slow else []


def test_declared_fact_slots_are_the_checks_facts() -> None:
    assert NeedsFact.facts == ("slow",)
    assert Boom.facts == ()


class Failing(FactProvider):
    name = "slow"

    async def resolve(self, ctx: Context) -> Any:
        raise ConnectionError("registry down")


class Works(FactProvider):
    name = "slow"

    async def resolve(self, ctx: Context) -> Any:
        return True


async def test_raising_check_becomes_check_failed_and_flags(pack_dir: Path) -> None:
    from verifier.families.content.checks import ContentCheck

    cat = Catalog.load(pack_dir, [ContentCheck, Boom])
    ev = await Engine(cat).evaluate(make_posting())
    assert ev.outcome is Outcome.flag
    failed = next(f for f in ev.findings if f.rule == "engine.check_failed")
    assert failed.evidence.data["check"] == "boom"
    assert failed.evidence.data["detail"] == "kaput"
    assert (failed.severity, failed.score, failed.message) == (
        Severity.flag, 30, "检查“boom”未能完成，转人工审核。")


async def test_check_failed_is_declared_in_the_pack(pack_dir: Path) -> None:
    """Its severity, score and message come from `engine.toml`."""
    (pack_dir / "engine.toml").write_text(
        '[[rule]]\nid = "engine.check_failed"\nseverity = "reject"\nscore = 50\n'
        'description = "x"\nmessage = "{check} 失败"\n')
    ev = await Engine(Catalog.load(pack_dir, [Boom])).evaluate(make_posting())
    failed = next(f for f in ev.findings if f.rule == "engine.check_failed")
    assert (failed.severity, failed.score, failed.message) == (Severity.reject, 50, "boom 失败")
    assert ev.outcome is Outcome.reject


@pytest.mark.parametrize(("text", "line", "says"), [
    ('[[rule]]\nid = "engine.check_failed"\nseverity = "info"\ndescription = "x"\n'
     'message = "{check}"\n', 2, "fail closed"),
    ('[[rule]]\nid = "engine.check_failed"\nseverity = "flag"\nshadow = true\n'
     'description = "x"\nmessage = "{check}"\n', 2, "fail closed"),
    ('[[rule]]\nid = "engine.check_failed"\nseverity = "flag"\ndescription = "x"\n'
     'message = "{family}"\n', 5, "{family}"),
    ('[[rule]]\nid = "engine.check_failed"\nseverity = "flag"\ndescription = "x"\n'
     'message = "{check:.2f}"\n', 5, "message"),
    ('[[rule]]\nid = "engine.other"\nseverity = "flag"\ndescription = "x"\n', 2,
     "emits only"),
    ("", 0, "missing"),
])
def test_a_check_failed_that_would_not_hold_is_refused(pack_dir: Path, text: str, line: int,
                                                       says: str) -> None:
    """Fail closed: a pack whose engine rule is missing, would not hold the posting, or whose
    message cannot be filled is refused with file and line."""
    if text:
        (pack_dir / "engine.toml").write_text(text)
    else:
        (pack_dir / "engine.toml").unlink()
    with pytest.raises(RulePackError) as err:
        Catalog.load(pack_dir, [Boom])
    issues = [i for i in err.value.issues if i.file == "engine.toml"]
    assert any(i.line == line and says in i.message for i in issues), issues


async def test_check_failed_holds_when_a_family_has_no_rules_file(pack_dir: Path) -> None:
    """A check whose family declares nothing is refused at load; the engine's rule comes from
    its own file and the catalog never exists without it."""
    (pack_dir / "boom" / "rules.toml").unlink()
    with pytest.raises(RulePackError) as err:
        Catalog.load(pack_dir, [Boom])
    assert [(i.file, i.line) for i in err.value.issues] == [("boom/rules.toml", 0)]
    cat = Catalog.load(pack_dir, [NeedsFact])
    assert cat.check_failed.id == "engine.check_failed"


async def test_failed_fact_fails_its_check_closed(pack_dir: Path) -> None:
    cat = Catalog.load(pack_dir, [NeedsFact])
    bad = await Engine(cat, [Failing()]).evaluate(make_posting())
    assert bad.outcome is Outcome.flag
    assert "registry down" in next(
        f for f in bad.findings if f.rule == "engine.check_failed").evidence.data["detail"]
    good = await Engine(cat, [Works()]).evaluate(make_posting())
    assert [f.rule for f in good.findings] == ["needs.hit"]
    assert good.outcome is Outcome.approve


async def test_swap_changes_rules_version_for_next_posting(pack_dir: Path) -> None:
    from verifier.families.content.checks import ContentCheck

    a = Catalog.load(pack_dir, [ContentCheck])
    b = Catalog.load(pack_dir, [ContentCheck, Boom])
    engine = Engine(a)
    assert (await engine.evaluate(make_posting())).rules_version == a.rules_version
    engine.swap(b)
    assert (await engine.evaluate(make_posting())).rules_version == b.rules_version


class Undeclared(NeedsFact):
    """Reads the `slow` fact without declaring it."""

    id = "undeclared"
    facts = ()
    emits: ClassVar[Emits] = {"undeclared.hit": says()}


class Counting(FactProvider):
    name = "slow"

    def __init__(self) -> None:
        self.calls = 0

    async def resolve(self, ctx: Context) -> Any:
        self.calls += 1
        return True


async def test_a_fact_read_without_being_declared_fails_closed(pack_dir: Path) -> None:
    provider = Counting()
    ev = await Engine(Catalog.load(pack_dir, [Undeclared]), [provider]).evaluate(make_posting())
    assert provider.calls == 0
    assert ev.outcome is Outcome.flag
    failed = next(f for f in ev.findings if f.rule == "engine.check_failed")
    assert "not looked up" in failed.evidence.data["detail"]


async def test_disabled_check_is_not_loaded_and_its_fact_not_looked_up(pack_dir: Path) -> None:
    provider = Counting()
    on = Catalog.load(pack_dir, [NeedsFact])
    assert [f.rule for f in (await Engine(on, [provider]).evaluate(make_posting())).findings] == [
        "needs.hit"]
    assert provider.calls == 1
    (pack_dir / "policy.toml").write_text('flag_threshold = 60\ndisabled_checks = ["needs"]\n')
    off = Catalog.load(pack_dir, [NeedsFact])
    assert (off.checks, off.disabled) == ([], ("needs",))
    assert off.rules_version != on.rules_version
    ev = await Engine(off, [provider]).evaluate(make_posting())
    assert (ev.findings, provider.calls) == ([], 1)


def test_unknown_disabled_check_is_refused_with_its_line(tmp_path: Path) -> None:
    shutil.copytree(REPO, tmp_path / "rules")
    policy = tmp_path / "rules" / "policy.toml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "disabled_checks = []", 'disabled_checks = [\n  "duplicate",\n  "no_such_check",\n]'),
        encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        Catalog.load(tmp_path / "rules")
    lines = policy.read_text(encoding="utf-8").splitlines()
    want = lines.index('  "no_such_check",') + 1
    assert [(i.file, i.line) for i in err.value.issues] == [("policy.toml", want)]
    assert "no_such_check" in err.value.issues[0].message


def test_disabled_checks_leave_their_rules_out(tmp_path: Path) -> None:
    """Their rules stay declared in their families' files (not refused as emitted by no
    check) and are not in the catalog."""
    from verifier.pipeline.catalog import discover_checks

    shutil.copytree(REPO, tmp_path / "rules")
    policy = tmp_path / "rules" / "policy.toml"
    off = sorted(k.id for k in discover_checks() if k.id not in ("content", "campaign"))
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "disabled_checks = []", f"disabled_checks = {off!r}".replace("'", '"')), encoding="utf-8")
    cat = Catalog.load(tmp_path / "rules")
    assert sorted(c.id for c in cat.checks) == ["campaign", "content"]
    assert cat.facts == frozenset()
    assert not any(r.startswith("keywords.") for r in cat.rules)
