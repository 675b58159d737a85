"""Loading `rules/keywords/*.toml` through the PackReader into a ready `Scanner`.

Every problem is recorded with file and line (`PackReader.fail`), so the catalog refuses the
pack and the running one stays in force: unknown rule ids, a rule id outside its file's
category, a phrase listed twice, a phrase with nothing left after normalization.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from verifier.families.keywords.lexicon import Entry, Lexicon, bad_key, make_entries
from verifier.families.keywords.scan import Scanner
from verifier.families.keywords.schema import (
    SPECIAL_FILES,
    CategoryFile,
    KeywordParams,
    NegationFile,
    RuleText,
    VariantsFile,
)
from verifier.pack import PackReader, locate
from verifier.text.match import Folder

M = TypeVar("M", bound=BaseModel)
DIR = "keywords"


def load_scanner(
    pack: PackReader, known: set[str]
) -> tuple[KeywordParams, Scanner, dict[str, RuleText]]:
    """Params, scanner and rule texts of the pack; issues are recorded on `pack`."""
    params = pack.params(f"{DIR}/engine.toml", KeywordParams)
    variants = pack.document(f"{DIR}/variants.toml", VariantsFile)
    negation = pack.document(f"{DIR}/negation.toml", NegationFile)
    folds = variants[0] if variants else VariantsFile()
    folder = Folder(folds.digits)
    texts: dict[str, RuleText] = {}
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    files = [r for r in pack.glob(f"{DIR}/*.toml") if r.rsplit("/", 1)[-1] not in SPECIAL_FILES]
    if not files:
        pack.fail(f"{DIR}/", 0, "no keyword category files (rules/keywords/<category>.toml)")
    for rel in files:
        got = pack.document(rel, CategoryFile)
        if got is None:
            continue
        cat, text = got
        own: set[str] = set()
        for i, rule in enumerate(cat.rule):
            line = locate(text, ["rule", i, "id"])
            if rule.id not in known:
                pack.fail(rel, line, f"rule id {rule.id!r} is not a rule of the keywords check")
            elif rule.id.split(".")[1] != cat.category:
                pack.fail(rel, line, f"rule id {rule.id!r} is outside category {cat.category!r}")
            else:
                texts[rule.id] = rule
                own.add(rule.id)
        for i, spec in enumerate(cat.phrase):
            line = locate(text, ["phrase", i, "text"])
            rule_id = spec.rule or f"keywords.{cat.category}"
            if rule_id not in own:
                pack.fail(rel, line, f"phrase {spec.text!r}: rule {rule_id!r} not declared here")
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
            entries.extend(make_entries(spec, rule_id, folder, folds.fold, params.max_forms,
                                        params.pinyin_severity))
    neg = negation[0].negation if negation else NegationFile().negation
    return params, Scanner(Lexicon(entries), folder, neg, params), texts
