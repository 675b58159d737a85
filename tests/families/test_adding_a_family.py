"""docs/adding-a-family.md, executed: a toy family added from outside the engine.

The family's package is written to a temporary directory put on `verifier.families`'
search path and its data (its rule's declaration and its params) to a copy of `rules/`;
neither the engine nor the catalog is edited, and the new family's rule fires as declared,
is listed by the catalog and is fingerprinted.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import verifier.families
from tests.factories import RULES, make_posting
from verifier.pack import RulePackError
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine

ROOT = RULES

TOY_INIT = '''
"""Toy family: postings whose title shouts (`toy.*`). Reads `rules/toy/toy.toml`; its rules
are declared in `rules/toy/rules.toml`."""
'''

TOY_RULES = '''
# The toy family's rules (verifier/families/toy/).
[[rule]]
id = "toy.shouting"
severity = "flag"
score = 30
description = "标题感叹号过多。"
message = "标题含{marks}个感叹号。"
'''

TOY_CHECKS = '''
"""The toy check: a title with too many exclamation marks."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Span


class ToyParams(BaseModel):
    """`rules/toy/toy.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_marks: Annotated[int, Field(ge=0)] = 2


class ShoutingCheck(Check[Context]):
    """Titles that shout are flagged for a look."""

    id = "toy"
    version = "1"
    Params = ToyParams
    params_file = "toy/toy.toml"
    emits: ClassVar[Emits] = {"toy.shouting": says("marks")}
    params: ToyParams

    def check(self, ctx: Context) -> list[Finding]:
        """One finding when the title has more marks than allowed."""
        title = ctx.text.view("title").original
        marks = [i for i, ch in enumerate(title) if ch in "!！"]
        if len(marks) <= self.params.max_marks:
            return []
        spans = [Span(field="title", start=i, end=i + 1, text=title[i]) for i in marks]
        return [self.finding("toy.shouting", fill={"marks": len(marks)}, spans=spans,
                             data={"value": len(marks), "threshold": self.params.max_marks})]
'''


@pytest.fixture
def toy_family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A rules copy with `rules/toy/`, and the toy package on the families path."""
    pkg = tmp_path / "pkgs" / "toy"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent(TOY_INIT))
    (pkg / "checks.py").write_text(textwrap.dedent(TOY_CHECKS))
    rules = tmp_path / "rules"
    shutil.copytree(ROOT, rules)
    (rules / "toy").mkdir()
    (rules / "toy" / "toy.toml").write_text("max_marks = 2\n")
    (rules / "toy" / "rules.toml").write_text(textwrap.dedent(TOY_RULES))
    monkeypatch.setattr(verifier.families, "__path__",
                        [*verifier.families.__path__, str(tmp_path / "pkgs")])
    yield rules
    for name in [m for m in sys.modules if m.startswith("verifier.families.toy")]:
        del sys.modules[name]


async def test_toy_family_is_discovered_and_decides(toy_family: Path) -> None:
    """The new family's check is loaded, its rule listed, and it fires through the engine."""
    catalog = Catalog.load(toy_family)
    assert "toy" in {c.id for c in catalog.checks}
    (info,) = [r for r in catalog.rule_infos() if r.id == "toy.shouting"]
    assert (info.check, info.severity, info.description) == ("toy", "flag", "标题感叹号过多。")
    ev = await Engine(catalog).evaluate(make_posting(title="高薪急聘!!!"))
    (found,) = [f for f in ev.findings if f.rule == "toy.shouting"]
    assert (found.severity, found.score, found.message) == ("flag", 30, "标题含3个感叹号。")
    assert [s.start for s in found.evidence.spans] == [4, 5, 6]
    assert found.evidence.data == {"value": 3, "threshold": 2}
    quiet = await Engine(catalog).evaluate(make_posting(title="高薪急聘!"))
    assert not [f for f in quiet.findings if f.rule == "toy.shouting"]


def test_toy_family_data_is_validated_and_fingerprinted(toy_family: Path) -> None:
    """Its file is part of `rules_version`, and a bad value is refused with file and line."""
    before = Catalog.load(toy_family).rules_version
    (toy_family / "toy" / "toy.toml").write_text("max_marks = 3\n")
    assert Catalog.load(toy_family).rules_version != before
    (toy_family / "toy" / "toy.toml").write_text("max_marks = 3\nloud = true\n")
    with pytest.raises(RulePackError) as err:
        Catalog.load(toy_family)
    assert any(i.file == "toy/toy.toml" and i.line == 2 for i in err.value.issues)


@pytest.mark.parametrize(("old", "new", "says"), [
    ('id = "toy.shouting"', 'id = "toy.whispering"', "'toy.whispering': no check of family"),
    ('id = "toy.shouting"', 'id = "content.shouting"', "outside family 'toy'"),
    ("{marks}", "{count}", "{count}, which the check does not fill"),
    ('severity = "flag"', 'severity = "loud"', "severity"),
    ('score = 30', 'score = 30\ncolour = "red"', "colour"),
])
def test_toy_rules_are_held_to_the_check(toy_family: Path, old: str, new: str,
                                         says: str) -> None:
    """A declaration the family cannot emit, outside its prefix, whose message the check
    cannot fill, or that is not valid is refused with file and line."""
    path = toy_family / "toy" / "rules.toml"
    text = path.read_text(encoding="utf-8").replace(old, new)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        Catalog.load(toy_family)
    hits = [i for i in err.value.issues if i.file == "toy/rules.toml" and says in i.message]
    assert hits and all(i.line > 0 for i in hits), err.value.issues


def test_toy_rule_undeclared_is_refused(toy_family: Path) -> None:
    """A rule the check emits that its family's file does not declare is refused."""
    (toy_family / "toy" / "rules.toml").write_text(textwrap.dedent(TOY_RULES).replace(
        "toy.shouting", "toy.whispering"))
    with pytest.raises(RulePackError) as err:
        Catalog.load(toy_family)
    assert "toy/rules.toml:0: rule 'toy.shouting' (emitted by check 'toy') is not declared" in [
        str(i) for i in err.value.issues]
