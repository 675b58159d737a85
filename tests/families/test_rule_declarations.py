"""Rule declarations (verifier/families/rules.py) held to the code, both ways.

Loading holds each check's `emits` to its family's `rules.toml` (a rule emitted but not
declared, declared but emitted by no check, outside the family's prefix, a message that
does not fit: refused with file and line). These tests hold the code to `emits`: the
source of every family is scanned for ``self.finding(...)`` calls, and each rule id, case
(`say=`) and value (`fill={...}`) it passes must be what `emits` says, and the default
pack's template for it must need no value the call does not give.
"""

from __future__ import annotations

import ast
import fnmatch
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.factories import RULES, make_facts, make_posting
from verifier.families.base import Check, Context
from verifier.families.rules import Emits, RuleSpec, Says, placeholders, says, says_for
from verifier.models import Finding, Severity
from verifier.pack import PackReader, RulePackError
from verifier.pipeline.catalog import Catalog, discover_checks

FAMILIES = Path(__file__).resolve().parents[2] / "verifier" / "families"
CHECKS = {(k.__module__, k.__name__): k for k in discover_checks()}


@dataclass(frozen=True)
class Call:
    """One ``self.finding(...)`` in the source, and the check class it is in."""

    where: str
    check: type[Check[Any]]
    rule: str | None  # an id, a glob for an f-string, None for a variable
    written: bool  # a sentence passed in besides the id (never: messages are the pack's)
    say: list[str] | None  # the cases it names; None when computed
    fill: set[str] | None  # the values it gives; None when computed


def _module(path: Path) -> str:
    return ".".join(path.relative_to(FAMILIES.parents[1]).with_suffix("").parts)


def _glob(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values)
    return None


def _cases(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.IfExp):
        a, b = _cases(node.body), _cases(node.orelse)
        return None if a is None or b is None else a + b
    got = _glob(node)
    return None if got is None else [got]


def _dict_keys(node: ast.expr, func: ast.AST) -> set[str] | None:
    if isinstance(node, ast.Name):  # a dict built just before, in the same function
        found = sorted((n for n in ast.walk(func) if isinstance(n, ast.Assign)
                        and n.lineno < node.lineno
                        and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)),
                       key=lambda n: n.lineno)
        node = found[-1].value if found else node
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return {k.value for k in node.keys if isinstance(k, ast.Constant)}
    return None


def _calls() -> Iterator[Call]:
    for path in sorted(FAMILIES.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            check = CHECKS.get((_module(path), cls.name))
            for func in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
                for node in ast.walk(func):
                    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr == "finding"
                            and isinstance(node.func.value, ast.Name)
                            and node.func.value.id == "self"):
                        continue
                    assert check is not None, f"{path}:{node.lineno}: finding() outside a check"
                    kw = {k.arg: k.value for k in node.keywords}
                    yield Call(
                        where=f"{path.relative_to(FAMILIES)}:{node.lineno}", check=check,
                        rule=_glob(node.args[0]), written=len(node.args) > 1,
                        say=_cases(kw["say"]) if "say" in kw else [],
                        fill=_dict_keys(kw["fill"], func) if "fill" in kw else set())


CALLS = list(_calls())
PACK = {rid: spec for k in discover_checks() for rid, spec in k.declared(PackReader(RULES)).items()}


def _emitted(call: Call) -> list[tuple[str, Says]]:
    """The emits entries the call's rule id (or glob) can be."""
    if call.rule is None:
        return []
    exact = says_for(call.rule, call.check.emits)
    if exact is not None and "*" not in call.rule:
        return [(call.rule, exact)]
    return [(k, s) for k, s in call.check.emits.items() if fnmatch.fnmatchcase(k, call.rule)]


