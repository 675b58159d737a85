"""The matching form of a text: separators bridged, digits unified, offsets kept.

Keyword and contact matching run over a *compact* string derived from the same-length
normalized text (`TextView.norm`, see `verifier.text.normalize`), never from the original:

1. fold: a lookup table maps each character to one character — Chinese numerals, circled,
   parenthesised, dingbat and keycap digits to ASCII digits (data: `rules/keywords/
   variants.toml`), ➕ ✚ to ``+``, ♥ to ❤, and clause punctuation to one of two marks:
   ``,`` (clause) and ``。`` (sentence: 。！？； and line breaks);
2. compact: every character that is not a letter, a digit, a kept symbol or a clause mark
   is dropped (spaces, ``*``, ``.``, ``-``, ``/``, emoji, zero-width characters, keycap and
   variation selectors ...), so ``刷 * 单`` reads ``刷单``; how far apart the characters of a
   match were in the original is checked per match (`Compact.max_gap`), which is what keeps
   the bridging bounded;
3. index: `Compact.index[i]` is the offset in the normalized text — and so in the original,
   which has the same length — of compact character ``i``.

All three steps are numpy operations over the UTF-32 code units (one table lookup and one
mask per character, no Python loop per character), about 100 MB/s; phrases are put
through exactly the same steps when the automaton is built (`Folder.key`).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from verifier.text.normalize import code_table, normalize

CLAUSE = ","
SENTENCE = "。"
_CLAUSE_CHARS = ",，"  # the enumeration comma 、 is bridged for context, not a boundary
# ... but no match may span it: 生日红包、过节红包 does not say 包过 (`Compact.crosses_list_mark`).
_LIST_MARKS = np.array([ord("、"), ord("｜"), ord("|")], dtype=np.uint32)
_SENTENCE_CHARS = "。!?;！？；\n｡"
_KEEP_SYMBOLS = "+@❤"
_FOLD_SYMBOLS = {"➕": "+", "✚": "+", "♥": "❤", "♡": "❤", "💕": "❤", "❣": "❤"}
_SPACE = 0x110000
_DROP = 0xFFFFFFFF  # not a code point: marks a character the compact form leaves out
_CODEC = "utf-32-le"
Codes = npt.NDArray[np.uint32]


@cache
def _base_tables() -> tuple[Codes, npt.NDArray[np.bool_]]:
    """Identity fold table and the letter/digit keep mask (built once per process)."""
    lut = np.arange(_SPACE, dtype=np.uint32)
    keep = np.ones(_SPACE, dtype=np.bool_)
    for cp in range(0x30000):
        cat = unicodedata.category(chr(cp))
        if cat[0] not in "LN":
            keep[cp] = False
    for ch in _KEEP_SYMBOLS:
        keep[ord(ch)] = True
    for ch in _CLAUSE_CHARS:
        lut[ord(ch)] = ord(CLAUSE)
    for ch in _SENTENCE_CHARS:
        lut[ord(ch)] = ord(SENTENCE)
    keep[ord(CLAUSE)] = keep[ord(SENTENCE)] = True
    for src, dst in _FOLD_SYMBOLS.items():
        lut[ord(src)] = ord(dst)
    return lut, keep


def codes_of(text: str) -> Codes:
    """The text's code points as a uint32 array (lone surrogates pass through)."""
    return np.frombuffer(text.encode(_CODEC, "surrogatepass"), dtype=np.uint32)


def text_of(codes: Codes) -> str:
    """Inverse of `codes_of`."""
    return codes.tobytes().decode(_CODEC, "surrogatepass")


