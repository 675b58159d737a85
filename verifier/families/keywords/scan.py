"""Judging each automaton hit in its context: bounds, senses, negation, required words.

A raw hit of the automaton becomes a `Match` only if, in this order:

1. its characters were close together in the original (`max_gap` dropped characters at
   most between two of them; `max_ascii_gap` for all-ASCII keys), no list mark (、 |) stands
   between them (生日红包、过节红包 is not 包过), and an all-ASCII key
   does not sit inside a longer ASCII word (``wx`` in ``newxbox`` is not WeChat);
2. it does not lie inside an allowed sense of the phrase (投标保证金 for 保证金, 装修押金 for
   押金, 确保录入 for 保录), optionally only when the title says so (会计, 财务 ...);
3. for a negatable phrase, no negation cue cancels it: a `clause` cue before it in its
   clause (无需, 不收取 ...), an `adjacent` cue right before it (无, 免), an `after` cue right
   after it (全免, 均可), a clause that after it says nothing but an `alone` cue (押金：无), or
   a `sentence` cue (谨防, 打击, 不收取任何费用, 骗子) in its clause, or elsewhere in its
   sentence unless its own clause affirms a payment (交, 缴, 付 ...), which a disclaimer in
   another clause cannot undo;
4. its `required` words, if any, occur in the window around it; no `forbidden` word does,
   unless an `escalate` word does too (``先交培训费，入职后报销`` stays a fee);
5. an `escalate` word in the window raises it to `escalate_to`; the posting's channel may
   set the severity (school-tier limits reject on `campus`); pinyin spellings are weak.

Windows are counted in compact characters and never cross the clause (or, for
``scope = "sentence"``, the sentence) the match is in.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from verifier.families.keywords.lexicon import Entry, Lexicon
from verifier.families.keywords.schema import KeywordParams, Negation
from verifier.models import SEVERITY_RANK, Severity
from verifier.text.match import CLAUSE, SENTENCE, Compact, Folder, Joined, same_class
from verifier.text.normalize import TextView


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found in a field, with original offsets and the severity it earned."""

    entry: Entry
    field: str
    start: int
    end: int
    text: str
    severity: Severity
    context: str | None


def _alternation(words: tuple[str, ...], before: str = "", after: str = "") -> re.Pattern[str]:
    """One compiled search for any of `words` (never matches when there are none)."""
    if not words:
        return re.compile(r"(?!)")
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(f"{before}(?:{body}){after}")


@dataclass(frozen=True, slots=True)
class _Cues:
    clause: re.Pattern[str]
    sentence: re.Pattern[str]
    adjacent: re.Pattern[str]
    after: re.Pattern[str]
    alone: frozenset[str]
    affirm: re.Pattern[str]
    after_window: int


class _Marks:
    """Finds the clause and sentence around a compact span (a few `rfind`s per hit).

    A clause or sentence reaches at most `reach` characters either side of the match, so a
    100,000-character text without punctuation costs O(reach) per hit, not O(n).
    """

    __slots__ = ("n", "reach", "text")

    def __init__(self, c: Compact, reach: int) -> None:
        self.text = c.text
        self.n = len(self.text)
        self.reach = reach

    def bounds(self, start: int, end: int, sentence: bool = False) -> tuple[int, int]:
        """[lo, hi) of the clause (or sentence) holding compact span [start, end)."""
        t = self.text
        floor, ceil = max(0, start - self.reach), min(self.n, end + self.reach)
        hi = t.find(SENTENCE, end, ceil)
        hi = ceil if hi < 0 else hi
        lo = max(floor, t.rfind(SENTENCE, floor, start) + 1)
        if not sentence:
            lo = max(lo, t.rfind(CLAUSE, lo, start) + 1)
            c = t.find(CLAUSE, end, hi)
            hi = hi if c < 0 else c
        return lo, hi


