"""Rule declarations: every rule is declared once, in the pack; Python keeps none.

One form for every family: `[[rule]]` tables in `rules/<family>/rules.toml` (the engine's
own rule in `rules/engine.toml`), validated by `RuleSpec` (unknown keys refused)::

    [[rule]]
    id = "salary.unparsed"           # the family's name (or its check's id), a dot, the rest
    severity = "flag"                # default severity: info | flag | reject
    score = 40                       # optional: risk score 0-100 (else policy default_scores)
    max_severity = "info"            # optional: the most its findings reach, whatever the
                                     #   evidence says (a signal that counts only in combination)
    shadow = true                    # optional: logged, never decisive
    description = "薪资写法无法识别…"   # product text (GET /v1/rules)
    legal_basis = "《…》第…条"         # optional: cited in every finding (evidence.data)
    title = "求职收费、押金"           # optional: a short name; `{title}` in its messages
    message = "无法识别薪资写法“{text}”。"   # the finding's sentence, a str.format template
    # or, for a rule that says one of several sentences, one per case:
    # message.personal = "…（{kinds}）…"
    # message.official = "…{kinds}…"

A rule change carries its reason as a comment beside the declaration.

The check's side of the contract is `Check.emits`: the rule ids it can raise (a glob where
the ids are themselves data, e.g. ``keywords.*`` named by phrase files) and, for each, what
its message is filled with: `says("text")` or `says("kinds", variants=["personal", …])`.
Every message lives in the pack, none in Python: a sentence that depends on what was found
is one `message.<case>` per variant (the check picks the case and fills the values, a
list pre-joined as one value), so an operator rewords any finding by editing the pack
alone. Loading holds the two sides together and reports each problem with file and line:
an id a check emits that its family's file does not declare; a message whose form does not
fit the check (no message, a missing or unknown case, a placeholder the check does not
fill, anything but a plain name in braces); and, for the
whole family (`family_problems`, run by the catalog), a declared rule no check of the
family emits, or one outside the family's prefix.

Why a declared `emits` rather than scanning the source for ``self.finding("…")``: ids that
are data (the keyword phrases' rules), built from an enum (registry statuses) or from the
cue table cannot be read off the source, and the catalog needs the answer when it loads,
from an installed wheel too. The other direction is a test
(tests/families/test_rule_declarations.py): every literal rule id, case and value a check
passes to `finding` is in its `emits`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from verifier.models import SEVERITY_RANK, Severity
from verifier.pack import PackReader, locate

RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
ENGINE_FILE = "engine.toml"
_FORMAT_SPEC = re.compile(r"^[<>^]?[+-]?\d*,?(\.\d+)?[dfg%]?$")


def placeholders(template: str) -> list[str]:
    """The names a message template fills; ValueError unless each is a plain name with at
    most a number format (``{ratio:.1f}``)."""
    names: list[str] = []
    for _, name, spec, conversion in Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or conversion:
            raise ValueError(f"placeholder {{{name}}}: only plain names, e.g. {{value}}")
        if spec and not _FORMAT_SPEC.match(spec):
            raise ValueError(f"placeholder {{{name}:{spec}}}: only number formats, e.g. :.1f")
        names.append(name)
    return names


def _template(value: str) -> str:
    placeholders(value)
    return value


Template = Annotated[str, Field(min_length=1), AfterValidator(_template)]


class RuleSpec(BaseModel):
    """One rule, as the pack declares it: severity, score, product text, legal basis and
    message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=RULE_ID)]
    severity: Severity
    max_severity: Severity | None = None
    score: Annotated[float, Field(ge=0, le=100)] | None = None
    shadow: bool = False
    description: Annotated[str, Field(min_length=1)]
    legal_basis: Annotated[str, Field(min_length=1)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    message: Template | dict[Annotated[str, Field(pattern=r"^[a-z_]+$")], Template] | None = None

    def templates(self) -> list[str]:
        """Every message template of the rule."""
        m = self.message
        return [] if m is None else [m] if isinstance(m, str) else list(m.values())

    def render(self, say: str | None, fill: Mapping[str, object]) -> str:
        """The message for case `say` (None: the rule's one message), filled in."""
        m = self.message
        template = m if isinstance(m, str) and say is None else (
            m.get(say) if isinstance(m, dict) and say is not None else None)
        if template is None:
            raise KeyError(f"rule {self.id!r} has no message {say or ''!r}")
        values = {"title": self.title, **fill} if self.title is not None else fill
        return template.format_map(values)

    def cap(self, severity: Severity) -> Severity:
        """`severity`, at most `max_severity`."""
        top = self.max_severity
        if top is not None and SEVERITY_RANK[severity] > SEVERITY_RANK[top]:
            return top
        return severity


class RuleFile(BaseModel):
    """`rules/<family>/rules.toml` (and `rules/engine.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: Annotated[list[RuleSpec], Field(min_length=1)]


@dataclass(frozen=True)
class Says:
    """What a check fills a rule's message with: the values it passes and, for a rule with
    several sentences, the cases."""

    fields: frozenset[str] = frozenset()
    variants: frozenset[str] = frozenset()

    def problem(self, spec: RuleSpec) -> str | None:
        """Why the declared message does not fit this check, or None."""
        m = self.message_form(spec)
        if m is not None:
            return m
        allowed = self.fields | ({"title"} if spec.title is not None else set())
        used = {n for t in spec.templates() for n in placeholders(t)}
        if unknown := sorted(used - allowed):
            fills = ", ".join(sorted(allowed)) or "nothing"
            return (f"message uses {', '.join('{' + n + '}' for n in unknown)}, which the check "
                    f"does not fill (it fills: {fills})")
        return None

    def message_form(self, spec: RuleSpec) -> str | None:
        """Why the message's shape (none, one, one per case) does not fit, or None."""
        m = spec.message
        cases = ", ".join(f"message.{v}" for v in sorted(self.variants))
        if m is None:
            return f"needs {cases}" if self.variants else "needs a `message`"
        if not self.variants:
            return None if isinstance(m, str) else "needs one `message` string, not a table"
        if isinstance(m, str) or set(m) != self.variants:
            return f"needs exactly one message per case: {cases}"
        return None


def says(*fields: str, variants: Iterable[str] = ()) -> Says:
    """A message template the check fills with `fields` (one per case when `variants`)."""
    return Says(frozenset(fields), frozenset(variants))


Emits = Mapping[str, Says]
"""`Check.emits`: rule id (or glob) → what the check fills its message with."""


@dataclass(frozen=True)
class Declaration:
    """A declared rule and where: file, the line of its `id` and of its `message`."""

    spec: RuleSpec
    file: str
    line: int
    message_line: int


def family_file(family: str) -> str:
    """Where a family's rules are declared."""
    return f"{family}/rules.toml"


def declarations(pack: PackReader, rel: str) -> dict[str, Declaration]:
    """The rules declared in `rel` (read once per reader); duplicates refused with line."""
    return pack.memo(f"rules:{rel}", lambda: _read(pack, rel))


def _read(pack: PackReader, rel: str) -> dict[str, Declaration]:
    if not pack.exists(rel):
        pack.fail(rel, 0, "missing: every rule is declared here ([[rule]] tables)")
        return {}
    got = pack.document(rel, RuleFile)
    if got is None:
        return {}
    doc, text = got
    out: dict[str, Declaration] = {}
    for i, spec in enumerate(doc.rule):
        line = locate(text, ["rule", i, "id"])
        if spec.id in out:
            pack.fail(rel, line, f"rule {spec.id!r} declared twice (first on line "
                                 f"{out[spec.id].line})")
            continue
        said = locate(text, ["rule", i, "message"]) if spec.message is not None else line
        out[spec.id] = Declaration(spec, rel, line, said)
    return out


def says_for(rule: str, emits: Mapping[str, Says]) -> Says | None:
    """What `emits` says about `rule` (exact id first, then the first matching glob)."""
    if rule in emits:
        return emits[rule]
    return next((s for k, s in emits.items() if _is_glob(k) and fnmatch.fnmatchcase(rule, k)),
                None)


def rules_of(pack: PackReader, family: str, check: str,
             emits: Mapping[str, Says]) -> dict[str, RuleSpec]:
    """The declarations of the rules check `check` emits, from its family's file; every
    misfit recorded on `pack` with file and line (read once per reader)."""
    return pack.memo(f"rules-of:{family}:{check}", lambda: _assign(
        pack, family_file(family), check, emits))


def _assign(pack: PackReader, rel: str, check: str,
            emits: Mapping[str, Says]) -> dict[str, RuleSpec]:
    declared = declarations(pack, rel)
    out: dict[str, RuleSpec] = {}
    for rid, d in declared.items():
        said = says_for(rid, emits)
        if said is None:
            continue
        if problem := said.problem(d.spec):
            pack.fail(d.file, d.message_line, f"rule {rid!r}: {problem}")
        out[rid] = d.spec
    if not declared and any(i.file == rel for i in pack.issues):
        return out  # the file itself is refused: that one problem says it
    for rid in emits:
        if not _is_glob(rid) and rid not in declared:
            pack.fail(rel, 0, f"rule {rid!r} (emitted by check {check!r}) is not declared")
    return out


def family_problems(pack: PackReader, family: str,
                    checks: Mapping[str, Mapping[str, Says]]) -> None:
    """Record each rule of the family's file that is outside its prefix (the family's name,
    or one of its check ids) or that none of its checks (`checks`: id → emits) emits."""
    prefixes = {family, *checks}
    for rid, d in declarations(pack, family_file(family)).items():
        head = rid.split(".", 1)[0]
        if head not in prefixes:
            pack.fail(d.file, d.line, f"rule {rid!r} is outside family {family!r} "
                                      f"(its ids start with {family + '.'!r})")
        elif not any(says_for(rid, e) is not None for e in checks.values()):
            pack.fail(d.file, d.line, f"rule {rid!r}: no check of family {family!r} emits it "
                                      f"(checks: {', '.join(sorted(checks))})")


def _is_glob(s: str) -> bool:
    return any(c in s for c in "*?[")
