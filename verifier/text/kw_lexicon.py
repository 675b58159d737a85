"""The keyword lexicon: phrases expanded to every spelling, one Aho-Corasick automaton.

Each phrase of `rules/keywords/<category>.toml` becomes one or more `Entry`s: the phrase
itself, every variant spelling produced by the folds of `variants.toml` (加微信 → 加薇信,
加vx, 加v信 ...), and, where the phrase asks for it, its toneless pinyin (刷单 → shuadan) as a
weak entry. Every spelling goes through `Folder.key`, the same normalize-fold-compact steps
the texts go through, so ``先繳 押 金`` and ``先缴押金`` meet on one key.

pyahocorasick looks up a node's children by a linear search, which makes a trie over a
large CJK alphabet slow where thousands of first characters hang off the root. So the
automaton is built over a small alphabet: each character of the phrases gets an id
(frequent characters first) written as `width` hexadecimal digits, each digit position
with its own 16 symbols (so a key can only match at character boundaries); characters that
occur in no phrase all get id 0. That keeps every node at ≤ 16 children and the scan near
50 MB/s at 50,000 phrases. Translating a text into that alphabet is one numpy lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick
import numpy as np

from verifier.models import SEVERITY_RANK, Severity
from verifier.text.kw_data import Fold, PhraseSpec
from verifier.text.match import CLAUSE, SENTENCE, Codes, Compact, Folder, codes_of, text_of
from verifier.text.normalize import normalize

_BITS = 4
_DIGIT = (1 << _BITS) - 1
_BASE = 0x100


@dataclass(frozen=True, slots=True)
class Entry:
    """One spelling of one phrase, with its context words in matching form."""

    phrase: str
    form: str
    key: str
    rule: str
    severity: Severity
    via: str
    spec: PhraseSpec
    escalate: tuple[str, ...]
    required: tuple[str, ...]
    forbidden: tuple[str, ...]
    senses: tuple[str, ...]
    sense_titles: tuple[str, ...]

    @property
    def ascii(self) -> bool:
        """Whether the key is all ASCII (stricter gaps and word boundaries apply)."""
        return self.key.isascii()


class Encoder:
    """Maps compact text to the automaton's small alphabet (see the module docstring)."""

    def __init__(self, keys: Iterable[str]) -> None:
        freq: dict[str, int] = {}
        for key in keys:
            for ch in key:
                freq[ch] = freq.get(ch, 0) + 1
        order = sorted(freq, key=lambda c: (-freq[c], c))
        self.ids = np.zeros(0x110000, dtype=np.uint32)
        for i, ch in enumerate(order, start=1):
            self.ids[ord(ch)] = i
        self.width = 1
        while (1 << (_BITS * self.width)) <= len(order):
            self.width += 1
        self.alphabet = len(order)
        ids = np.arange(len(order) + 1, dtype=np.uint32)[:, None]
        shifts = np.array([_BITS * (self.width - 1 - k) for k in range(self.width)],
                          dtype=np.uint32)
        offsets = np.array([_BASE + k * (_DIGIT + 1) for k in range(self.width)],
                           dtype=np.uint32)
        self.digits: Codes = (((ids >> shifts) & _DIGIT) + offsets).astype(np.uint32)

    def encode(self, codes: Codes) -> str:
        """The encoded form of a compact text's code units."""
        return text_of(self.digits[self.ids[codes]].reshape(-1))


def forms_of(phrase: str, folds: list[Fold], limit: int) -> list[str]:
    """The phrase and every variant spelling the folds give it (bounded by `limit`)."""
    forms = [normalize(phrase)]
    for fold in folds:
        canonical = normalize(fold.canonical)
        for form in list(forms):
            if canonical not in form:
                continue
            for variant in fold.variants:
                new = form.replace(canonical, normalize(variant))
                if new not in forms and len(forms) < limit:
                    forms.append(new)
    return forms


def pinyin_of(phrase: str) -> str | None:
    """Toneless pinyin of an all-CJK phrase (刷单 → shuadan), None for anything else."""
    if not phrase or not all("\u4e00" <= ch <= "\u9fff" for ch in phrase):
        return None
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(phrase))


class Lexicon:
    """Entries by key and the automaton over their encoded keys."""

    def __init__(self, entries: list[Entry]) -> None:
        by_key: dict[str, list[Entry]] = {}
        for e in entries:
            bucket = by_key.setdefault(e.key, [])
            same = next((i for i, o in enumerate(bucket) if o.rule == e.rule), None)
            if same is None:
                bucket.append(e)
            elif SEVERITY_RANK[e.severity] > SEVERITY_RANK[bucket[same].severity]:
                bucket[same] = e
        self.keys: list[tuple[int, tuple[Entry, ...]]] = []
        self.encoder = Encoder(by_key)
        self.automaton: Any = ahocorasick.Automaton()
        for key, bucket in by_key.items():
            self.automaton.add_word(self.encoder.encode(codes_of(key)), len(self.keys))
            self.keys.append((len(key), tuple(bucket)))
        if self.keys:
            self.automaton.make_automaton()
        self.size = len(entries)

    def hits(self, compact: Compact) -> Iterator[tuple[int, int, tuple[Entry, ...]]]:
        """(compact start, compact end, entries) of every key occurrence, overlaps included."""
        if not self.keys or not len(compact.codes):
            return
        width = self.encoder.width
        for end, kid in self.automaton.iter(self.encoder.encode(compact.codes)):
            length, entries = self.keys[kid]
            stop = end // width + 1
            yield stop - length, stop, entries


def bad_key(key: str) -> str | None:
    """Why a phrase's matching form cannot be used, or None."""
    if not key:
        return "phrase has no letters or digits left after normalization"
    if CLAUSE in key or SENTENCE in key:
        return "phrase spans a clause boundary (，。！？；)"
    return None


def make_entries(
    spec: PhraseSpec, rule: str, folder: Folder, folds: list[Fold], limit: int,
    pinyin_severity: Severity,
) -> list[Entry]:
    """Every entry one phrase contributes (the phrase, its variants, its pinyin)."""
    words = {
        name: tuple(k for k in (folder.key(w) for w in getattr(spec, name)) if k)
        for name in ("escalate", "required", "forbidden", "senses", "sense_titles")
    }
    spellings = [(f, "phrase" if i == 0 else "variant")
                 for i, f in enumerate(forms_of(spec.text, folds, limit))]
    if spec.pinyin and (py := pinyin_of(normalize(spec.text))):
        spellings.append((py, "pinyin"))
    out: list[Entry] = []
    for form, via in spellings:
        key = folder.key(form)
        if bad_key(key):
            continue
        severity = spec.severity
        if via == "pinyin" and SEVERITY_RANK[severity] > SEVERITY_RANK[pinyin_severity]:
            severity = pinyin_severity
        out.append(Entry(spec.text, form, key, rule, severity, via, spec, **words))
    return out
