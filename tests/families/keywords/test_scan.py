"""Lexicon, automaton encoding and context judging, on a small hand-made lexicon."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.families.keywords.lexicon import Lexicon, forms_of, make_entries, pinyin_of
from verifier.families.keywords.scan import Match, Scanner
from verifier.families.keywords.schema import Fold, KeywordParams, Negation, PhraseSpec
from verifier.models import Severity
from verifier.text.match import Folder
from verifier.text.normalize import TextView

FOLDS = [
    Fold(canonical="微信", variants=["薇信", "vx"]),
    Fold(canonical="加v", variants=["+v"]),
]
NEG = Negation(
    clause=["无需", "不收取"], sentence=["谨防", "不收取任何费用"], adjacent=["无", "免"],
    after=["全免", "诈骗"], alone=["无"], affirm=["交", "缴"],
)
PHRASES: list[dict[str, Any]] = [
    {"text": "押金", "severity": "flag", "escalate": ["交", "缴"], "window": 4,
     "senses": ["装修押金"], "sense_titles": ["物业"]},
    {"text": "交押金", "severity": "reject"},
    {"text": "刷单", "severity": "reject", "pinyin": True},
    {"text": "加微信", "severity": "flag"},
    {"text": "wx", "severity": "flag"},
    {"text": "985", "severity": "flag", "channel": {"campus": "reject"}},
    {"text": "园区", "severity": "flag", "required": ["缅甸"], "scope": "sentence", "window": 20},
    {"text": "培训费", "severity": "flag", "escalate": ["先交"], "forbidden": ["报销"]},
    {"text": "孕妇勿扰", "severity": "reject", "negatable": False},
]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    folder = Folder({"1": "一", "8": "八"})
    entries = []
    for raw in PHRASES:
        spec = PhraseSpec.model_validate(raw)
        entries += make_entries(spec, "keywords.test", folder, FOLDS, 64, Severity.flag)
    return Scanner(Lexicon(entries), folder, NEG, KeywordParams())


def scan(scanner: Scanner, text: str, title: str = "", channel: str | None = None) -> list[Match]:
    views = [("title", TextView.of(title)), ("description", TextView.of(text))]
    return scanner.scan(views, channel, views[0][1].norm)


def found(scanner: Scanner, text: str, **kw: Any) -> list[tuple[str, str, str]]:
    return [(m.entry.phrase, m.text, m.severity.value) for m in scan(scanner, text, **kw)]


def test_forms_of_applies_folds_in_order() -> None:
    forms = forms_of("加微信", FOLDS, 64)
    assert forms[0] == "加微信"
    assert {"加薇信", "加vx", "+vx"} <= set(forms)
    assert len(forms_of("加微信", FOLDS, 2)) == 2


@pytest.mark.parametrize(("phrase", "pinyin"), [("刷单", "shuadan"), ("微信", "weixin"),
                                                ("vx", None), ("刷a", None), ("", None)])
def test_pinyin_of(phrase: str, pinyin: str | None) -> None:
    assert pinyin_of(phrase) == pinyin


def test_hits_report_every_overlapping_key_in_end_order() -> None:
    folder = Folder({})
    spec = PhraseSpec(text="x", severity=Severity.flag)
    entries = [e for t in ("押金", "金", "交押金", "押") for e in make_entries(
        spec.model_copy(update={"text": t}), "keywords.fee_upfront", folder, [], 1,
        Severity.flag)]
    got = [(s, e) for s, e, _ in Lexicon(entries).hits(folder.compact("先交押金，押金"))]
    assert got == [(2, 3), (1, 4), (2, 4), (3, 4), (5, 6), (5, 7), (6, 7)]
    assert list(Lexicon([]).hits(folder.compact("押金"))) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("先交 押 金", [("交押金", "交 押 金", "reject")]),
        ("押金500元", [("押金", "押金", "flag")]),
        ("押金需缴", [("押金", "押金", "reject")]),
        ("加薇信", [("加微信", "加薇信", "flag")]),
        ("加 vx", [("加微信", "加 vx", "flag")]),
        ("+vx", [("加微信", "+vx", "flag")]),
        ("shua dan", [("刷单", "shua dan", "flag")]),
        ("刷  单", [("刷单", "刷  单", "reject")]),
        ("刷    单", []),
        ("wx:abc", [("wx", "wx", "flag")]),
        ("newxbox", []),
        ("new xbox", []),
        ("限985院校", [("985", "985", "flag")]),
        ("19852", []),
        ("缅甸园区客服", [("园区", "园区", "flag")]),
        ("工业园区保安", []),
        ("先交培训费，入职后报销", [("培训费", "培训费", "reject")]),
        ("培训费公司报销", []),
        ("孕妇勿扰", [("孕妇勿扰", "孕妇勿扰", "reject")]),
    ],
)
def test_matches(scanner: Scanner, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(scanner, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "无需押金",            # clause cue
        "本岗位无需，任何押金",  # not: cue in an earlier clause -> fires (checked below)
        "无押金",              # adjacent cue
        "免押金",
        "押金全免",            # after cue
        "押金：无",            # the rest of the clause is only a cue
        "谨防刷单",            # sentence cue in the same clause
        "刷单诈骗",            # after cue
        "谨防诈骗，押金不退",   # sentence cue elsewhere in the sentence, no payment affirmed
    ],
)
def test_negation_cancels(scanner: Scanner, text: str) -> None:
    hits = found(scanner, text)
    if text == "本岗位无需，任何押金":
        assert hits == [("押金", "押金", "flag")]
    else:
        assert hits == []


def test_disclaimer_in_another_clause_does_not_undo_a_payment(scanner: Scanner) -> None:
    assert found(scanner, "不收取任何费用，入职交押金") == [("交押金", "交押金", "reject")]
    assert found(scanner, "谨防诈骗，需缴押金") == [("押金", "押金", "reject")]


def test_negation_stops_at_the_sentence(scanner: Scanner) -> None:
    assert found(scanner, "谨防诈骗。押金500元") == [("押金", "押金", "flag")]


def test_allowed_sense_depends_on_title(scanner: Scanner) -> None:
    assert found(scanner, "负责装修押金收取", title="物业管家") == []
    assert found(scanner, "负责装修押金收取", title="销售") == [("押金", "押金", "flag")]


def test_channel_sets_severity(scanner: Scanner) -> None:
    assert found(scanner, "限985", channel="campus") == [("985", "985", "reject")]


def test_fields_are_separate_and_offsets_are_per_field(scanner: Scanner) -> None:
    ms = scan(scanner, "岗位：刷单", title="交押")
    assert [(m.field, m.start, m.end, m.text) for m in ms] == [("description", 3, 5, "刷单")]
    ms = scan(scanner, "金", title="交押")
    assert ms == []


def test_long_text_with_controls_and_mixed_scripts(scanner: Scanner) -> None:
    filler = ("正常的岗位描述 Normal text ☺ \x00\x07 한국어 русский。" * 3000)[:99_990]
    ms = scan(scanner, filler + "先交 押 金")
    assert [(m.entry.phrase, m.start, m.text) for m in ms] == [("交押金", 99_991, "交 押 金")]


@settings(max_examples=300, deadline=None)
@given(st.text("押金交单刷\U00020001\U0002000ba1", max_size=40))
def test_hits_equal_every_occurrence_in_end_order(text: str) -> None:
    folder = Folder({})
    keys = ["押金", "金", "交押金", "\U00020001刷", "刷单", "a1", "\U0002000b"]
    spec = PhraseSpec(text="x", severity=Severity.flag)
    lexicon = Lexicon([e for k in keys for e in make_entries(
        spec.model_copy(update={"text": k}), "keywords.fee_upfront", folder, [], 1,
        Severity.flag)])
    compact = folder.compact(text)
    got = [(s, e, es[0].key) for s, e, es in lexicon.hits(compact)]
    ctext = compact.text
    want = sorted(((i, i + len(k), k) for k in keys for i in range(len(ctext))
                   if ctext.startswith(k, i)), key=lambda t: (t[1], t[0]))
    assert got == want
