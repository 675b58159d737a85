"""docs/adding-a-family.md, executed: a toy family added from outside the engine.

The family's package is written to a temporary directory put on `verifier.families`'
search path and its data to a copy of `rules/`; neither the engine nor the catalog is
edited, and the new family's rule fires, is listed by the catalog and is fingerprinted.
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
"""Toy family: postings whose title shouts (`toy.*`). Reads `rules/toy/toy.toml`."""
'''

TOY_CHECKS = '''
"""The toy check: a title with too many exclamation marks."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context, RuleSpec
from verifier.models import Finding, Severity, Span


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
    rules: ClassVar[dict[str, RuleSpec]] = {
        "toy.shouting": RuleSpec(Severity.flag, "标题感叹号过多。", score=30),
    }
    params: ToyParams

    def check(self, ctx: Context) -> list[Finding]:
        """One finding when the title has more marks than allowed."""
        title = ctx.text.view("title").original
        marks = [i for i, ch in enumerate(title) if ch in "!！"]
        if len(marks) <= self.params.max_marks:
            return []
        spans = [Span(field="title", start=i, end=i + 1, text=title[i]) for i in marks]
        return [self.finding("toy.shouting", f"标题含{len(marks)}个感叹号。", spans=spans,
                             data={"value": len(marks), "threshold": self.params.max_marks})]
'''


@pytest.fixture
def toy_family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A rules copy with `rules/toy/toy.toml`, and the toy package on the families path."""
    pkg = tmp_path / "pkgs" / "toy"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent(TOY_INIT))
    (pkg / "checks.py").write_text(textwrap.dedent(TOY_CHECKS))
    rules = tmp_path / "rules"
    shutil.copytree(ROOT, rules)
    (rules / "toy").mkdir()
    (rules / "toy" / "toy.toml").write_text("max_marks = 2\n")
    monkeypatch.setattr(verifier.families, "__path__",
                        [*verifier.families.__path__, str(tmp_path / "pkgs")])
    yield rules
    for name in [m for m in sys.modules if m.startswith("verifier.families.toy")]:
        del sys.modules[name]


async def test_toy_family_is_discovered_and_decides(toy_family: Path) -> None:
    """The new family's check is loaded, its rule listed, and it fires through the engine."""
    catalog = Catalog.load(toy_family)
    assert "toy" in {c.id for c in catalog.checks}
    assert any(r.id == "toy.shouting" and r.check == "toy" for r in catalog.rule_infos())
    ev = await Engine(catalog).evaluate(make_posting(title="高薪急聘!!!"))
    (found,) = [f for f in ev.findings if f.rule == "toy.shouting"]
    assert (found.severity, found.score) == ("flag", 30)
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