def test_the_scan_sees_every_check() -> None:
    """Every discovered check makes its findings through `finding` (none is missed)."""
    assert {c.check for c in CALLS} == set(CHECKS.values())
    assert len(CALLS) > 40


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.where)
def test_finding_call_is_what_emits_says(call: Call) -> None:
    """Rule id in `emits`; no message written in Python (the pack's template is filled);
    the cases named are its cases; the values given are among those it lists."""
    assert not call.written, f"{call.where}: the message is the pack's template, not written here"
    if call.rule is None:
        return  # a variable id (keywords: the phrase's rule; lists: by membership)
    emitted = _emitted(call)
    assert emitted, f"{call.where}: {call.rule!r} is not in {call.check.__name__}.emits"
    for rid, said in emitted:
        if call.say is None:
            assert said.variants, (call.where, rid)
        else:
            for case in call.say:
                assert any(fnmatch.fnmatchcase(v, case) for v in said.variants), (call.where, case)
            assert bool(call.say) == bool(said.variants), (call.where, rid)
        if call.fill is not None:
            assert call.fill <= said.fields, (call.where, call.fill - said.fields)


@pytest.mark.parametrize("call", [c for c in CALLS if c.fill is not None],
                         ids=lambda c: c.where)
def test_default_pack_templates_need_only_what_the_call_gives(call: Call) -> None:
    """No message of the shipped pack can fail to fill (a KeyError would fail the check)."""
    for rid, _ in _emitted(call):
        spec = PACK[rid]
        m = spec.message
        cases = call.say if call.say else [None]
        for case in cases:
            templates = ([m] if isinstance(m, str) else
                         [t for v, t in (m or {}).items() if fnmatch.fnmatchcase(v, case or "")])
            for t in templates:
                given = (call.fill or set()) | ({"title"} if spec.title else set())
                assert set(placeholders(t)) <= given, (call.where, rid, t)


def test_every_emitted_id_is_raised_somewhere() -> None:
    """An id in `emits` that no call can raise is dead (unless a check names ids by
    variable)."""
    for check in CHECKS.values():
        calls = [c for c in CALLS if c.check is check]
        if any(c.rule is None for c in calls):
            continue
        for rid in check.emits:
            assert any(fnmatch.fnmatchcase(rid, c.rule or "") for c in calls), (check, rid)


def test_default_pack_declares_every_emitted_rule_cleanly() -> None:
    """The shipped pack loads every check's declarations without a problem."""
    for check in CHECKS.values():
        pack = PackReader(RULES)
        got = check.declared(pack)
        assert pack.issues == [], pack.issues
        assert {r for r in check.emits if "*" not in r} <= set(got)


# -- the declaration form itself ---------------------------------------------------------

class Declares(Check[Context]):
    """A check that says what the tests below need."""

    id = "demo"
    family = "demo"
    emits: ClassVar[Emits] = {"demo.capped": says("n"),
                              "demo.cited": says(variants=["a", "b"])}

    def check(self, ctx: Context) -> list[Finding]:
        return [self.finding("demo.capped", fill={"n": 3}, severity=Severity.reject),
                self.finding("demo.cited", say="b")]


DEMO = """
[[rule]]
id = "demo.capped"
severity = "info"
max_severity = "flag"
score = 0
shadow = true
title = "演示"
description = "x"
message = "{title}：{n:.1f}"

[[rule]]
id = "demo.cited"
severity = "flag"
description = "y"
legal_basis = "《演示条例》第一条"
message.a = "甲"
message.b = "乙"
"""


def test_finding_takes_everything_from_the_declaration(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "rules.toml").write_text(DEMO, encoding="utf-8")
    pack = PackReader(tmp_path)
    check = Declares.load(pack)
    assert pack.issues == []
    capped, cited = check.check(make_facts(make_posting()))
    assert (capped.severity, capped.score, capped.shadow, capped.message) == (
        Severity.flag, 0.0, True, "演示：3.0")
    assert "legal_basis" not in capped.evidence.data
    assert (cited.severity, cited.message, cited.evidence.data) == (
        Severity.flag, "乙", {"legal_basis": "《演示条例》第一条"})