class Compact:
    """A field in matching form, with the way back to original offsets.

    `codes` (the compact text as code points) is all the automaton needs; `text` and
    `index` are derived on first use, which most fields without a hit never ask for.
    """

    __slots__ = ("_index", "_mask", "_raw", "_text", "codes")

    def __init__(self, codes: Codes, mask: npt.NDArray[np.bool_],
                 raw: Codes | None = None) -> None:
        self.codes = codes
        self._mask = mask
        self._raw = raw
        self._text: str | None = None
        self._index: npt.NDArray[np.intp] | None = None

    @property
    def text(self) -> str:
        """The compact string."""
        if self._text is None:
            self._text = text_of(self.codes)
        return self._text

    @property
    def index(self) -> npt.NDArray[np.intp]:
        """Original offset of each compact character."""
        if self._index is None:
            self._index = np.flatnonzero(self._mask)
        return self._index

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets [start, end) of compact characters [start, end)."""
        index = self.index
        return int(index[start]), int(index[end - 1]) + 1

    def max_gap(self, start: int, end: int) -> int:
        """Most original characters dropped between two adjacent matched characters."""
        index = self.index
        if end - start < 2 or index[end - 1] - index[start] == end - start - 1:
            return 0
        part = index[start:end]
        return int((part[1:] - part[:-1]).max()) - 1

    def crosses_list_mark(self, start: int, end: int) -> bool:
        """Whether a list mark (、 |) stands between compact characters [start, end)."""
        if self._raw is None or end - start < 2:
            return False
        index = self.index
        lo, hi = int(index[start]), int(index[end - 1])
        if hi - lo == end - start - 1:
            return False  # nothing was dropped in between
        return bool(np.isin(self._raw[lo:hi], _LIST_MARKS).any())

    def gap_before(self, pos: int) -> int:
        """Characters dropped between compact `pos - 1` and `pos` (large at the ends)."""
        if pos <= 0 or pos >= len(self.codes):
            return 1 << 30
        return int(self.index[pos] - self.index[pos - 1]) - 1


def _starts(texts: Sequence[str]) -> tuple[int, ...]:
    starts: list[int] = []
    at = 0
    for text in texts:
        starts.append(at)
        at += len(text) + 1
    return tuple(starts)


class Joined:
    """Fields in one compact text, joined by line breaks (a sentence mark, so no match and
    no context window crosses from one field into the next), with each field's offset."""

    __slots__ = ("_cstarts", "compact", "starts")

    def __init__(self, compact: Compact, starts: tuple[int, ...]) -> None:
        self.compact = compact
        self.starts = starts
        self._cstarts: tuple[int, ...] | None = None

    def field_of(self, offset: int) -> int:
        """The index of the field holding an offset of the joined normalized text."""
        return bisect_right(self.starts, offset) - 1

    @property
    def compact_starts(self) -> tuple[int, ...]:
        """The compact offset where each field begins (derived on first use)."""
        if self._cstarts is None:
            mask = self.compact._mask
            self._cstarts = tuple(int(np.count_nonzero(mask[:s])) for s in self.starts)
        return self._cstarts

    def compact_field_of(self, pos: int) -> int:
        """The index of the field holding a compact offset (never a joining mark's)."""
        return bisect_right(self.compact_starts, pos) - 1


class Folder:
    """Builds compact forms with one fold table; the same one for texts and phrases."""

    def __init__(self, digits: Mapping[str, str]) -> None:
        base_lut, base_keep = _base_tables()
        self._lut = base_lut.copy()
        self._keep = base_keep
        for digit, chars in digits.items():
            for ch in chars:
                self._lut[ord(ch)] = ord(digit)
        # Fold and keep in one table: a dropped character folds to _DROP, so compacting is
        # one gather and one comparison instead of two gathers.
        self._fold_keep = np.where(self._keep[self._lut], self._lut, _DROP).astype(np.uint32)
        # Two folders with the same digit table build the same compact forms: checks that
        # share one per posting (`Joined`, cached on the facts) key it by this.
        self.signature = repr(sorted(digits.items()))
        self._composed: Codes | None = None

    def join(self, norms: Sequence[str]) -> Joined:
        """The compact form of several normalized fields joined by line breaks."""
        return Joined(self.compact("\n".join(norms)), _starts(norms))

    def join_original(self, texts: Sequence[str]) -> Joined:
        """`join` of the texts' normalized forms, without making them: normalization and
        folding are both one-to-one per character, so one composed table does both."""
        if self._composed is None:
            self._composed = self._fold_keep[code_table()]
        raw = codes_of("\n".join(texts))
        folded = self._composed[raw]
        mask = folded != _DROP
        return Joined(Compact(folded[mask], mask, raw), _starts(texts))

    def compact(self, norm: str) -> Compact:
        """The compact form of an already normalized text."""
        raw = codes_of(norm)
        folded = self._fold_keep[raw]
        mask = folded != _DROP
        return Compact(folded[mask], mask, raw)

    def key(self, phrase: str) -> str:
        """A phrase in matching form: normalized, folded and compacted like the texts."""
        return self.compact(normalize(phrase)).text

    def fold_char(self, ch: str) -> str:
        """One character through the fold table (no compaction)."""
        return chr(int(self._lut[ord(ch)]))


def is_word_char(ch: str) -> bool:
    """ASCII letters and digits: a phrase made of them must not sit inside a longer word."""
    return ch.isascii() and ch.isalnum()


def same_class(a: str, b: str) -> bool:
    """Whether two ASCII word characters continue one token (letter-letter, digit-digit)."""
    return is_word_char(a) and is_word_char(b) and a.isdigit() == b.isdigit()

