"""The engine fails closed: a check or fact that cannot run never lets a posting through."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pytest

from tests.factories import RULES, make_posting
from verifier.families.base import Check, Context, RuleSpec
from verifier.families.facts import FactProvider
from verifier.models import Finding, Outcome, Severity
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine

REPO = RULES


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    """A pack with the content params and a plain policy (no overrides of absent rules)."""
    (tmp_path / "content").mkdir()
    shutil.copy(REPO / "content" / "content.toml", tmp_path / "content" / "content.toml")
    (tmp_path / "policy.toml").write_text("flag_threshold = 60\n")
    return tmp_path


class Boom(Check[Context]):
    """Always raises."""

    id = "boom"
    rules: ClassVar[dict[str, RuleSpec]] = {"boom.x": RuleSpec(Severity.info, "x")}

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
    rules: ClassVar[dict[str, RuleSpec]] = {"needs.hit": RuleSpec(Severity.info, "x")}

    def check(self, ctx: SlowContext) -> list[Finding]:
        return [self.finding("needs.hit", "got")] if ctx.slow else []


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
    rules: ClassVar[dict[str, RuleSpec]] = {"undeclared.hit": RuleSpec(Severity.info, "x")}


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
    from verifier.pack import RulePackError

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


def test_policy_may_still_name_rules_of_disabled_checks(tmp_path: Path) -> None:
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
