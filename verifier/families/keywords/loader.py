"""Loading `rules/keywords/*.toml` through the PackReader into a ready `Scanner`.

Every problem is recorded with file and line (`PackReader.fail`), so the catalog refuses the
pack and the running one stays in force: a phrase naming a rule its category does not have
(its rules are `keywords.<category>[.<sub>]`, declared in `rules.toml`), a phrase listed
twice, a phrase with nothing left after normalization; a declared rule without a `title`,
of no category file, or that no phrase raises.
"""

from __future__ import annotations

from collections.abc import Mapping

from verifier.families.keywords.lexicon import Entry, Lexicon, bad_key, make_entries
from verifier.families.keywords.scan import Scanner
from verifier.families.keywords.schema import (
    SPECIAL_FILES,
    CategoryFile,
    KeywordParams,
    NegationFile,
    VariantsFile,
)
from verifier.families.rules import RuleSpec, declarations, family_file
from verifier.pack import PackReader, locate
from verifier.text.match import Folder

DIR = "keywords"


def category_of(rule: str) -> str:
    """``keywords.fee_upfront.health_check`` → ``fee_upfront``."""
    parts = rule.split(".")
    return parts[1] if len(parts) > 1 else ""


def load_scanner(pack: PackReader, rules: Mapping[str, RuleSpec]
                 ) -> tuple[KeywordParams, Scanner]:
    """Params and scanner of the pack for the declared `rules`; issues recorded on `pack`."""
    params = pack.params(f"{DIR}/engine.toml", KeywordParams)
    variants = pack.document(f"{DIR}/variants.toml", VariantsFile)
    negation = pack.document(f"{DIR}/negation.toml", NegationFile)
    folds = variants[0] if variants else VariantsFile()
    folder = Folder(folds.digits)
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    raised: set[str] = set()
    categories: set[str] = set()
    files = [r for r in pack.glob(f"{DIR}/*.toml") if r.rsplit("/", 1)[-1] not in SPECIAL_FILES]
    if not files:
        pack.fail(f"{DIR}/", 0, "no keyword category files (rules/keywords/<category>.toml)")
    for rel in files:
        got = pack.document(rel, CategoryFile)
        if got is None:
            continue
        cat, text = got
        categories.add(cat.category)
        for i, spec in enumerate(cat.phrase):
            line = locate(text, ["phrase", i, "text"])
            rule_id = spec.rule or f"{DIR}.{cat.category}"
            if rule_id not in rules or category_of(rule_id) != cat.category:
                pack.fail(rel, line, f"phrase {spec.text!r}: rule {rule_id!r} is not a rule of "
                                     f"category {cat.category!r} declared in "
                                     f"{family_file(DIR)}")
                continue
            key = folder.key(spec.text)
            if problem := bad_key(key):
                pack.fail(rel, line, f"phrase {spec.text!r}: {problem}")
                continue
            where = f"{rel}:{line}"
            if spec.text in seen:
                first = seen[spec.text]
                pack.fail(rel, line, f"phrase {spec.text!r} listed twice (first at {first})")
                continue
            seen[spec.text] = where
            raised.add(rule_id)
            entries.extend(make_entries(spec, rule_id, folder, folds.fold, params.max_forms,
                                        params.pinyin_severity))
    _unraised(pack, rules, raised, categories)
    neg = negation[0].negation if negation else NegationFile().negation
    return params, Scanner(Lexicon(entries), folder, neg, params)


def _unraised(pack: PackReader, rules: Mapping[str, RuleSpec], raised: set[str],
              categories: set[str]) -> None:
    """Declared keyword rules the phrases cannot raise, or that lack the title their
    findings are named by."""
    lines = declarations(pack, family_file(DIR))
    for rid, spec in rules.items():
        d = lines.get(rid)
        file, line = (d.file, d.line) if d else (family_file(DIR), 0)
        if spec.title is None:
            pack.fail(file, line, f"rule {rid!r}: a keyword rule needs a `title` (it names "
                                  "the rule in its findings)")
        if category_of(rid) not in categories:
            pack.fail(file, line, f"rule {rid!r}: no category file "
                                  f"{DIR}/{category_of(rid)}.toml")
        elif rid not in raised:
            pack.fail(file, line, f"rule {rid!r}: no phrase raises it")
