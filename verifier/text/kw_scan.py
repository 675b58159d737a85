"""Judging each automaton hit in its context: bounds, senses, negation, required words.

A raw hit of the automaton becomes a `Match` only if, in this order:

1. its characters were close together in the original (`max_gap` dropped characters at
   most between two of them; `max_ascii_gap` for all-ASCII keys), and an all-ASCII key
   does not sit inside a longer ASCII word (``wx`` in ``newxbox`` is not WeChat);
2. it does not lie inside an allowed sense of the phrase (投标保证金 for 保证金, 装修押金 for
   押金, 确保录入 for 保录), optionally only when the title says so (会计, 财务 ...);
3. for a negatable phrase, no negation cue cancels it: a `clause` cue before it in its
   clause (无需, 不收取 ...), an `adjacent` cue right before it (无, 免), an `after` cue right
   after it (全免, 均可), a clause that after it says nothing but an `alone` cue (押金：无), or
   a `sentence` cue (谨防, 打击, 不收取任何费用) earlier in its sentence — unless its own
   clause affirms a payment (交, 缴, 付 ...), which a blanket disclaimer cannot undo;
4. its `required` words, if any, occur in the window around it; no `forbidden` word does,
   unless an `escalate` word does too (``先交培训费，入职后报销`` stays a fee);
5. an `escalate` word in the window raises it to `escalate_to`; the posting's channel may
   set the severity (school-tier limits reject on `campus`); pinyin spellings are weak.

Windows are counted in compact characters and never cross the clause (or, for
``scope = "sentence"``, the sentence) the match is in.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.models import SEVERITY_RANK, Severity
from verifier.text.kw_data import KeywordParams, Negation
from verifier.text.kw_lexicon import Entry, Lexicon
from verifier.text.match import CLAUSE, SENTENCE, Compact, Folder, same_class
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


@dataclass(frozen=True, slots=True)
class _Cues:
    clause: tuple[str, ...]
    sentence: tuple[str, ...]
    adjacent: tuple[str, ...]
    after: tuple[str, ...]
    alone: tuple[str, ...]
    affirm: tuple[str, ...]
    after_window: int


def _bounds(text: str, start: int, end: int, marks: tuple[str, ...]) -> tuple[int, int]:
    lo = max(text.rfind(m, 0, start) for m in marks) + 1
    ends = [p for p in (text.find(m, end) for m in marks) if p >= 0]
    return lo, min(ends) if ends else len(text)


class Scanner:
    """Runs a lexicon over fields and keeps the hits their context allows."""

    def __init__(
        self, lexicon: Lexicon, folder: Folder, negation: Negation, params: KeywordParams
    ) -> None:
        self.lexicon = lexicon
        self.folder = folder
        self.params = params

        def fold(words: list[str]) -> tuple[str, ...]:
            return tuple(k for k in (folder.key(w) for w in words) if k)

        self.cues = _Cues(
            fold(negation.clause), fold(negation.sentence), fold(negation.adjacent),
            fold(negation.after), fold(negation.alone), fold(negation.affirm),
            negation.after_window,
        )

    def scan(self, field: str, view: TextView, channel: str | None, title: str) -> list[Match]:
        """Every match in one field, contained lower-or-equal matches dropped."""
        compact = self.folder.compact(view.norm)
        found: list[tuple[int, int, Match]] = []
        for cs, ce, entries in self.lexicon.hits(compact):
            if not self._shape_ok(compact, cs, ce, entries[0]):
                continue
            for entry in entries:
                sev, ctx = self._judge(compact.text, cs, ce, entry, channel, title)
                if sev is None:
                    continue
                start, end = compact.span(cs, ce)
                m = Match(entry, field, start, end, view.original[start:end], sev, ctx)
                found.append((cs, ce, m))
        return _outermost(found)

    def _shape_ok(self, c: Compact, cs: int, ce: int, entry: Entry) -> bool:
        limit = self.params.max_ascii_gap if entry.ascii else self.params.max_gap
        if c.max_gap(cs, ce) > limit:
            return False
        key = entry.key
        if cs > 0 and c.gap_before(cs) == 0 and same_class(c.text[cs - 1], key[0]):
            return False
        return not (ce < len(c.text) and c.gap_before(ce) == 0
                    and same_class(key[-1], c.text[ce]))

    def _judge(
        self, text: str, cs: int, ce: int, e: Entry, channel: str | None, title: str
    ) -> tuple[Severity | None, str | None]:
        if e.senses and self._in_sense(text, cs, ce, e, title):
            return None, None
        cl_lo, cl_hi = _bounds(text, cs, ce, (CLAUSE, SENTENCE))
        if e.spec.negatable and self._negated(text, cs, ce, cl_lo, cl_hi):
            return None, None
        lo, hi = (cl_lo, cl_hi) if e.spec.scope == "clause" else _bounds(
            text, cs, ce, (SENTENCE,))
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

    @staticmethod
    def _in_sense(text: str, cs: int, ce: int, e: Entry, title: str) -> bool:
        if e.sense_titles and not any(t in title for t in e.sense_titles):
            return False
        for sense in e.senses:
            p = text.find(sense, max(0, ce - len(sense)), cs + len(sense))
            while 0 <= p <= cs:
                if p + len(sense) >= ce:
                    return True
                p = text.find(sense, p + 1, cs + len(sense))
        return False

    def _negated(self, text: str, cs: int, ce: int, lo: int, hi: int) -> bool:
        q = self.cues
        before = text[lo:cs]
        if any(c in before for c in q.clause):
            return True
        tail = text[max(lo, cs - 6):cs]
        if any(tail.endswith(c) or tail[:-1].endswith(c) for c in q.adjacent):
            return True
        after = text[ce:min(hi, ce + q.after_window)]
        if any(after.startswith(c) or after[1:].startswith(c) for c in q.after):
            return True
        if text[ce:hi] in q.alone:
            return True
        s_lo = text.rfind(SENTENCE, 0, cs) + 1
        if any(c in text[s_lo:cs] for c in q.sentence):
            if any(c in before for c in q.sentence):
                return True
            clause = text[lo:hi]
            return not any(a in clause for a in q.affirm)
        return False


def _outermost(found: list[tuple[int, int, Match]]) -> list[Match]:
    """Drop a match lying inside another match of the same or higher severity."""
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