@pytest.mark.parametrize(("old", "new", "line", "says"), [
    ('message = "{title}：{n:.1f}"', 'message = "{n.real}"', 10, "only plain names"),
    ('message = "{title}：{n:.1f}"', 'message = "{n!r}"', 10, "only plain names"),
    ('message = "{title}：{n:.1f}"', 'message = "{n:>{w}}"', 10, "only number formats"),
    ('message = "{title}：{n:.1f}"', 'message = "{}"', 10, "only plain names"),
    ('message = "{title}：{n:.1f}"', 'message = "{m}"', 10, "{m}, which the check does not fill"),
    ('message = "{title}：{n:.1f}"', 'message.x = "{n}"', 10, "needs one `message` string"),
    ('message.b = "乙"\n', "", 17, "needs exactly one message per case"),
    ('title = "演示"\n', "", 9, "{title}, which the check does not fill"),
    ('score = 0', "score = 101", 6, "score"),
    ('id = "demo.cited"', 'id = "demo.capped"', 13, "declared twice"),
    ('id = "demo.cited"', 'id = "Demo cited"', 13, "id"),
])
def test_bad_declarations_are_refused_with_line(tmp_path: Path, old: str, new: str, line: int,
                                                says: str) -> None:
    (tmp_path / "demo").mkdir()
    assert old in DEMO
    (tmp_path / "demo" / "rules.toml").write_text(DEMO.replace(old, new, 1), encoding="utf-8")
    pack = PackReader(tmp_path)
    Declares.load(pack)
    hits = [i for i in pack.issues if says in i.message]
    assert hits and hits[0].file == "demo/rules.toml" and hits[0].line == line, pack.issues


def test_the_shipped_pack_refuses_a_missing_case(tmp_path: Path) -> None:
    """Every sentence lives in the pack: dropping one case of a rule is refused at load, at
    the rule's message, not found when a posting first needs it."""
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "registry" / "rules.toml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    drop = next(i for i, x in enumerate(lines) if x.startswith("message.name_candidate = "))
    path.write_text("".join(lines[:drop] + lines[drop + 1:]), encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        Catalog.load(root)
    (issue,) = err.value.issues
    assert issue.file == "registry/rules.toml"
    assert "needs exactly one message per case" in issue.message
    first = next(i for i, x in enumerate(lines) if x.startswith("message.code = "))
    assert issue.line == first + 1


def test_render_fills_title_and_refuses_an_unknown_case() -> None:
    spec = RuleSpec(id="a.b", severity=Severity.info, description="d", title="T",
                    message={"x": "{title}-{v}"})
    assert spec.render("x", {"v": 1}) == "T-1"
    with pytest.raises(KeyError):
        spec.render("y", {"v": 1})
    with pytest.raises(KeyError):
        spec.render(None, {"v": 1})


def _cue_calls() -> Iterator[tuple[int, str, set[str] | None]]:
    path = FAMILIES / "signals" / "cues.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Cue":
            name = _glob(node.args[0])
            assert name is not None, node.lineno
            yield node.lineno, name, _dict_keys(node.args[2], node)


def test_every_cue_fills_what_its_rule_says() -> None:
    """Each cue gives exactly the values `CUE_FIELDS` lists, and its rule's template in the
    shipped pack needs no other."""
    from verifier.families.signals.params import CUE_FIELDS, CUE_NAMES

    assert tuple(CUE_FIELDS) == CUE_NAMES
    seen = set()
    for line, name, keys in _cue_calls():
        seen.add(name)
        assert keys == set(CUE_FIELDS[name]), (line, name, keys)
        template = PACK[f"signals.cue.{name}"].message
        assert isinstance(template, str) and set(placeholders(template)) <= keys, (line, name)
    assert seen == set(CUE_NAMES)