class Scanner:
    """Runs a lexicon over fields and keeps the hits their context allows."""

    def __init__(
        self, lexicon: Lexicon, folder: Folder, negation: Negation, params: KeywordParams
    ) -> None:
        self.lexicon = lexicon
        self.folder = folder
        self.negation = negation
        self.params = params

        def fold(words: list[str]) -> tuple[str, ...]:
            return tuple(k for k in (folder.key(w) for w in words) if k)

        self.cues = _Cues(
            clause=_alternation(fold(negation.clause)),
            sentence=_alternation(fold(negation.sentence)),
            adjacent=_alternation(fold(negation.adjacent), after=r".?\Z"),
            after=_alternation(fold(negation.after), before=".?"),
            alone=frozenset(fold(negation.alone)),
            affirm=_alternation(fold(negation.affirm)),
            after_window=negation.after_window,
        )

    def scan(
        self, views: list[tuple[str, TextView]], channel: str | None, title: str,
        joined: Joined | None = None,
    ) -> list[Match]:
        """Every match in the fields, contained lower-or-equal matches dropped.

        The fields are scanned as one text joined by line breaks (a sentence mark, so no
        match or context window crosses from one field into the next): `joined`, when the
        caller already has it (`self.folder.join` of the views' normalized texts). `title` is
        the normalized title, for allowed senses that depend on it.
        """
        if joined is None:
            joined = self.folder.join([v.norm for _, v in views])
        compact, starts = joined.compact, joined.starts
        found: list[tuple[int, int, Match]] = []
        marks: _Marks | None = None
        for cs, ce, entries in self.lexicon.hits(compact):
            marks = marks or _Marks(compact, self.params.reach)
            if not self._shape_ok(compact, marks.text, cs, ce, entries[0]):
                continue
            for entry in entries:
                sev, ctx = self._judge(marks.text, marks, cs, ce, entry, channel, title)
                if sev is None:
                    continue
                start, end = compact.span(cs, ce)
                k = bisect_right(starts, start) - 1
                field, view = views[k]
                start, end = start - starts[k], end - starts[k]
                m = Match(entry, field, start, end, view.original[start:end], sev, ctx)
                found.append((cs, ce, m))
            if len(found) >= self.params.max_matches:
                break  # a pathological text (刷单 x 50,000): enough evidence, bounded time
        return _outermost(found)

    def _shape_ok(self, c: Compact, text: str, cs: int, ce: int, entry: Entry) -> bool:
        key = entry.key
        ascii_key = key.isascii()
        limit = self.params.max_ascii_gap if ascii_key else self.params.max_gap
        if c.max_gap(cs, ce) > limit or c.crosses_list_mark(cs, ce):
            return False
        if not ascii_key and not key[0].isascii() and not key[-1].isascii():
            return True  # no ASCII word character at either end: no word boundary to check
        if cs > 0 and same_class(text[cs - 1], key[0]) and c.gap_before(cs) == 0:
            return False
        return not (ce < len(text) and same_class(key[-1], text[ce])
                    and c.gap_before(ce) == 0)

    def _judge(
        self, text: str, marks: _Marks, cs: int, ce: int, e: Entry, channel: str | None,
        title: str,
    ) -> tuple[Severity | None, str | None]:
        if e.senses and self._in_sense(text, cs, ce, e, title):
            return None, None
        cl_lo, cl_hi = marks.bounds(cs, ce)
        if e.spec.negatable and self._negated(text, marks, cs, ce, cl_lo, cl_hi):
            return None, None
        up = None
        if e.escalate or e.required or e.forbidden:
            lo, hi = (cl_lo, cl_hi) if e.spec.scope == "clause" else marks.bounds(
                cs, ce, sentence=True)
            w = e.spec.window or self.params.window
            around = text[max(lo, cs - w):cs] + SENTENCE + text[ce:min(hi, ce + w)]
            up = next((x for x in e.escalate if x in around), None)
            if e.required and not any(x in around for x in e.required):
                return None, None
            if up is None and any(x in around for x in e.forbidden):
                return None, None
        severity = e.spec.escalate_to if up is not None else e.severity
        if channel is not None and channel in e.spec.channel:
            severity = e.spec.channel[channel]
        if e.via == "pinyin" and SEVERITY_RANK[severity] > SEVERITY_RANK[
                self.params.pinyin_severity]:
            severity = self.params.pinyin_severity
        return severity, up

    def _in_sense(self, text: str, cs: int, ce: int, e: Entry, title: str) -> bool:
        if e.sense_titles:
            folded = self.folder.compact(title).text
            if not any(t in folded for t in e.sense_titles):
                return False
        for sense in e.senses:
            p = text.find(sense, max(0, ce - len(sense)), cs + len(sense))
            while 0 <= p <= cs:
                if p + len(sense) >= ce:
                    return True
                p = text.find(sense, p + 1, cs + len(sense))
        return False

    def _negated(self, text: str, marks: _Marks, cs: int, ce: int, lo: int, hi: int) -> bool:
        q = self.cues
        if q.clause.search(text, lo, cs) or q.adjacent.search(text, max(lo, cs - 6), cs):
            return True
        if q.after.match(text, ce, min(hi, ce + q.after_window)):
            return True
        if text[ce:hi] in q.alone:
            return True
        if q.sentence.search(text, lo, cs) or q.sentence.search(text, ce, hi):
            return True
        s_lo, s_hi = marks.bounds(cs, ce, sentence=True)
        if (s_lo < lo and q.sentence.search(text, s_lo, lo)) or (
                hi < s_hi and q.sentence.search(text, hi, s_hi)):
            return not q.affirm.search(text, lo, hi)
        return False

def _outermost(found: list[tuple[int, int, Match]]) -> list[Match]:
    """Drop a match lying inside another match of the same or higher severity."""
    if len(found) < 2:
        return [m for _, _, m in found]
    found.sort(key=lambda t: (t[0], -t[1]))
    kept: list[tuple[int, int, Match]] = []
    for cs, ce, m in found:
        covered = any(
            ks <= cs and ce <= ke and (ks, ke) != (cs, ce)
            and SEVERITY_RANK[km.severity] >= SEVERITY_RANK[m.severity]
            for ks, ke, km in kept[-8:]
        )
        if not covered:
            kept.append((cs, ce, m))
    return [m for _, _, m in kept]
